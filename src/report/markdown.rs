//! Markdown for a CI job's summary (`$GITHUB_STEP_SUMMARY`): a table of the exercises with
//! their status and points, the total, and for `learn grade` the protected files the
//! submission changed. Text that a learner's program or compiler message can shape is escaped
//! so it stays inside its table cell.

use std::fmt::Write;

use super::scored::{ProtectedChange, Scored, ScoredExercise, TestStatus};

/// The Markdown summary of `scored`.
pub fn render(scored: &Scored) -> String {
    let mut out = format!(
        "## {}: {}/{} points\n\n",
        scored.course.title,
        scored.score(),
        scored.max_score()
    );
    out.push_str("| Exercise | Status | Points | What failed |\n|---|---|---:|---|\n");
    for e in &scored.exercises {
        let _ = writeln!(
            out,
            "| `{}` | {} | {}/{} | {} |",
            e.verdict.id,
            status_cell(e),
            e.score(),
            e.points(),
            cell(&e.headline().unwrap_or_default())
        );
    }
    let _ = writeln!(
        out,
        "| **Total** | {} of {} passed | **{}/{}** | |",
        scored.passed(),
        scored.exercises.len(),
        scored.score(),
        scored.max_score()
    );
    let _ = writeln!(out, "\n{}", scored.protections.summary());
    if let Some(changes) = scored.changes {
        out.push_str(&protected(changes));
    }
    out
}

fn status_cell(e: &ScoredExercise) -> &'static str {
    match e.status() {
        TestStatus::Pass => "✅ pass",
        TestStatus::Fail => "❌ fail",
        TestStatus::Error => "⛔ error",
        TestStatus::NotJudged => "⏸ not judged",
        TestStatus::Missing => "⬜ missing",
    }
}

fn protected(changes: &[ProtectedChange]) -> String {
    if changes.is_empty() {
        return "\nNo protected file (course, solutions, tests, runner, workflows) was changed.\n"
            .to_string();
    }
    let mut out = String::from(
        "\n### Protected files changed by the submission\n\nGraded with the pristine course's versions instead; listed for the teacher.\n\n",
    );
    for change in changes {
        let _ = writeln!(
            out,
            "- {} `{}`",
            change.kind.as_str(),
            change.path.display().to_string().replace('`', "'")
        );
    }
    out
}

/// `text` made safe for one table cell: one line, no `|`, no HTML, no backticks.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('`', "'")
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn a_cell_keeps_to_one_line_and_its_column() {
        assert_eq!(cell("a | b\n<script> `x`"), "a \\| b &lt;script&gt; 'x'");
    }
}
