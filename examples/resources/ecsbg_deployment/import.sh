# An existing service is imported by its CodeDeploy application and deployment group.
terraform import ecsbg_deployment.web web:web-prod
