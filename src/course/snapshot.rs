//! Expected output, read from the insta snapshot files the runner's own tests assert against.

use std::path::Path;

use super::manifest::ArgSet;
use super::{CourseError, Exercise, is_student_template};

/// Like [`expected_output`], but `None` for a hidden argument set of a student template,
/// whose expected output stays with the teacher (a learner who could read it could print
/// it): its output check is not judged locally; its other checks are.
pub fn expected_output_kept(
    root: &Path,
    exercise: &Exercise,
    args: &ArgSet,
) -> Result<Option<String>, CourseError> {
    let withheld = args.hidden
        && !root.join(exercise.snapshot_path(args)).exists()
        && is_student_template(root);
    if withheld {
        return Ok(None);
    }
    expected_output(root, exercise, args).map(Some)
}

/// The expected normalised stdout of `exercise` run with `args`, from its `.snap` file.
pub fn expected_output(
    root: &Path,
    exercise: &Exercise,
    args: &ArgSet,
) -> Result<String, CourseError> {
    let path = root.join(exercise.snapshot_path(args));
    if !path.is_file() {
        return Err(CourseError::Inconsistent {
            path,
            message: "missing snapshot: course authors create it with `cargo insta test --accept` (the solutions' outputs)".into(),
        });
    }
    let snapshot = insta::Snapshot::from_file(&path).map_err(|e| CourseError::Inconsistent {
        path: path.clone(),
        message: format!("not a readable insta snapshot: {e}"),
    })?;
    snapshot
        .contents()
        .as_text()
        .map(|text| text.to_string())
        .ok_or_else(|| CourseError::Inconsistent {
            path,
            message: "a binary snapshot; expected text".into(),
        })
}
