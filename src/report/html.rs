//! The class report (`--report html=PATH`): one self-contained HTML file, readable without
//! JavaScript or anything fetched: students × exercises, each cell coloured by its status with
//! its headline on hover and its full message in a `<details>` to click open; each exercise's
//! pass rate; and the rules most often broken (what to teach again).
//!
//! Every text of a submission (names, messages, outputs) is escaped. Not here: grading, or the
//! other formats.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::scored::{Scored, ScoredExercise, TestStatus};
use crate::grade::GradeOutcome;

/// The page's style: statuses as colours (with a sign too, for who does not see colours).
const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 6px;text-align:center;vertical-align:top}\
th.id{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal;white-space:nowrap}\
td.name{text-align:left;white-space:nowrap}.pass{background:#c8efc8}.fail{background:#f6c4c4}\
.error{background:#f3d9a4}.missing{background:#e4e4e4}.not_judged{background:#c9daf5}\
details summary{cursor:pointer;list-style:none}details[open]{text-align:left;min-width:30em}\
pre{white-space:pre-wrap;max-width:60em;font-size:12px}.rate{font-weight:bold}";

/// The class report of `class` (each submission's name and grading), titled `title`.
pub fn render(title: &str, class: &[(&str, &Scored)]) -> String {
    let ids: Vec<&ScoredExercise> = class
        .first()
        .map(|(_, s)| s.exercises.iter().collect())
        .unwrap_or_default();
    let mut out = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head><body>\n<h1>{t}</h1>\n<p>{n} graded; ✓ passed, ✗ failed, ⚠ compile error, ∅ missing, ‖ not judged. Hover a cell for what went wrong; click it for the whole message.</p>\n<table>\n<tr><th>submission</th><th>points</th>",
        t = escape(title),
        n = crate::plural::of(class.len(), "submission", "submissions"),
    );
    for e in &ids {
        let _ = write!(
            out,
            "<th class=\"id\" title=\"{}\">{}</th>",
            escape(&e.exercise.spec.title),
            escape(&e.verdict.id)
        );
    }
    out.push_str("</tr>\n");
    for (name, scored) in class {
        let _ = write!(
            out,
            "<tr><td class=\"name\">{}</td><td>{}/{}</td>",
            escape(name),
            scored.score(),
            scored.max_score()
        );
        for e in &scored.exercises {
            out.push_str(&cell(e));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("<tr><td class=\"name rate\">pass rate</td><td></td>");
    for (i, _) in ids.iter().enumerate() {
        let passed = class
            .iter()
            .filter(|(_, s)| {
                s.exercises
                    .get(i)
                    .is_some_and(|e| e.status() == TestStatus::Pass)
            })
            .count();
        let _ = write!(
            out,
            "<td class=\"rate\">{}%</td>",
            (passed * 100).checked_div(class.len()).unwrap_or(0)
        );
    }
    out.push_str("</tr>\n</table>\n");
    out.push_str(&most_broken(class));
    out.push_str("</body></html>\n");
    out
}

/// One exercise's cell: its sign on its status's colour, the headline on hover, the message
/// in a `<details>`.
fn cell(e: &ScoredExercise) -> String {
    let status = e.status();
    let sign = match status {
        TestStatus::Pass => "✓",
        TestStatus::Fail => "✗",
        TestStatus::Error => "⚠",
        TestStatus::Missing => "∅",
        TestStatus::NotJudged => "‖",
    };
    let class = status.as_str();
    match (e.headline(), e.message()) {
        (Some(headline), Some(message)) => format!(
            "<td class=\"{class}\" title=\"{}\"><details><summary>{sign}</summary><pre>{}</pre></details></td>",
            escape(&headline),
            escape(&message)
        ),
        _ => format!("<td class=\"{class}\" title=\"passed\">{sign}</td>"),
    }
}

/// The rules most often broken, across the class: the check, how many failures, on which
/// exercises.
fn most_broken(class: &[(&str, &Scored)]) -> String {
    let mut broken: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    for (_, scored) in class {
        for e in &scored.exercises {
            let rule = match &e.verdict.outcome {
                GradeOutcome::Failed(run) => run.failures.first().check.to_string(),
                GradeOutcome::CompileError(_) if !e.missing => "compile error".to_string(),
                _ => continue,
            };
            let entry = broken.entry(rule).or_default();
            entry.0 += 1;
            if !entry.1.contains(&e.verdict.id) {
                entry.1.push(e.verdict.id.clone());
            }
        }
    }
    let mut ranked: Vec<_> = broken.into_iter().collect();
    ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
    let mut out = String::from("<h2>Rules most often broken</h2>\n");
    if ranked.is_empty() {
        out.push_str("<p>None: every graded exercise passed or was missing.</p>\n");
        return out;
    }
    out.push_str("<table>\n<tr><th>rule</th><th>failures</th><th>exercises</th></tr>\n");
    for (rule, (count, ids)) in ranked.iter().take(10) {
        let _ = writeln!(
            out,
            "<tr><td class=\"name\">{}</td><td>{count}</td><td class=\"name\">{}</td></tr>",
            escape(rule),
            escape(&ids.join(", "))
        );
    }
    out.push_str("</table>\n");
    out
}

/// `text` safe inside HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_a_submission_is_escaped() {
        assert_eq!(
            escape("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
