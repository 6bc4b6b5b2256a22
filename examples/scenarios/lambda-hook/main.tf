# The Lambda-hook variant: CodeDeploy invokes a function at AfterAllowTestTraffic (the classic setup), while
# the provider still holds the apply until the rollout ends and reports how it went.

terraform {
  required_providers {
    ecsbg = {
      source = "ecsbg/ecsbg"
    }
  }
}

provider "ecsbg" {}

variable "hook_function" {
  description = "Lambda function CodeDeploy calls after test traffic reaches green (names must start with CodeDeployHook_ under the AWSCodeDeployRoleForECSLimited policy)."
  type        = string
  default     = "CodeDeployHook_smoke"
}

resource "ecsbg_deployment" "web" {
  application_name      = "web"
  deployment_group_name = "web-prod"

  task_definition = jsonencode({
    family                  = "web"
    networkMode             = "awsvpc"
    requiresCompatibilities = ["FARGATE"]
    cpu                     = "256"
    memory                  = "512"
    containerDefinitions = [{
      name         = "web"
      image        = "ghcr.io/acme/web:v2"
      portMappings = [{ containerPort = 80 }]
      environment  = [{ name = "MESSAGE", value = "Hello from v2" }]
    }]
  })

  hooks {
    after_allow_test_traffic = var.hook_function
  }
}
