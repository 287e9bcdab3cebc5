//! JUnit XML, written with quick-junit: one `<testsuite>` per chapter, one `<testcase>` per
//! exercise (`classname` the chapter, `file` the graded file), a `<failure>` for a broken rule,
//! an `<error>` for a compile error or a broken course, a `<skipped>` for a rule not judged, each with the message in full and
//! the run's captured output in `<system-out>`/`<system-err>`.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::grade::GradeOutcome;

use super::scored::{Scored, ScoredExercise, TestStatus, joined};

/// The JUnit XML document of `scored`.
pub fn render(scored: &Scored) -> String {
    let mut report = Report::new("learn");
    for chapter in &scored.course.chapters {
        let graded: Vec<&ScoredExercise> = scored
            .exercises
            .iter()
            .filter(|e| e.exercise.chapter == chapter.name)
            .collect();
        if graded.is_empty() {
            continue;
        }
        let mut suite = TestSuite::new(chapter.name.as_str());
        suite.set_time(graded.iter().map(|e| e.duration()).sum());
        suite.add_test_cases(graded.into_iter().map(test_case));
        report.add_test_suite(suite);
    }
    report.to_string().expect("a report in memory serialises")
}

fn test_case(e: &ScoredExercise) -> TestCase {
    let status = match e.status() {
        TestStatus::Pass => TestCaseStatus::success(),
        TestStatus::NotJudged => {
            let mut status = TestCaseStatus::skipped();
            status.set_message(e.headline().unwrap_or_default());
            status.set_description(e.message().unwrap_or_default());
            status
        }
        failed => {
            let kind = if failed == TestStatus::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut status = TestCaseStatus::non_success(kind);
            status.set_message(e.headline().unwrap_or_default());
            status.set_type(failure_type(e));
            status.set_description(e.message().unwrap_or_default());
            status
        }
    };
    let mut case = TestCase::new(e.verdict.id.as_str(), status);
    case.set_classname(e.exercise.chapter.as_str())
        .set_time(e.duration());
    case.extra
        .insert("file".into(), e.file().display().to_string().into());
    if let Some(line) = e.error_line() {
        case.extra.insert("line".into(), line.to_string().into());
    }
    if let Some(stdout) = e.stdout().filter(|l| !l.is_empty()) {
        case.set_system_out(joined(stdout));
    }
    if let Some(stderr) = e.stderr().filter(|l| !l.is_empty()) {
        case.set_system_err(joined(stderr));
    }
    case
}

/// The failure's kind: the check that failed, `compile_error`, `missing` or `course_error`.
fn failure_type(e: &ScoredExercise) -> String {
    if e.status() == TestStatus::Missing {
        return "missing".to_string();
    }
    match &e.verdict.outcome {
        GradeOutcome::Failed(run) => run.failures.first().check.to_string(),
        GradeOutcome::CompileError(_) => "compile_error".to_string(),
        _ => "course_error".to_string(),
    }
}
