//! Drift check: the committed `src/generated/` must equal the generator's
//! output for the pinned model (same as `cargo run -p userpools-codegen -- --check`).

#[test]
fn generated_code_is_up_to_date() {
    let root = userpools_codegen::workspace_root();
    let problems = userpools_codegen::check(&root).expect("running the generator");
    assert!(
        problems.is_empty(),
        "generated code is out of date; run `cargo run -p userpools-codegen`:\n{}",
        problems.join("\n")
    );
}
