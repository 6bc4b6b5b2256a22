# Act two of `make demo` as a configuration: the same service on the ECS-native engine (ECS controller,
# BLUE_GREEN, a PAUSE hook at POST_TEST_TRAFFIC_SHIFT). Run it against the local emulator
# (eval "$(cargo run -p ecsbg-emulator -- --seed acceptance-tests/emulator/seeds/native-demo.toml --time-scale 60 --print-env)").

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
  # The service ECS deploys itself: no CodeDeploy application or group.
  cluster_name = "demo"
  service_name = "web"

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

  # Run while ECS's PAUSE hook holds the deployment with test traffic on green.
  test_gate {
    http {
      path       = "/"
      body_regex = "Hello from ${var.version_tag}"
    }
  }

  # Watched through the production shift and ECS's bake.
  alarms = ["web-404s"]
}

output "timeline" {
  value = ecsbg_deployment.web.timeline
}
