//! The package's TypeScript for the shapes that cross the boundary is generated from
//! the Rust types (`src/ts_decl.rs`) into a committed golden file,
//! `js/generated/types.d.ts`, which the wasm's declarations include. This test fails
//! when the two differ, so a changed type cannot ship with stale declarations and
//! every change of shape is a diff in review. Needs `--features ts` (Cargo.toml).
//! The one shape still written by hand, the options object, is held to the code that
//! reads it by the second test.

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

/// The options object is the one shape still written by hand (`src/wasm/ts_types.rs`):
/// it holds JS values that `src/wasm/options.rs` reads one property at a time rather
/// than deserialising. This keeps its names tied to what is read: every declared
/// option is read by options.rs (or, for React Native only, by the RN entry), and
/// every option options.rs reads is declared.
#[test]
fn handwritten_options_declare_exactly_the_options_read() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: &str| std::fs::read_to_string(root.join(p)).expect(p);
    let (ts, parse, rn) = (
        read("src/wasm/ts_types.rs"),
        read("src/wasm/options.rs"),
        read("js/react-native/platform.js"),
    );
    let body = ts
        .split_once("export interface VideoSessionClientOptions {")
        .and_then(|(_, rest)| rest.split_once("\n}\n"))
        .expect("VideoSessionClientOptions in ts_types.rs")
        .0;
    let declared: Vec<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter_map(|l| {
            l.split_once(':')
                .map(|(name, _)| name.trim_end_matches('?'))
        })
        .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect();
    let mut read_here = Vec::new();
    for call in ["prop(options, \"", "opt_u64(options, \""] {
        for (_, rest) in parse
            .match_indices(call)
            .map(|(i, _)| parse.split_at(i + call.len()))
        {
            read_here.push(rest.split('"').next().unwrap_or_default());
        }
    }
    assert!(
        declared.len() >= 10 && read_here.len() >= 10,
        "{declared:?} {read_here:?}"
    );
    for name in &declared {
        let by_rn = rn.contains(&format!("options.{name}"));
        assert!(
            read_here.contains(name) || by_rn,
            "option `{name}` is declared but neither options.rs nor the RN entry reads it"
        );
    }
    for name in &read_here {
        assert!(
            declared.contains(name),
            "options.rs reads `{name}`, which VideoSessionClientOptions does not declare"
        );
    }
}
