variable "application" {
  description = "CodeDeploy application."
  type        = string
}

variable "deployment_group" {
  description = "CodeDeploy deployment group of this stage."
  type        = string
}

variable "family" {
  description = "Task definition family of this stage's service."
  type        = string
}

variable "image" {
  description = "Container image repository."
  type        = string
}

variable "image_tag" {
  description = "The build to ship."
  type        = string
}

variable "environment" {
  description = "Container environment."
  type        = map(string)
  default     = {}
}

variable "health_path" {
  description = "Path the gate requests on the test listener."
  type        = string
  default     = "/"
}

variable "expect_body" {
  description = "Regular expression the gate expects in the body."
  type        = string
  default     = "."
}

variable "alarms" {
  description = "Alarms watched through the shift and the bake (empty: the group's)."
  type        = list(string)
  default     = []
}

variable "bake_time" {
  description = "How long to watch the alarms after traffic moved."
  type        = string
  default     = "0s"
}
