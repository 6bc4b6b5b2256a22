# A complete AWS setup in ONE configuration: the ECS service on the CODE_DEPLOY controller, an ALB with
# production (80) and test (8080) listeners, two target groups, a CodeDeploy application and deployment group
# that holds traffic for tests, a 404 alarm — and ecsbg_deployment shipping releases through it. One
# `terraform apply` from nothing builds the stage and ships the first release; later applies with another
# image_tag ship through CodeDeploy blue/green.
#
# hashicorp/aws creates the stage once; ecsbg_deployment owns every release afterwards. While the stage does
# not exist yet, ecsbg_deployment's plan warns that the application and group are "not found now" and checks
# them again at apply, after hashicorp/aws has created them. The ignore_changes
# below are the hand-over: CodeDeploy moves the listeners' weights and the service's task definition and
# target group on every deployment, and hashicorp/aws must not move them back.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
    ecsbg = {
      source = "ecsbg/ecsbg"
    }
  }
}

provider "aws" {
  region = var.region
}

provider "ecsbg" {
  region = var.region
}

variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "vpc_id" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "image_tag" {
  description = "The version to ship, e.g. v2."
  type        = string
}

variable "production_port" {
  description = "The production listener's port."
  type        = number
  default     = 80
}

variable "test_port" {
  description = "The test listener's port (the test_gate's requests go here)."
  type        = number
  default     = 8080
}

variable "bake_time" {
  description = "How long alarms are watched after all production traffic is on the new version."
  type        = string
  default     = "5m"
}

resource "aws_ecs_cluster" "main" {
  name = "web"
}

resource "aws_lb" "web" {
  name               = "web"
  load_balancer_type = "application"
  subnets            = var.subnet_ids
}

resource "aws_lb_target_group" "blue" {
  name        = "web-blue"
  port        = 80
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id
  health_check {
    path = "/health"
  }
}

resource "aws_lb_target_group" "green" {
  name        = "web-green"
  port        = 80
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id
  health_check {
    path = "/health"
  }
}

resource "aws_lb_listener" "production" {
  load_balancer_arn = aws_lb.web.arn
  port              = var.production_port
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.blue.arn
  }
  # CodeDeploy swaps blue and green on every deployment.
  lifecycle {
    ignore_changes = [default_action]
  }
}

resource "aws_lb_listener" "test" {
  load_balancer_arn = aws_lb.web.arn
  port              = var.test_port
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.blue.arn
  }
  lifecycle {
    ignore_changes = [default_action]
  }
}

# The first revision only; ecsbg_deployment registers and ships every later one.
resource "aws_ecs_task_definition" "bootstrap" {
  family                   = "web"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  cpu                      = "256"
  memory                   = "512"
  container_definitions = jsonencode([{
    name         = "web"
    image        = "ghcr.io/acme/web:bootstrap"
    portMappings = [{ containerPort = 80 }]
  }])
}

resource "aws_ecs_service" "web" {
  name            = "web"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.bootstrap.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  deployment_controller {
    type = "CODE_DEPLOY"
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.blue.arn
    container_name   = "web"
    container_port   = 80
  }

  network_configuration {
    subnets = var.subnet_ids
  }

  # CodeDeploy changes these on every deployment (the task definition, and the target group of the PRIMARY
  # task set); desired_count is usually left to autoscaling.
  lifecycle {
    ignore_changes = [task_definition, load_balancer, desired_count]
  }

  depends_on = [aws_lb_listener.production]
}

resource "aws_iam_role" "codedeploy" {
  name = "web-codedeploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "codedeploy.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "codedeploy" {
  role       = aws_iam_role.codedeploy.name
  policy_arn = "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"
}

resource "aws_cloudwatch_metric_alarm" "web_404s" {
  alarm_name          = "web-404s"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_4XX_Count"
  dimensions          = { LoadBalancer = aws_lb.web.arn_suffix }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 5
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
}

resource "aws_codedeploy_app" "web" {
  name             = "web"
  compute_platform = "ECS"
}

resource "aws_codedeploy_deployment_group" "web" {
  app_name               = aws_codedeploy_app.web.name
  deployment_group_name  = "web-prod"
  service_role_arn       = aws_iam_role.codedeploy.arn
  deployment_config_name = "CodeDeployDefault.ECSAllAtOnce"

  deployment_style {
    deployment_type   = "BLUE_GREEN"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }

  blue_green_deployment_config {
    # Hold production traffic while ecsbg_deployment's test_gate runs against the test listener.
    deployment_ready_option {
      action_on_timeout    = "STOP_DEPLOYMENT"
      wait_time_in_minutes = 60
    }
    # Keep blue alive for 5 minutes after the shift: an alarm in that window rolls back at once.
    terminate_blue_instances_on_deployment_success {
      action                           = "TERMINATE"
      termination_wait_time_in_minutes = 5
    }
  }

  ecs_service {
    cluster_name = aws_ecs_cluster.main.name
    service_name = aws_ecs_service.web.name
  }

  load_balancer_info {
    target_group_pair_info {
      prod_traffic_route {
        listener_arns = [aws_lb_listener.production.arn]
      }
      test_traffic_route {
        listener_arns = [aws_lb_listener.test.arn]
      }
      target_group {
        name = aws_lb_target_group.blue.name
      }
      target_group {
        name = aws_lb_target_group.green.name
      }
    }
  }

  alarm_configuration {
    enabled = true
    alarms  = [aws_cloudwatch_metric_alarm.web_404s.alarm_name]
  }

  auto_rollback_configuration {
    enabled = true
    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
  }
}

resource "ecsbg_deployment" "web" {
  application_name      = aws_codedeploy_app.web.name
  deployment_group_name = aws_codedeploy_deployment_group.web.deployment_group_name

  task_definition = jsonencode({
    family                  = "web"
    networkMode             = "awsvpc"
    requiresCompatibilities = ["FARGATE"]
    cpu                     = "256"
    memory                  = "512"
    containerDefinitions = [{
      name         = "web"
      image        = "ghcr.io/acme/web:${var.image_tag}"
      portMappings = [{ containerPort = 80 }]
      environment  = [{ name = "MESSAGE", value = "Hello from ${var.image_tag}" }]
    }]
  })

  test_gate {
    http {
      path       = "/health"
      body_regex = "ok"
    }
  }

  bake_time = var.bake_time
}

output "production_url" {
  value = "http://${aws_lb.web.dns_name}:${aws_lb_listener.production.port}"
}

output "test_listener_url" {
  value = ecsbg_deployment.web.test_listener_url
}
