//! The TypeScript declarations of every serde type that crosses the JS boundary,
//! derived from the Rust types themselves (ts-rs, `--features ts`), written as one
//! `.d.ts` text: `js/generated/types.d.ts`, which the wasm's
//! `typescript_custom_section` includes (`wasm/ts_types.rs`).
//!
//! Why: the declarations used to be written by hand beside the types and nothing tied
//! the two; a renamed field was a silent lie in the package's types. Now a change to a
//! type here changes the golden file, and `tests/ts_golden.rs` fails until the new
//! golden is committed, so every change of shape is a visible diff in review.
//!
//! Invariants: the output depends only on the types (no paths, dates or versions), so
//! it is byte-stable; object types become `interface`s, as the hand-written
//! declarations were, so users' `extends` and declaration merging keep working; the
//! feature is never on in a wasm build, so none of this reaches the package's wasm.

use ts_rs::{Config, TS};

use crate::analytics::{AnalyticsRangeArgs, LeaderboardArgs};
use crate::api::{
    DeadLetter, EndSessionArgs, EndSessionResult, FlushReport, GetUserSessionsArgs, MarkFailedArgs,
    RateSessionArgs, ReportNetworkStatsArgs, StartSessionArgs, UpdateSettingsArgs,
};
use crate::error::{ErrorCode, CLOSED, OUT_OF_MEMORY};
use crate::events::Event;
use protocol::analytics::{DurationBucket, LeaderboardEntry, VolumeBucket};
use protocol::wire::{CallStats, Session};
use protocol::{OpKind, SessionStatus};

/// The command that rewrites the golden file.
pub const UPDATE_COMMAND: &str = "UPDATE_TS=1 cargo test --features ts --test ts_golden";

/// The whole generated file.
pub fn declarations() -> String {
    // JS numbers: counts and milliseconds are `usize`/`u64` in Rust, never past 2^53.
    let cfg = Config::new().with_large_int("number");
    let mut out = format!(
        "// Generated from the Rust types that cross the JS boundary (src/ts_decl.rs).\n\
         // Do not edit: change the Rust type, then run `{UPDATE_COMMAND}`.\n"
    );
    let error_docs =
        "/** Stable error codes: `err.code` of every error the SDK throws or rejects with. */\n";
    let error_codes = format!(
        "{} | \"{CLOSED}\" | \"{OUT_OF_MEMORY}\";",
        ErrorCode::decl(&cfg).trim_end_matches(';')
    );
    out += &format!("\n{error_docs}{}", export(&error_codes));
    let decls = [
        (OpKind::docs(), OpKind::decl(&cfg)),
        (SessionStatus::docs(), SessionStatus::decl(&cfg)),
        (StartSessionArgs::docs(), StartSessionArgs::decl(&cfg)),
        (UpdateSettingsArgs::docs(), UpdateSettingsArgs::decl(&cfg)),
        (EndSessionArgs::docs(), EndSessionArgs::decl(&cfg)),
        (EndSessionResult::docs(), EndSessionResult::decl(&cfg)),
        (MarkFailedArgs::docs(), MarkFailedArgs::decl(&cfg)),
        (GetUserSessionsArgs::docs(), GetUserSessionsArgs::decl(&cfg)),
        (RateSessionArgs::docs(), RateSessionArgs::decl(&cfg)),
        (
            ReportNetworkStatsArgs::docs(),
            ReportNetworkStatsArgs::decl(&cfg),
        ),
        (Session::docs(), Session::decl(&cfg)),
        (CallStats::docs(), CallStats::decl(&cfg)),
        (AnalyticsRangeArgs::docs(), AnalyticsRangeArgs::decl(&cfg)),
        (LeaderboardArgs::docs(), LeaderboardArgs::decl(&cfg)),
        (VolumeBucket::docs(), VolumeBucket::decl(&cfg)),
        (DurationBucket::docs(), DurationBucket::decl(&cfg)),
        (LeaderboardEntry::docs(), LeaderboardEntry::decl(&cfg)),
        (FlushReport::docs(), FlushReport::decl(&cfg)),
        (DeadLetter::docs(), DeadLetter::decl(&cfg)),
        (Event::docs(), Event::decl(&cfg)),
    ];
    for (docs, decl) in decls {
        out += &format!("\n{}{}", docs.unwrap_or_default(), export(&decl));
    }
    out
}

/// `type Name = body;` as an exported declaration, laid out one member a line.
fn export(decl: &str) -> String {
    let decl = decl.trim().trim_end_matches(';');
    let (name, body) = decl
        .strip_prefix("type ")
        .and_then(|d| d.split_once(" = "))
        .unwrap_or_else(|| panic!("ts-rs declaration of an unexpected form: {decl}"));
    let body = body.trim();
    let variants = split_top(body, '|');
    if variants.len() == 1 && body.starts_with('{') {
        let members = object_members(body);
        let lines: String = members.iter().map(|m| indent(m, "  ") + ";\n").collect();
        return format!("export interface {name} {{\n{lines}}}\n");
    }
    let lines: String = variants
        .iter()
        .map(|v| match v.starts_with('{') {
            true if object_members(v).is_empty() => "\n  | {}".to_string(),
            true => format!("\n  | {{ {} }}", object_members(v).join("; ")),
            false => format!("\n  | {v}"),
        })
        .collect();
    format!("export type {name} ={lines};\n")
}

/// The members of `{ a: A, b: B, }`, each without its separator, docs kept, keys that
/// are identifiers unquoted (`"type": "x"` as `type: "x"`).
fn object_members(object: &str) -> Vec<String> {
    let inner = object
        .trim()
        .strip_prefix('{')
        .and_then(|o| o.strip_suffix('}'));
    let inner = inner.unwrap_or_else(|| panic!("not an object type: {object}"));
    split_top(inner, ',')
        .into_iter()
        .filter(|m| !m.is_empty())
        .map(|m| unquote_key(&m))
        .collect()
}

fn unquote_key(member: &str) -> String {
    let (docs, field) = match member.rfind("*/") {
        Some(end) => member.split_at(end + 2),
        None => ("", member),
    };
    let field = field.trim_start();
    let quoted = field
        .strip_prefix('"')
        .and_then(|f| f.split_once('"'))
        .filter(|(key, rest)| {
            rest.starts_with(':') && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    let sep = if docs.is_empty() { "" } else { "\n" };
    match quoted {
        Some((key, rest)) => format!("{docs}{sep}{key}{rest}"),
        None => format!("{docs}{sep}{field}"),
    }
}

/// Every line of `text` indented by `by`, doc comments aligned.
fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.starts_with('*') {
            true => format!("{by} {l}"),
            false => format!("{by}{l}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` split at `sep` where it is outside brackets, strings and comments; each
/// part trimmed.
fn split_top(text: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i += 1 + text[i + 1..].find('"').expect("closed string literal"),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2 + text[i + 2..].find("*/").expect("closed comment") + 1;
            }
            b'{' | b'[' | b'(' | b'<' => depth += 1,
            b'}' | b']' | b')' | b'>' => depth -= 1,
            b if depth == 0 && b == sep as u8 => {
                parts.push(text[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(text[start..].trim().to_string());
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_become_interfaces_and_unions_one_variant_a_line() {
        let object = "type A = { \n/**\n * Doc, with a comma.\n */\nx?: string, \"type\": \"a\", y: Array<{ p: number, }>, };";
        assert_eq!(
            export(object),
            "export interface A {\n  /**\n   * Doc, with a comma.\n   */\n  x?: string;\n  type: \"a\";\n  y: Array<{ p: number, }>;\n}\n"
        );
        let union = "type E = { \"type\": \"a\", n: number, } | { \"type\": \"b\" };";
        assert_eq!(
            export(union),
            "export type E =\n  | { type: \"a\"; n: number }\n  | { type: \"b\" };\n"
        );
        assert_eq!(
            export("type K = \"x\" | \"y\";"),
            "export type K =\n  | \"x\"\n  | \"y\";\n"
        );
    }
}
