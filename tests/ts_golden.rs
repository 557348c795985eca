//! The package's TypeScript for the shapes that cross the boundary is generated from
//! the Rust types (`src/ts_decl.rs`) into a committed golden file,
//! `js/generated/types.d.ts`, which the wasm's declarations include. This test fails
//! when the two differ, so a changed type cannot ship with stale declarations and
//! every change of shape is a diff in review. Needs `--features ts` (Cargo.toml).

use std::path::Path;

use video_session_sdk::ts_decl::{declarations, UPDATE_COMMAND};

#[test]
fn golden_declarations_are_what_the_rust_types_generate() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("js/generated/types.d.ts");
    let generated = declarations();
    if std::env::var_os("UPDATE_TS").is_some() {
        std::fs::write(&path, &generated).expect("write js/generated/types.d.ts");
        return;
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_default();
    if golden != generated {
        let line = golden
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(golden.lines().count().min(generated.lines().count()));
        panic!(
            "js/generated/types.d.ts differs from what the Rust types generate (first at line {}).\n\
             Run `{UPDATE_COMMAND}` and review the diff.\n--- generated\n{generated}",
            line + 1
        );
    }
}
