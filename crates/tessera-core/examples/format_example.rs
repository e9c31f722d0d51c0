//! Prints docs/format-example.md: `cargo run -p tessera-core --example format_example > docs/format-example.md`.

fn main() {
    print!("{}", tessera_core::testing::format_example());
}
