# One service, one pipeline stage: the same module is applied per stage (QA, then prod), each stage with its
# own CodeDeploy deployment group, gates and bake time.

terraform {
  required_providers {
    ecsbg = {
      source = "ecsbg/ecsbg"
    }
  }
}

resource "ecsbg_deployment" "this" {
  application_name      = var.application
  deployment_group_name = var.deployment_group

  task_definition = jsonencode({
    family                  = var.family
    networkMode             = "awsvpc"
    requiresCompatibilities = ["FARGATE"]
    cpu                     = "256"
    memory                  = "512"
    containerDefinitions = [{
      name         = "web"
      image        = "${var.image}:${var.image_tag}"
      portMappings = [{ containerPort = 80 }]
      environment  = [for k, v in var.environment : { name = k, value = v }]
    }]
  })

  test_gate {
    http {
      path       = var.health_path
      body_regex = var.expect_body
    }
  }

  alarms    = var.alarms
  bake_time = var.bake_time
}
