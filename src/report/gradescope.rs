//! Gradescope's `results.json` (what an autograder writes to
//! `/autograder/results/results.json`): the top-level `score`, `execution_time` and
//! `output`, and one test per exercise with `name`, `number`, `score`, `max_score`, `status`
//! (`passed`/`failed`), `output` and `visibility`.
//!
//! Gradescope shows a student only a test's `output`, so a failed test's output holds the
//! whole explanation: the rule, what was seen and the hint, then what the program printed. A
//! failure seen with a hidden argument set shows its rule at once; its details (the hidden
//! values and what they printed) go into a 0-point test shown only once grades are published
//! (`after_published`). Only the document's shape lives here: the text comes from [`Scored`].

use serde::Serialize;

use crate::grade::GradeOutcome;

use super::scored::{Scored, ScoredExercise, TestStatus, cut, joined};

/// The most characters of a program's output a test carries.
pub const OUTPUT_LIMIT: usize = 10_000;

#[derive(Serialize)]
struct Results {
    score: u32,
    execution_time: f64,
    output: String,
    output_format: &'static str,
    visibility: &'static str,
    stdout_visibility: &'static str,
    tests: Vec<Test>,
}

#[derive(Serialize)]
struct Test {
    name: String,
    number: String,
    score: u32,
    max_score: u32,
    status: &'static str,
    output: String,
    visibility: &'static str,
}

/// The Gradescope results.json of `scored`, pretty-printed.
pub fn render(scored: &Scored) -> String {
    let mut tests = Vec::new();
    for e in &scored.exercises {
        tests.extend(tests_of(scored, e));
    }
    let mut output = format!(
        "{}: {}/{} points, {} of {} exercises passed.",
        scored.course.title,
        scored.score(),
        scored.max_score(),
        scored.passed(),
        scored.exercises.len()
    );
    if let Some(changes) = scored.changes.filter(|c| !c.is_empty()) {
        output.push_str(
            "\nProtected files changed by the submission (graded with the course's own versions):",
        );
        for change in changes {
            output.push_str(&format!(
                "\n  {} {}",
                change.kind.as_str(),
                change.path.display()
            ));
        }
    }
    // Wall time: the exercises are graded in parallel, so the sum of their times is not it.
    let seconds = process_wall_seconds().unwrap_or_else(|| {
        scored
            .exercises
            .iter()
            .map(|e| e.duration().as_secs_f64())
            .fold(0.0, f64::max)
    });
    let results = Results {
        score: scored.score(),
        execution_time: (seconds * 1000.0).round() / 1000.0,
        output,
        output_format: "text",
        visibility: "visible",
        stdout_visibility: "hidden",
        tests,
    };
    let mut text = serde_json::to_string_pretty(&results).expect("the results serialise");
    text.push('\n');
    text
}

/// The test of one exercise, and for a failure with hidden arguments the test of its
/// details, shown after publication.
fn tests_of(scored: &Scored, e: &ScoredExercise) -> Vec<Test> {
    let chapter = scored
        .course
        .chapters
        .iter()
        .position(|c| c.name == e.exercise.chapter)
        .map_or(0, |i| i + 1);
    let within = scored
        .course
        .exercises
        .iter()
        .filter(|x| x.chapter == e.exercise.chapter)
        .position(|x| x.id == e.exercise.id)
        .map_or(0, |i| i + 1);
    let number = format!("{chapter}.{within}");
    let name = format!("{} ({})", e.verdict.id, e.exercise.spec.title);
    let passed = e.status() == TestStatus::Pass;
    let full = full_output(e);
    let hidden = matches!(&e.verdict.outcome, GradeOutcome::Failed(run) if run.config.args.hidden);
    let mut tests = vec![Test {
        name: name.clone(),
        number: number.clone(),
        score: e.score(),
        max_score: e.points(),
        status: if passed { "passed" } else { "failed" },
        output: if let (true, GradeOutcome::Failed(run)) = (hidden, &e.verdict.outcome) {
            let failure = run.failures.first();
            format!(
                "{}\n\nIt failed with hidden arguments: the details are shown once grades are published.",
                visible_rule(&failure.check.to_string(), &failure.rule)
            )
        } else {
            full.clone()
        },
        visibility: "visible",
    }];
    if hidden {
        tests.push(Test {
            name: format!("{name}: details of the hidden arguments"),
            number: format!("{number}.1"),
            score: 0,
            max_score: 0,
            status: "failed",
            output: full,
            visibility: "after_published",
        });
    }
    tests
}

/// The rule a failure with hidden arguments broke, on one line, its own spacing kept (a
/// pattern with two spaces keeps them).
fn visible_rule(check: &str, rule: &str) -> String {
    format!("{check}: {}", rule.trim().replace('\n', " "))
}

/// How long this process has run, in seconds: now minus its start time (`/proc/self/stat`'s
/// field 22, in clock ticks since boot, against `/proc/uptime`).
fn process_wall_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let start_ticks: f64 = after_name.split(' ').nth(19)?.parse().ok()?;
    // SAFETY: sysconf only reads a configuration value.
    let ticks_per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split(' ')
        .next()?
        .parse()
        .ok()?;
    (ticks_per_second > 0).then(|| (uptime - start_ticks / ticks_per_second as f64).max(0.0))
}

/// Everything a student should read of an exercise: the explanation of a failure (rule,
/// what was seen, hint), then what the program printed.
fn full_output(e: &ScoredExercise) -> String {
    let mut out = match e.message() {
        Some(message) => message,
        None => "passed every check".to_string(),
    };
    if let Some(stdout) = e.stdout().filter(|l| !l.is_empty()) {
        out.push_str("\n\nWhat the program printed:\n");
        out.push_str(&cut(&joined(stdout), OUTPUT_LIMIT, "output"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_failure_keeps_the_rules_spacing_and_the_time_is_this_process_wall_time() {
        assert_eq!(
            visible_rule("output", "every line must match /^odd:  \\d+$/\n"),
            "output: every line must match /^odd:  \\d+$/"
        );
        let started = std::time::Instant::now();
        let seconds = process_wall_seconds().expect("Linux has /proc");
        let alive = started.elapsed().as_secs_f64();
        assert!((0.0..3600.0).contains(&seconds), "{seconds}");
        assert!(seconds + 1.0 >= alive, "{seconds} < {alive}");
    }
}
