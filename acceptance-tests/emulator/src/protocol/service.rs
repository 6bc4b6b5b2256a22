//! Which AWS service a call is for: the decoders, the renderers, the fault rules and the call counts
//! all name it.

/// A service the emulator answers for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Service {
    /// Amazon ECS.
    Ecs,
    /// AWS CodeDeploy.
    CodeDeploy,
    /// Elastic Load Balancing v2.
    Elbv2,
    /// Amazon CloudWatch.
    CloudWatch,
    /// AWS Lambda (only reading functions: the hooks CodeDeploy would invoke).
    Lambda,
    /// AWS IAM (roles and their attached managed policies, for hashicorp/aws stages).
    Iam,
    /// Amazon EC2 (only the network-interface read hashicorp/aws makes when deleting a load balancer).
    Ec2,
    /// AWS STS (only GetCallerIdentity: the account id hashicorp/aws asks for).
    Sts,
}

impl Service {
    /// The name used for call counts and fault rules.
    pub fn name(&self) -> &'static str {
        match self {
            Service::Ecs => "ecs",
            Service::CodeDeploy => "codedeploy",
            Service::Elbv2 => "elbv2",
            Service::CloudWatch => "cloudwatch",
            Service::Lambda => "lambda",
            Service::Iam => "iam",
            Service::Ec2 => "ec2",
            Service::Sts => "sts",
        }
    }

    /// The service's throttling error code.
    pub fn throttling_code(&self) -> &'static str {
        match self {
            Service::Ecs | Service::CodeDeploy => "ThrottlingException",
            Service::Elbv2 | Service::CloudWatch | Service::Iam | Service::Sts => "Throttling",
            Service::Lambda => "TooManyRequestsException",
            Service::Ec2 => "RequestLimitExceeded",
        }
    }
}
