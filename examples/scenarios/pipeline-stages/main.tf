# A pipeline that ends in `terraform apply` per stage: QA first, prod after it (prod depends on QA's result,
# so a failed or rolled-back QA rollout stops the apply before prod is touched).

terraform {
  required_providers {
    ecsbg = {
      source = "ecsbg/ecsbg"
    }
  }
}

provider "ecsbg" {}

variable "image_tag" {
  type    = string
  default = "v2"
}

variable "qa_group" {
  type    = string
  default = "web-qa"
}

variable "qa_family" {
  type    = string
  default = "web-qa"
}

variable "prod_group" {
  type    = string
  default = "web-prod"
}

variable "prod_family" {
  type    = string
  default = "web"
}

module "qa" {
  source           = "./modules/service-stage"
  application      = "web"
  deployment_group = var.qa_group
  family           = var.qa_family
  image            = "ghcr.io/acme/web"
  image_tag        = var.image_tag
  environment      = { MESSAGE = "Hello from ${var.image_tag}", STAGE = "qa" }
  expect_body      = "Hello from ${var.image_tag}"
}

module "prod" {
  source           = "./modules/service-stage"
  application      = "web"
  deployment_group = var.prod_group
  family           = var.prod_family
  image            = "ghcr.io/acme/web"
  image_tag        = var.image_tag
  environment      = { MESSAGE = "Hello from ${var.image_tag}", STAGE = "prod" }
  expect_body      = "Hello from ${var.image_tag}"
  bake_time        = "10s"

  depends_on = [module.qa]
}

output "qa" {
  value = module.qa.status
}

output "prod" {
  value = module.prod.status
}
