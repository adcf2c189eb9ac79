//! `userpools-codegen [--check]`: regenerates `crates/wire/src/generated/`
//! from the pinned service model, or with `--check` verifies it is up to date.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut check = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("usage: userpools-codegen [--check]");
                println!(
                    "  regenerates {} from {}",
                    userpools_codegen::OUTPUT_DIR,
                    userpools_codegen::MODEL_PATH
                );
                println!("  --check  only compare; exit 1 when the committed files differ");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("userpools-codegen: unknown argument `{other}` (try --help)");
                return ExitCode::from(2);
            }
        }
    }
    let root = userpools_codegen::workspace_root();
    let result = if check {
        userpools_codegen::check(&root).map(|problems| {
            if problems.is_empty() {
                println!("{} is up to date", userpools_codegen::OUTPUT_DIR);
                ExitCode::SUCCESS
            } else {
                for p in &problems {
                    eprintln!("error: {p}");
                }
                eprintln!("generated code is out of date: run `cargo run -p userpools-codegen` and commit the result");
                ExitCode::FAILURE
            }
        })
    } else {
        userpools_codegen::generate_in(&root).and_then(|files| {
            userpools_codegen::write(&root, &files)?;
            for f in &files {
                println!(
                    "wrote {}/{} ({} lines)",
                    userpools_codegen::OUTPUT_DIR,
                    f.name,
                    f.contents.lines().count()
                );
            }
            Ok(ExitCode::SUCCESS)
        })
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("userpools-codegen: {e:#}");
            ExitCode::FAILURE
        }
    }
}
