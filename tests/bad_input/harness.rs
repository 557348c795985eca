//! Runs every case of every family, keeps going after a failure, and reports each
//! failing case by name. A case that panics is a failure of that case (reported
//! with its message), not the end of the run. A case flagged `known_bug` is run and
//! printed, but does not fail the suite; if it starts passing the report says so.

use std::future::Future;
use std::panic::AssertUnwindSafe;

pub struct Outcome {
    pub family: &'static str,
    pub name: String,
    pub known_bug: Option<&'static str>,
    pub result: Result<(), String>,
}

#[derive(Default)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
}

/// Runs one case's future to the end on `rt`, turning a panic into an error.
pub fn guarded<F: Future<Output = Result<(), String>>>(
    rt: &tokio::runtime::Runtime,
    fut: F,
) -> Result<(), String> {
    match std::panic::catch_unwind(AssertUnwindSafe(|| rt.block_on(fut))) {
        Ok(r) => r,
        Err(p) => Err(format!(
            "panicked: {}",
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        )),
    }
}

impl Report {
    pub fn add(
        &mut self,
        family: &'static str,
        name: impl Into<String>,
        known_bug: Option<&'static str>,
        result: Result<(), String>,
    ) {
        let name = name.into();
        match (&result, known_bug) {
            (Ok(()), None) => println!("  ok   {family}: {name}"),
            (Ok(()), Some(bug)) => {
                println!("  ok   {family}: {name} (flagged known bug \"{bug}\" now passes: remove the flag)")
            }
            (Err(e), None) => println!("  FAIL {family}: {name}: {e}"),
            (Err(e), Some(bug)) => println!("  KNOWN BUG {family}: {name}: {bug}: {e}"),
        }
        self.outcomes.push(Outcome {
            family,
            name,
            known_bug,
            result,
        });
    }

    /// Prints the summary; `Err` lists the failing cases that are not known bugs.
    pub fn finish(&self) -> Result<(), String> {
        let total = self.outcomes.len();
        let failed: Vec<String> = self
            .outcomes
            .iter()
            .filter(|o| o.result.is_err() && o.known_bug.is_none())
            .map(|o| format!("{}: {}", o.family, o.name))
            .collect();
        let known: Vec<String> = self
            .outcomes
            .iter()
            .filter(|o| o.result.is_err() && o.known_bug.is_some())
            .map(|o| format!("{}: {}", o.family, o.name))
            .collect();
        for family in ["sdk", "http", "storage", "security"] {
            let n = self.outcomes.iter().filter(|o| o.family == family).count();
            println!("  {family}: {n} cases");
        }
        if !known.is_empty() {
            println!("known bugs ({}): {}", known.len(), known.join("; "));
        }
        if failed.is_empty() {
            let passed = total - known.len();
            if known.is_empty() {
                println!("bad-input catalogue: {total} cases, all passed");
            } else {
                println!(
                    "bad-input catalogue: {total} cases, {passed} passed, {} known bugs",
                    known.len()
                );
            }
            Ok(())
        } else {
            let line = format!(
                "bad-input catalogue: {total} cases, {} failed: {}",
                failed.len(),
                failed.join(", ")
            );
            println!("{line}");
            Err(line)
        }
    }
}
