output "serving_task_definition_arn" {
  description = "What serves this stage's production traffic."
  value       = ecsbg_deployment.this.task_definition_arn
}

output "status" {
  description = "How the last rollout ended."
  value       = ecsbg_deployment.this.status
}
