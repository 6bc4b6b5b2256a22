# An existing service is imported by its CodeDeploy application and deployment group.
terraform import ecsbg_deployment.web web:web-prod

# A service that ECS deploys itself (ECS-native engine) is imported as <cluster>/<service>.
terraform import ecsbg_deployment.api prod/api
