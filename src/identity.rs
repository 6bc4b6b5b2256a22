//! Who this provider is to Terraform.

/// The provider's address in the registry; Terraform keys reattach and install paths by it.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/ecsbg/ecsbg";
