# Terraform 1.5 and later: adopt the service running under CodeDeploy application "web" and deployment
# group "web-prod" on the next plan and apply. The ID is "<application_name>:<deployment_group_name>".
import {
  to = ecsbg_deployment.web
  id = "web:web-prod"
}
