terraform {
  required_providers {
    ecsbg = {
      source = "ecsbg/ecsbg"
    }
  }
}

# Every setting is optional: the standard AWS environment (AWS_REGION, AWS_PROFILE, SSO, web identity,
# ECS/EC2 instance credentials) is used otherwise, as the AWS CLI does.
provider "ecsbg" {
  region = "eu-west-1"

  # One line per rollout event, appended as it happens: `tail -f` it in a CI step beside `terraform apply`.
  progress_file = "rollout-progress.log"

  assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/deployer"
    session_name = "terraform-release"
  }
}
