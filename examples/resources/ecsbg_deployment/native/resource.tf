# ECS-native engine: a service on the ECS deployment controller with a BLUE_GREEN, LINEAR or CANARY
# strategy, managed by hashicorp/aws (>= 6.4) with `lifecycle { ignore_changes = [task_definition] }`.
# For `test_gate`, its deployment_configuration needs a PAUSE hook at POST_TEST_TRAFFIC_SHIFT:
#
#   lifecycle_hook {
#     target_type      = "PAUSE"
#     lifecycle_stages = ["POST_TEST_TRAFFIC_SHIFT"]
#   }
resource "ecsbg_deployment" "api" {
  cluster_name = "prod"
  service_name = "api"

  task_definition = jsonencode({
    family                  = "api"
    networkMode             = "awsvpc"
    requiresCompatibilities = ["FARGATE"]
    cpu                     = "256"
    memory                  = "512"
    containerDefinitions = [{
      name         = "api"
      image        = "ghcr.io/acme/api:${var.image_tag}"
      portMappings = [{ containerPort = 8080 }]
    }]
  })

  # Run by the provider against the test listener rule while the PAUSE hook holds the deployment.
  test_gate {
    http {
      path = "/health"
    }
  }

  # Watched by the provider beside the service's own deployment alarms.
  alarms    = ["api-5xx"]
  bake_time = "10m"
}
