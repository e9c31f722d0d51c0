//! The worked example in docs/format-example.md is the program's output, byte for byte.

#[test]
fn format_example_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/format-example.md");
    let doc = std::fs::read_to_string(path).expect("docs/format-example.md exists");
    assert!(
        doc == tessera_core::testing::format_example(),
        "docs/format-example.md is stale: run `cargo run -p tessera-core --example format_example > docs/format-example.md`"
    );
}
