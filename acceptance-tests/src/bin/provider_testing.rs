//! The provider with its test-only resource types, for the acceptance tests. Never shipped.

fn main() {
    ecsbg::run_main()
}
