# A complete AWS setup for ECS-native blue/green in ONE configuration: an ALB with a production and a test
# listener, a weighted listener rule on each, two target groups, the ECS infrastructure role that lets ECS
# rewrite those rules, a 404 alarm, the ECS service on the ECS deployment controller with strategy
# BLUE_GREEN and a PAUSE hook after test traffic (service.tf) — and ecsbg_deployment shipping releases
# through it. One `terraform apply` from nothing builds the stage and ships the first release; later
# applies with another image_tag ship through ECS's own blue/green deployment, with the test gate run while
# the PAUSE hook holds production on the old version.
#
# hashicorp/aws creates the stage once; ecsbg_deployment owns every release afterwards. While the service
# does not exist yet, ecsbg_deployment's plan warns that it is "not found now" and reads it again at apply,
# after hashicorp/aws has created it. The ignore_changes here and in service.tf are the hand-over: ECS
# rewrites the listener rules' weights and the service's task definition and target groups on every
# deployment, and hashicorp/aws must not move them back.

terraform {
  required_providers {
    aws = {
      source = "hashicorp/aws"
      # deployment_configuration.strategy needs 6.4.0; lifecycle_hook.target_type = "PAUSE" needs the
      # release with terraform-provider-aws PR #48128 (merged September 2026, after 6.33.0).
      version = ">= 6.4.0"
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

variable "bake_time_in_minutes" {
  description = "How long ECS keeps the old version running after all production traffic is on the new one; an alarm in that window rolls back."
  type        = number
  default     = 5
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
}

resource "aws_lb_listener" "test" {
  load_balancer_arn = aws_lb.web.arn
  port              = var.test_port
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.blue.arn
  }
}

# ECS moves traffic by rewriting the weights of these two rules (one forward action over both target
# groups); the listeners' default actions are never used for the service.
resource "aws_lb_listener_rule" "production" {
  listener_arn = aws_lb_listener.production.arn
  priority     = 1
  condition {
    path_pattern {
      values = ["/*"]
    }
  }
  action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.blue.arn
        weight = 100
      }
      target_group {
        arn    = aws_lb_target_group.green.arn
        weight = 0
      }
    }
  }
  lifecycle {
    ignore_changes = [action]
  }
}

resource "aws_lb_listener_rule" "test" {
  listener_arn = aws_lb_listener.test.arn
  priority     = 1
  condition {
    path_pattern {
      values = ["/*"]
    }
  }
  action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.blue.arn
        weight = 100
      }
      target_group {
        arn    = aws_lb_target_group.green.arn
        weight = 0
      }
    }
  }
  lifecycle {
    ignore_changes = [action]
  }
}

# The ECS infrastructure role: ECS assumes it to register targets and rewrite the listener rules.
resource "aws_iam_role" "ecs_infrastructure" {
  name = "web-ecs-infrastructure"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy_attachment" "ecs_infrastructure" {
  role       = aws_iam_role.ecs_infrastructure.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSInfrastructureRolePolicyForLoadBalancers"
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

resource "ecsbg_deployment" "web" {
  cluster_name = aws_ecs_cluster.main.name
  # From service.tf: the service's name, which also makes this wait for the service.
  service_name = local.service_name

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

  # Runs while the service's PAUSE hook holds the deployment at POST_TEST_TRAFFIC_SHIFT: green has all
  # test traffic, production is still on blue. ecsbg_deployment then continues (or rolls back) the
  # service deployment with ContinueServiceDeployment.
  test_gate {
    http {
      path       = "/health"
      body_regex = "ok"
    }
  }

  alarms = [aws_cloudwatch_metric_alarm.web_404s.alarm_name]
}

output "production_url" {
  value = "http://${aws_lb.web.dns_name}:${aws_lb_listener.production.port}"
}

output "test_listener_url" {
  value = ecsbg_deployment.web.test_listener_url
}
