//! The shared scenarios (`tests/scenarios/*.json` at the repository root) against
//! this server over HTTP, judged by the matcher rules of docs/contract.md.
//!
//! Each file runs on a fresh server with an empty database — started with a JWT
//! secret when the file says `"auth": true`, without one otherwise; `as` becomes a
//! signed HS256 token. A 401 (a refused or missing token) is the coded error
//! `UNAUTHENTICATED`, as a Convex deployment reports it. All files run, then every
//! mismatch is reported together.

mod support;

use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use support::{token, Server};
use video_session_server::time;

enum Outcome {
    Ok(Value),
    Err {
        message: String,
        data: Option<Value>,
    },
}

fn call(server: &Server, kind: &str, path: &str, args: Value, as_user: Option<&str>) -> Outcome {
    let token = as_user.map(token);
    let body = json!({"path": path, "format": "convex_encoded_json", "args": [args]});
    let (status, reply) =
        server.post_raw(&format!("/api/{kind}"), body.to_string(), token.as_deref());
    if status == 401 && reply["code"] == "Unauthenticated" {
        let message = reply["message"].clone();
        return Outcome::Err {
            message: message.as_str().unwrap_or_default().to_string(),
            data: Some(json!({"code": "UNAUTHENTICATED", "message": message})),
        };
    }
    if status != 200 {
        return Outcome::Err {
            message: format!("HTTP {status}: {reply}"),
            data: None,
        };
    }
    if reply["status"] == "success" {
        Outcome::Ok(reply["value"].clone())
    } else {
        Outcome::Err {
            message: reply["errorMessage"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            data: reply.get("errorData").cloned(),
        }
    }
}

fn substitute(value: &Value, vars: &HashMap<String, Value>) -> Result<Value, String> {
    Ok(match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute(v, vars))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) if map.len() == 1 && map.contains_key("$var") => {
            let name = map["$var"].as_str().unwrap_or_default();
            vars.get(name)
                .cloned()
                .ok_or_else(|| format!("$var {name} was never saved"))?
        }
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(k.clone(), substitute(v, vars)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

fn pick(value: &Value, path: &str) -> Option<Value> {
    if path.is_empty() {
        return Some(value.clone());
    }
    let mut cur = value;
    for key in path.split('.') {
        cur = match cur {
            Value::Array(items) => items.get(key.parse::<usize>().ok()?)?,
            Value::Object(map) => map.get(key)?,
            _ => return None,
        };
    }
    Some(cur.clone())
}

fn is_iso(value: &Value) -> bool {
    value.as_str().is_some_and(|s| time::parse_iso(s).is_ok())
}

const SPECIAL: [&str; 5] = ["$var", "$type", "$nearNow", "$length", "$absent"];

fn matches(
    expected: &Value,
    actual: &Value,
    at: &str,
    vars: &HashMap<String, Value>,
    problems: &mut Vec<String>,
) {
    let mut diff = |what: String| problems.push(format!("at {at}: {what}"));
    match expected {
        Value::Array(items) => {
            let Some(got) = actual.as_array() else {
                return diff(format!("expected an array, actual {actual}"));
            };
            if got.len() != items.len() {
                return diff(format!(
                    "expected {} items, actual {}: {actual}",
                    items.len(),
                    got.len()
                ));
            }
            for (i, (e, a)) in items.iter().zip(got).enumerate() {
                matches(e, a, &format!("{at}[{i}]"), vars, problems);
            }
        }
        Value::Object(map)
            if map.len() == 1 && SPECIAL.contains(&map.keys().next().unwrap().as_str()) =>
        {
            let (key, arg) = map.iter().next().unwrap();
            match key.as_str() {
                "$var" => {
                    let name = arg.as_str().unwrap_or_default();
                    match vars.get(name) {
                        Some(saved) => {
                            let mut inner = Vec::new();
                            matches(saved, actual, at, &HashMap::new(), &mut inner);
                            if !inner.is_empty() {
                                diff(format!("expected $var {name} = {saved}, actual {actual}"));
                            }
                        }
                        None => diff(format!("$var {name} was never saved")),
                    }
                }
                "$type" => {
                    let want = arg.as_str().unwrap_or_default();
                    let ok = match want {
                        "iso" => is_iso(actual),
                        "string" => actual.is_string(),
                        "number" => actual.is_number(),
                        "boolean" => actual.is_boolean(),
                        "null" => actual.is_null(),
                        "array" => actual.is_array(),
                        "object" => actual.is_object(),
                        _ => false,
                    };
                    if !ok {
                        diff(format!("expected a value of type {want}, actual {actual}"));
                    }
                }
                "$nearNow" => {
                    let window = arg.as_f64().unwrap_or(0.0);
                    match actual.as_str().map(time::parse_iso) {
                        Some(Ok(ms)) if ((ms - time::now_ms()).abs() as f64) <= window => {}
                        _ => diff(format!(
                            "expected an ISO time within {window} ms of now, actual {actual}"
                        )),
                    }
                }
                "$length" => {
                    let n = arg.as_u64().unwrap_or(u64::MAX) as usize;
                    if actual.as_array().map(Vec::len) != Some(n) {
                        diff(format!("expected an array of {n}, actual {actual}"));
                    }
                }
                _ => diff("{\"$absent\": true} only makes sense as a key's value".into()),
            }
        }
        Value::Object(map) => {
            let Some(got) = actual.as_object() else {
                return diff(format!("expected an object, actual {actual}"));
            };
            let partial = map.get("$partial") == Some(&json!(true));
            for (k, e) in map {
                if k == "$partial" {
                    continue;
                }
                if e == &json!({"$absent": true}) {
                    if let Some(v) = got.get(k) {
                        problems.push(format!("at {at}: key {k} must be absent, actual {v}"));
                    }
                } else if let Some(v) = got.get(k) {
                    matches(e, v, &format!("{at}.{k}"), vars, problems);
                } else {
                    problems.push(format!("at {at}: missing key {k} (expected {e})"));
                }
            }
            if !partial {
                let extra: Vec<&String> = got.keys().filter(|k| !map.contains_key(*k)).collect();
                if !extra.is_empty() {
                    problems.push(format!("at {at}: unexpected keys {extra:?}"));
                }
            }
        }
        Value::Number(n) => {
            if actual.as_f64() != n.as_f64() {
                diff(format!("expected {expected}, actual {actual}"));
            }
        }
        _ => {
            if expected != actual {
                diff(format!("expected {expected}, actual {actual}"));
            }
        }
    }
}

fn check_error(expected: &Value, outcome: &Outcome, path: &str, problems: &mut Vec<String>) {
    let Outcome::Err { message, data } = outcome else {
        problems.push(format!("expected error {expected}, got success"));
        return;
    };
    if let Some(code) = expected.get("code") {
        match data {
            Some(d) if d.get("code") == Some(code) && d["message"].is_string() => {}
            _ => problems.push(format!(
                "expected ConvexError code {code}, got {message:?} data {data:?}"
            )),
        }
    } else if expected.get("validator").is_some() {
        if data.is_some() || !message.starts_with("ArgumentValidationError") {
            problems.push(format!(
                "expected an argument-validation error, got {message:?} data {data:?}"
            ));
        }
    } else if expected.get("unknownFunction").is_some() {
        let wanted = format!("Could not find public function for '{path}'");
        if data.is_some() || !message.contains(&wanted) {
            problems.push(format!(
                "expected an unknown-function error, got {message:?}"
            ));
        }
    } else {
        problems.push(format!("unknown expectError matcher {expected}"));
    }
}

/// A `{"sweepAbandoned": {"now": "<iso>"}}` step: the server's sweep of abandoned
/// sessions at that `now`, through the route `--test-hooks` adds (the convex runner
/// drives the server binary the same way).
fn sweep_abandoned(server: &Server, step: &Value, sweep: &Value) -> Result<(), String> {
    if let Some(key) = step.as_object().and_then(|m| {
        m.keys()
            .find(|k| !["sweepAbandoned", "note"].contains(&k.as_str()))
    }) {
        return Err(format!("a sweepAbandoned step takes no {key}"));
    }
    let now = sweep
        .get("now")
        .filter(|n| is_iso(n) && sweep.as_object().is_some_and(|m| m.len() == 1))
        .ok_or_else(|| format!("needs exactly {{\"now\": <iso>}}, got {sweep}"))?;
    let (status, reply) = server.post_raw(
        "/test/sweepAbandoned",
        json!({ "now": now }).to_string(),
        None,
    );
    if status != 200 || !reply["closed"].is_u64() {
        return Err(format!("the sweep answered HTTP {status}: {reply}"));
    }
    Ok(())
}

fn run_scenario(file: &str, scenario: &Value) -> Result<(), String> {
    let server = match scenario.get("auth") {
        // Explicit flags: `Server::start()` has meant either mode across branches.
        Some(Value::Bool(true)) => {
            Server::start_with(&["--jwt-secret", support::SECRET, "--test-hooks"])
        }
        None | Some(Value::Bool(false)) => Server::start_with(&["--test-hooks"]),
        Some(other) => return Err(format!("{file}: `auth` must be a boolean, got {other}")),
    };
    let mut vars = HashMap::new();
    let steps = scenario["steps"].as_array().ok_or("no steps")?;
    for (i, step) in steps.iter().enumerate() {
        if let Some(sweep) = step.get("sweepAbandoned") {
            sweep_abandoned(&server, step, sweep).map_err(|e| {
                let note = step
                    .get("note")
                    .map(|n| format!(" — {n}"))
                    .unwrap_or_default();
                format!("{file}: step {i} (sweepAbandoned{note}): {e}")
            })?;
            continue;
        }
        let (kind, path) = match (step["mutation"].as_str(), step["query"].as_str()) {
            (Some(p), None) => ("mutation", p),
            (None, Some(p)) => ("query", p),
            _ => {
                return Err(format!(
                    "{file}: step {i} needs exactly one of query/mutation"
                ))
            }
        };
        let args = substitute(step.get("args").unwrap_or(&json!({})), &vars)
            .map_err(|e| format!("{file}: step {i}: {e}"))?;
        let outcome = call(&server, kind, path, args.clone(), step["as"].as_str());
        let mut problems = Vec::new();
        if let Some(expected) = step.get("expectError") {
            check_error(expected, &outcome, path, &mut problems);
        } else {
            match &outcome {
                Outcome::Err { message, data } => problems.push(format!(
                    "expected success, got error {message:?} data {data:?}"
                )),
                Outcome::Ok(value) => {
                    if let Some(expected) = step.get("expect") {
                        matches(expected, value, "$", &vars, &mut problems);
                    }
                }
            }
        }
        if !problems.is_empty() {
            return Err(format!(
                "{file}: step {i} ({kind} {path}{}): {}\n  args: {args}",
                step.get("note")
                    .map(|n| format!(" — {n}"))
                    .unwrap_or_default(),
                problems.join("\n  ")
            ));
        }
        if let (Some(save), Outcome::Ok(value)) =
            (step.get("save").and_then(Value::as_object), &outcome)
        {
            for (name, p) in save {
                let picked = pick(value, p.as_str().unwrap_or_default())
                    .ok_or_else(|| format!("{file}: step {i}: cannot save {p} from {value}"))?;
                vars.insert(name.clone(), picked);
            }
        }
    }
    Ok(())
}

#[test]
fn shared_scenarios_pass_over_http() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        panic!("no scenario directory at {}", dir.display());
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 25, "only {} scenario files", files.len());
    let failures: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(path).unwrap();
            let scenario: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
            run_scenario(&name, &scenario).err()
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_matcher_can_fail() {
    let vars = HashMap::from([("s".to_string(), json!("abc"))]);
    let mut problems = Vec::new();
    let cases = [
        (json!({"a": 1}), json!({"a": 1, "b": 2})),
        (json!({"a": {"$absent": true}}), json!({"a": null})),
        (json!({"$var": "s"}), json!("abd")),
        (json!({"$type": "iso"}), json!("2024-02-30T00:00:00Z")),
        (json!({"$nearNow": 1000}), json!("2024-01-15T10:30:00.000Z")),
        (json!({"$length": 2}), json!([1])),
        (json!([1, 2]), json!([1])),
        (json!(915), json!(916)),
    ];
    for (expected, actual) in &cases {
        let before = problems.len();
        matches(expected, actual, "$", &vars, &mut problems);
        assert!(
            problems.len() > before,
            "{expected} should not match {actual}"
        );
    }
    let mut ok = Vec::new();
    matches(
        &json!({"$partial": true, "a": 1.0, "t": {"$type": "iso"}}),
        &json!({"a": 1, "b": 2, "t": "2024-01-15T10:30:00.000Z"}),
        "$",
        &vars,
        &mut ok,
    );
    assert!(ok.is_empty(), "{ok:?}");
}
