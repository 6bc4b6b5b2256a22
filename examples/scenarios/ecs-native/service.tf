# The ECS service, on the ECS deployment controller with ECS's own blue/green strategy. The only resource
# here that needs hashicorp/aws 6.x (see the version constraint in main.tf): `strategy` and
# `advanced_configuration` came in 6.4.0, `lifecycle_hook.target_type = "PAUSE"` and its
# `timeout_configuration` with terraform-provider-aws PR #48128.

resource "aws_ecs_service" "web" {
  name            = "web"
  cluster         = aws_ecs_cluster.main.id
  task_definition = aws_ecs_task_definition.bootstrap.arn
  desired_count   = 2
  launch_type     = "FARGATE"

  deployment_controller {
    type = "ECS"
  }

  deployment_configuration {
    strategy             = "BLUE_GREEN"
    bake_time_in_minutes = var.bake_time_in_minutes

    # Hold every deployment after test traffic moved to green, until ecsbg_deployment's test_gate has
    # passed (ContinueServiceDeployment CONTINUE) or failed (ROLLBACK). Unanswered for an hour: rollback.
    lifecycle_hook {
      target_type      = "PAUSE"
      lifecycle_stages = ["POST_TEST_TRAFFIC_SHIFT"]
      timeout_configuration {
        timeout_in_minutes = 60
        action             = "ROLLBACK"
      }
    }
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.blue.arn
    container_name   = "web"
    container_port   = 80

    advanced_configuration {
      alternate_target_group_arn = aws_lb_target_group.green.arn
      production_listener_rule   = aws_lb_listener_rule.production.arn
      test_listener_rule         = aws_lb_listener_rule.test.arn
      role_arn                   = aws_iam_role.ecs_infrastructure.arn
    }
  }

  network_configuration {
    subnets = var.subnet_ids
  }

  # ECS changes these on every deployment: the task definition, and which target group is production
  # (it swaps target_group_arn and alternate_target_group_arn). Sending the configured pair back would
  # make the next deployment start on the target group production is on (terraform-provider-aws #45678).
  lifecycle {
    ignore_changes = [task_definition, load_balancer]
  }

  depends_on = [aws_iam_role_policy_attachment.ecs_infrastructure]
}

locals {
  service_name = aws_ecs_service.web.name
}
