//! The provider binary Terraform starts. All logic lives in the library so tests can reuse it.

fn main() {
    ecsbg::run_main()
}
