//! Task definitions exactly as ECS returns them (raw JSON, so the normaliser sees every field), and
//! registering the user's JSON exactly as written.

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use super::client::Aws;
use super::error::{AwsError, ErrorKind};
use super::sdk::Service;

/// Captures a response body as the service sent it.
#[derive(Debug, Clone, Default)]
struct CaptureBody(Arc<Mutex<Option<Vec<u8>>>>);

impl Intercept for CaptureBody {
    fn name(&self) -> &'static str {
        "ecsbg.CaptureBody"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(bytes) = context.response().body().bytes() {
            *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(bytes.to_vec());
        }
        Ok(())
    }
}

impl Aws {
    /// A task definition (family, `family:revision` or ARN) as ECS returns it: the `taskDefinition` object
    /// of DescribeTaskDefinition, as JSON. Revisions named by full ARN are immutable and kept.
    pub async fn task_definition(&self, reference: &str) -> Result<serde_json::Value, AwsError> {
        let by_revision = reference.contains(":task-definition/")
            && reference
                .rsplit(':')
                .next()
                .is_some_and(|r| r.parse::<u64>().is_ok());
        if by_revision {
            if let Some(json) = self.cache().revisions.get(reference) {
                return Ok(json.clone());
            }
        }
        let json = self.describe_task_definition(reference).await?;
        if by_revision {
            self.cache()
                .revisions
                .insert(reference.to_string(), json.clone());
        }
        Ok(json)
    }

    async fn describe_task_definition(
        &self,
        reference: &str,
    ) -> Result<serde_json::Value, AwsError> {
        const OPERATION: &str = "DescribeTaskDefinition";
        let capture = CaptureBody::default();
        self.reads
            .ecs
            .describe_task_definition()
            .task_definition(reference)
            .customize()
            .interceptor(capture.clone())
            .send()
            .await
            .map_err(|e| {
                let mut err = self.reads.error(Service::Ecs, OPERATION, e);
                // ECS answers DescribeTaskDefinition for a revision or family it does not have with a
                // ClientException ("Unable to describe task definition."): for this operation, not found.
                if err.code.as_deref() == Some("ClientException") {
                    err.kind = ErrorKind::NotFound;
                }
                err
            })?;
        let body = capture
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| AwsError::malformed("ECS", OPERATION, "the answer had no body"))?;
        let json: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            AwsError::malformed("ECS", OPERATION, format!("the answer is not JSON: {e}"))
        })?;
        Ok(json["taskDefinition"].clone())
    }
}

/// Sends a request body of our own in place of the one the SDK serialised (before signing, so SigV4 covers
/// it): RegisterTaskDefinition takes the user's JSON exactly as written, every field included, without a
/// field-by-field translation into SDK builders that would silently drop what it does not know.
#[derive(Debug, Clone)]
struct ReplaceBody(Arc<Vec<u8>>);

impl Intercept for ReplaceBody {
    fn name(&self) -> &'static str {
        "ecsbg.ReplaceBody"
    }

    fn modify_before_signing(
        &self,
        context: &mut aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        *request.body_mut() = aws_smithy_types::body::SdkBody::from(self.0.as_ref().clone());
        request
            .headers_mut()
            .insert("content-length", self.0.len().to_string());
        Ok(())
    }
}

impl Aws {
    /// Registers a task definition (RegisterTaskDefinition input JSON) and returns the new revision's ARN.
    pub async fn register_task_definition(
        &self,
        input: &serde_json::Value,
    ) -> Result<String, AwsError> {
        const OPERATION: &str = "RegisterTaskDefinition";
        let family = input["family"].as_str().unwrap_or_default().to_string();
        // Serialising a JSON value cannot fail; keep the error path rather than unwrap anyway.
        let body = serde_json::to_vec(input).map_err(|e| {
            AwsError::malformed(
                "ECS",
                OPERATION,
                format!("the request could not be encoded: {e}"),
            )
        })?;
        let placeholder = aws_sdk_ecs::types::ContainerDefinition::builder()
            .name("placeholder")
            .build();
        let out = self
            .sdk
            .ecs
            .register_task_definition()
            .family(&family)
            .container_definitions(placeholder)
            .customize()
            .interceptor(ReplaceBody(Arc::new(body)))
            .send()
            .await
            .map_err(|e| self.sdk.error(Service::Ecs, OPERATION, e))?;
        let arn = out
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .map(str::to_string)
            .ok_or_else(|| AwsError::malformed("ECS", OPERATION, "the answer named no revision"))?;
        // The family's listing kept for this process now has a newer revision: another resource of the
        // same family deciding in this process finds it rather than registering the same content again.
        if let Some(listed) = self.cache().families.get_mut(&family) {
            listed.insert(0, arn.clone());
            listed.truncate(REUSE_WINDOW);
        }
        Ok(arn)
    }
}

/// How many of a family's newest ACTIVE revisions are searched for one with the wanted content: enough for
/// the revisions a promotion between environments or an interrupted apply leaves, bounded so a family with
/// thousands of revisions costs a plan at most this many DescribeTaskDefinition calls (each cached by ARN).
pub const REUSE_WINDOW: usize = 20;

/// The family part of a task definition ARN (`…:task-definition/FAMILY:REVISION`).
fn family_of(arn: &str) -> Option<&str> {
    let tail = arn.rsplit_once(":task-definition/")?.1;
    Some(tail.rsplit_once(':').map_or(tail, |(family, _)| family))
}

impl Aws {
    /// The family's newest ACTIVE revisions (at most [`REUSE_WINDOW`]), newest first, each as ECS describes
    /// it: where a revision with the wanted content is looked for before registering another. The listing is
    /// kept for the provider process, so the plan Terraform repeats during apply and the apply itself see
    /// the same revisions and choose the same one.
    pub async fn active_revisions(
        &self,
        family: &str,
    ) -> Result<Vec<(String, serde_json::Value)>, AwsError> {
        let cached = self.cache().families.get(family).cloned();
        let arns = match cached {
            Some(arns) => arns,
            None => {
                let arns = self.list_active(family).await?;
                self.cache()
                    .families
                    .insert(family.to_string(), arns.clone());
                arns
            }
        };
        let mut found = Vec::with_capacity(arns.len());
        for arn in arns {
            found.push((arn.clone(), self.task_definition(&arn).await?));
        }
        Ok(found)
    }

    /// ListTaskDefinitions (familyPrefix, ACTIVE, newest first), page by page, keeping only this family's
    /// revisions (a prefix also matches `web-api` for `web`), up to [`REUSE_WINDOW`].
    async fn list_active(&self, family: &str) -> Result<Vec<String>, AwsError> {
        const OPERATION: &str = "ListTaskDefinitions";
        let mut arns = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let out = self
                .reads
                .ecs
                .list_task_definitions()
                .family_prefix(family)
                .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
                .sort(aws_sdk_ecs::types::SortOrder::Desc)
                .max_results(REUSE_WINDOW as i32)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| self.reads.error(Service::Ecs, OPERATION, e))?;
            arns.extend(
                out.task_definition_arns()
                    .iter()
                    .filter(|arn| family_of(arn) == Some(family))
                    .cloned(),
            );
            next = out.next_token().map(str::to_string);
            if arns.len() >= REUSE_WINDOW || next.is_none() {
                break;
            }
        }
        arns.truncate(REUSE_WINDOW);
        Ok(arns)
    }
}

#[cfg(test)]
mod tests {
    use super::family_of;

    #[test]
    fn the_family_is_read_from_the_arn_exactly() {
        let arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web-api:12";
        assert_eq!(family_of(arn), Some("web-api"));
        assert_ne!(family_of(arn), Some("web"));
        assert_eq!(family_of("web:3"), None);
    }
}
