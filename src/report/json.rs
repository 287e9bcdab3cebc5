//! `results.json`: Exercism's test-runner results, version 3 (per-exercise tests linked to a
//! task, the chapter), with the fields GitHub Classroom's grading reporter reads besides
//! (`max_score`, and per test `score`, `line_no`, `filename`, `duration`), so one document
//! serves both. `learn grade` adds a top-level `protected_files_changed`; every document has a
//! top-level `sandbox`: the protections the programs ran under. The document stays within a
//! size budget (see [`budget`]) and carries no workflow commands (see
//! [`neutral`](super::neutral)): the Classroom reporter prints its messages raw.
//!
//! Only the document's shape lives here; what each field says comes from [`Scored`].

use serde::Serialize;

use super::budget::{self, RESULTS_JSON_BUDGET};
use super::neutral::neutralise;
use super::scored::{ProtectedChange, Scored, ScoredExercise, TestStatus, cut, joined};

/// Exercism's results format version with tests linked to tasks.
pub const VERSION: u8 = 3;
/// The most characters of a program's output a test carries.
pub const OUTPUT_LIMIT: usize = 500;
/// The most protected files `protected_files_changed` lists, most telling first (a
/// submission that adds thousands must not push the document over its budget); the count
/// of the others is `protected_files_changed_omitted`.
pub const CHANGES_LIMIT: usize = 100;

/// The whole document.
#[derive(Serialize)]
struct Results {
    version: u8,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    max_score: u32,
    tests: Vec<Test>,
    #[serde(skip_serializing_if = "Option::is_none")]
    protected_files_changed: Option<Vec<Change>>,
    /// The sandbox protections the programs ran under.
    sandbox: crate::supervise::Protections,
    /// How many more protected files changed than the list holds (see [`CHANGES_LIMIT`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    protected_files_changed_omitted: Option<usize>,
}

/// One exercise.
#[derive(Serialize)]
struct Test {
    name: String,
    status: &'static str,
    score: u32,
    max_score: u32,
    message: Option<String>,
    test_code: String,
    output: Option<String>,
    task_id: usize,
    line_no: usize,
    filename: String,
    duration: f64,
}

/// One protected file the submission changed.
#[derive(Serialize)]
struct Change {
    path: String,
    change: &'static str,
}

/// The results.json document of `scored`, pretty-printed, within
/// [`RESULTS_JSON_BUDGET`] bytes (the longest messages and outputs cut to fit, saying so),
/// with no text that GitHub Actions would read as a workflow command.
pub fn render(scored: &Scored) -> String {
    let status = scored.status();
    let mut results = Results {
        version: VERSION,
        status: status.as_exercism(),
        message: (status == TestStatus::Error).then(|| "no exercise could run: each one failed to build or to be graded (see each test's message)".to_string()),
        max_score: scored.max_score(),
        tests: scored.exercises.iter().map(test).collect(),
        protected_files_changed: scored.changes.map(listed_changes),
        protected_files_changed_omitted: scored.changes.map(|c| c.len().saturating_sub(CHANGES_LIMIT)).filter(|&n| n > 0),
        sandbox: scored.protections,
    };
    let texts: Vec<(Option<String>, Option<String>)> = results
        .tests
        .iter_mut()
        .map(|t| (t.message.take(), t.output.take()))
        .collect();
    let rest = serde_json::to_string_pretty(&results).expect("the results serialise");
    let mut fields: Vec<&mut Option<String>> = Vec::new();
    for (test, (message, output)) in results.tests.iter_mut().zip(texts) {
        (test.message, test.output) = (message, output);
        fields.push(&mut test.message);
        fields.push(&mut test.output);
    }
    budget::fit(
        &mut fields,
        RESULTS_JSON_BUDGET.saturating_sub(rest.len() + 1),
    );
    let mut text = serde_json::to_string_pretty(&results).expect("the results serialise");
    text.push('\n');
    text
}

/// The changes listed: all of them in path order when they fit [`CHANGES_LIMIT`], else the
/// most telling ones.
fn listed_changes(changes: &[ProtectedChange]) -> Vec<Change> {
    let mut listed: Vec<&ProtectedChange> = changes.iter().collect();
    if listed.len() > CHANGES_LIMIT {
        listed.sort_by_key(|c| c.importance());
        listed.truncate(CHANGES_LIMIT);
        listed.sort();
    }
    listed
        .into_iter()
        .map(|c| Change {
            path: c.path.display().to_string(),
            change: c.kind.as_str(),
        })
        .collect()
}

fn test(e: &ScoredExercise) -> Test {
    Test {
        name: e.verdict.id.clone(),
        status: e.status().as_exercism(),
        score: e.score(),
        max_score: e.points(),
        message: e.message().map(|m| neutralise(&m)),
        test_code: neutralise(&e.test_code()),
        output: e
            .stdout()
            .filter(|lines| !lines.is_empty())
            .map(|lines| cut(&neutralise(&joined(lines)), OUTPUT_LIMIT, "output")),
        task_id: e.task_id,
        line_no: e.error_line().unwrap_or(0),
        filename: e.file().display().to_string(),
        duration: (e.duration().as_secs_f64() * 1000.0).round() / 1000.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::scored::test_support::{
        added_then_a_changed_workflow, empty_course, only_changes,
    };

    #[test]
    fn thousands_of_changed_files_keep_the_document_within_budget_and_the_workflow_listed() {
        let mut changes = added_then_a_changed_workflow(5000, |i| {
            format!(".cargo/a-rather-long-folder-name/file-{i:05}.toml")
        });
        changes.sort();
        let course = empty_course();
        let text = render(&only_changes(&course, &changes));
        assert!(text.len() <= RESULTS_JSON_BUDGET, "{} bytes", text.len());
        let results: serde_json::Value = serde_json::from_str(&text).unwrap();
        let listed = results["protected_files_changed"].as_array().unwrap();
        assert_eq!(listed.len(), CHANGES_LIMIT);
        assert!(
            listed
                .iter()
                .any(|c| c["path"] == ".github/workflows/classroom.yml")
        );
        assert_eq!(results["protected_files_changed_omitted"], 4901);
    }
}
