#!/usr/bin/env bash
# Drives the emulator with the AWS CLI (pip install awscli): register a task definition, create a deployment
# with a YAML AppSpec, continue it, wait with the CLI's own waiter, read alarms (awsJson1_0) and listeners
# (awsQuery), then stop a second deployment with rollback. Not part of CI: the CLI's waiter polls every 15 s.
set -euo pipefail
cd "$(dirname "$0")/../../.."
command -v aws >/dev/null || { echo "install the AWS CLI first: pip install awscli"; exit 1; }
work=$(mktemp -d)
cargo build -q -p ecsbg-emulator
./target/debug/ecsbg-emulator --seed acceptance-tests/emulator/seeds/demo.toml --time-scale 60 --print-env \
  --ready-file "$work/ready.json" > "$work/env" 2>"$work/log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
eval "$(cat "$work/env")"
listener() { python3 -c "import json,sys;print(json.load(open('$work/ready.json'))['listeners']['web/production'][sys.argv[1]])" "$1"; }

cat > "$work/td.json" <<'JSON'
{"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
 "containerDefinitions": [{"name": "web", "image": "ghcr.io/acme/web:v2", "portMappings": [{"containerPort": 80}],
   "environment": [{"name": "MESSAGE", "value": "Hello from v2 (CLI)"}]}]}
JSON
revision() {
  python3 - "$1" <<'PY'
import json, sys
appspec = f"""version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "{sys.argv[1]}"
        LoadBalancerInfo:
          ContainerName: "web"
          ContainerPort: 80
"""
print(json.dumps({"revisionType": "AppSpecContent", "appSpecContent": {"content": appspec}}))
PY
}
td=$(aws ecs register-task-definition --cli-input-json "file://$work/td.json" --query taskDefinition.taskDefinitionArn --output text)
revision "$td" > "$work/rev.json"
id=$(aws deploy create-deployment --application-name web --deployment-group-name web-prod --revision "file://$work/rev.json" --query deploymentId --output text)
echo "deployment $id"
until [ "$(aws deploy get-deployment --deployment-id "$id" --query deploymentInfo.status --output text)" = Ready ]; do sleep 0.5; done
aws deploy continue-deployment --deployment-id "$id" --deployment-wait-type READY_WAIT
aws deploy wait deployment-successful --deployment-id "$id"
body=$(curl -s "$(listener url)")
[ "$body" = "Hello from v2 (CLI)" ] || { echo "production serves '$body'"; exit 1; }
aws cloudwatch describe-alarms --alarm-names web-404s --query 'MetricAlarms[0].StateValue' --output text
aws elbv2 describe-listeners --listener-arns "$(listener arn)" --query 'Listeners[0].DefaultActions[0].ForwardConfig.TargetGroups[].Weight' --output text
td3=$(aws ecs register-task-definition --cli-input-json "file://$work/td.json" --query taskDefinition.taskDefinitionArn --output text)
revision "$td3" > "$work/rev.json"
id2=$(aws deploy create-deployment --application-name web --deployment-group-name web-prod --revision "file://$work/rev.json" --query deploymentId --output text)
sleep 1
aws deploy stop-deployment --deployment-id "$id2" --auto-rollback-enabled
until [ "$(aws deploy get-deployment --deployment-id "$id2" --query deploymentInfo.status --output text)" = Stopped ]; do sleep 0.5; done
aws deploy get-deployment --deployment-id "$id2" --query 'deploymentInfo.[status,errorInformation.code,rollbackInfo.rollbackDeploymentId]' --output text
echo "AWS CLI check passed"
