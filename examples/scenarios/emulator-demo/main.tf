# The `make demo` story as a configuration: run it against the local emulator
# (eval "$(cargo run -p ecsbg-emulator -- --seed acceptance-tests/emulator/seeds/demo.toml --time-scale 60 --print-env)").

terraform {
  required_providers {
    ecsbg = {
      source = "ecsbg/ecsbg"
    }
  }
}

# Endpoints and credentials come from AWS_ENDPOINT_URL_* and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.
provider "ecsbg" {}

variable "version_tag" {
  description = "The version to ship, e.g. v2."
  type        = string
  default     = "v2"
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
      image        = "ghcr.io/acme/web:${var.version_tag}"
      portMappings = [{ containerPort = 80 }]
      environment  = [{ name = "MESSAGE", value = "Hello from ${var.version_tag}" }]
    }]
  })

  test_gate {
    http {
      path       = "/"
      body_regex = "Hello from ${var.version_tag}"
    }
  }

  bake_time = "20s"
}

output "test_listener_url" {
  value = ecsbg_deployment.web.test_listener_url
}
