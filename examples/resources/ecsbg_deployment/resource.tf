resource "ecsbg_deployment" "web" {
  application_name      = "web"
  deployment_group_name = "web-prod"

  # What ships. `terraform plan` shows the difference from what serves production, in words.
  task_definition = jsonencode({
    family                  = "web"
    networkMode             = "awsvpc"
    requiresCompatibilities = ["FARGATE"]
    cpu                     = "256"
    memory                  = "512"
    executionRoleArn        = "arn:aws:iam::123456789012:role/ecsTaskExecution"
    containerDefinitions = [{
      name         = "web"
      image        = "ghcr.io/acme/web:${var.image_tag}"
      portMappings = [{ containerPort = 80 }]
      environment  = [{ name = "LOG_LEVEL", value = "info" }]
    }]
  })

  # Run by the provider against the test listener while CodeDeploy holds production traffic.
  test_gate {
    http {
      path       = "/health"
      body_regex = "ok"
    }
    command {
      argv = ["./smoke-test.sh"]
    }
  }

  # Watched through the traffic shift and the bake time; ALARM rolls back.
  alarms    = ["web-5xx", "web-404s"]
  bake_time = "10m"

  deployment_config_name = "CodeDeployDefault.ECSCanary10Percent5Minutes"

  # A change rolls the same task definition out again (tasks read the rotated secret at start).
  redeploy_triggers = {
    db_password_version = var.db_password_version
  }

  timeouts {
    update = "45m"
  }
}

variable "image_tag" {
  type = string
}

variable "db_password_version" {
  type    = string
  default = "1"
}
