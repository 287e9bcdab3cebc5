//! Checks that a loaded course agrees with itself and with the disk: unique ids, every file it
//! names present, checks that fit the exercise.

use std::collections::HashSet;
use std::path::Path;

use super::{Course, CourseError};
use crate::checks::CheckSpec;
use crate::supervise::Perturbation;

/// Refuses a course whose files disagree, naming the file to fix.
///
/// Over 80 lines on purpose: one rule after another, each with its own message, read top to
/// bottom as the list of what a course must satisfy; a function per rule would scatter it.
pub(super) fn validate(course: &Course) -> Result<(), CourseError> {
    let inconsistent = |path: &Path, message: String| CourseError::Inconsistent {
        path: course.root.join(path),
        message,
    };
    if course.exercises.is_empty() {
        return Err(inconsistent(
            Path::new(super::MANIFEST),
            "the course has no exercise: its chapters list none".to_string(),
        ));
    }
    let mut ids = HashSet::new();
    for exercise in &course.exercises {
        let chapter_file = Path::new("course/chapters").join(format!("{}.toml", exercise.chapter));
        if !ids.insert(exercise.id.as_str()) {
            return Err(inconsistent(
                &chapter_file,
                format!("exercise `{}` is listed twice", exercise.id),
            ));
        }
        if !valid_name(&exercise.spec.name) {
            return Err(inconsistent(
                &chapter_file,
                format!(
                    "exercise name `{}` must be lowercase letters, digits and _",
                    exercise.spec.name
                ),
            ));
        }
        let mut files = vec![exercise.solution_path(), exercise.starter_path()];
        // A student template's solutions stay with the teacher.
        if super::is_student_template(&course.root) {
            files.remove(0);
        }
        files.extend(exercise.harness_path());
        for file in files {
            if !course.root.join(&file).is_file() {
                return Err(inconsistent(
                    &chapter_file,
                    format!(
                        "exercise `{}` names {}, which does not exist",
                        exercise.id,
                        file.display()
                    ),
                ));
            }
        }
        let has_harness_check = exercise
            .spec
            .checks
            .iter()
            .any(|c| matches!(c, CheckSpec::Harness(_)));
        if has_harness_check != exercise.spec.harness {
            return Err(inconsistent(
                &chapter_file,
                format!(
                    "exercise `{}`: `harness = true` and a `harness` check go together",
                    exercise.id
                ),
            ));
        }
        let unperturbed = exercise
            .spec
            .perturb
            .as_ref()
            .is_none_or(|p| p.contains(&Perturbation::None));
        if let Some(timed) = exercise
            .spec
            .checks
            .iter()
            .find(|c| c.measures_cpu())
            .filter(|_| !unperturbed)
        {
            return Err(inconsistent(
                &chapter_file,
                format!(
                    "exercise `{}`: its `{}` check times how fast the program computes on free cores, so it is judged on unperturbed runs: `perturb` must include \"none\"",
                    exercise.id,
                    timed.kind()
                ),
            ));
        }
        let mut arg_names = HashSet::new();
        for args in exercise.arg_sets() {
            if !arg_names.insert(args.name.clone())
                || !valid_name(&args.name.replace('-', "_"))
                || args.name == "harness"
                || args.name == "shuttle"
            {
                return Err(inconsistent(
                    &chapter_file,
                    format!(
                        "exercise `{}`: argument set name `{}` is repeated, reserved (`harness`, `shuttle`) or not a simple name",
                        exercise.id, args.name
                    ),
                ));
            }
        }
        if let Some(explore) = &exercise.spec.explore
            && !arg_names.contains(&explore.args)
        {
            return Err(inconsistent(
                &chapter_file,
                format!(
                    "exercise `{}`: `[exercise.explore]` explores the argument set `{}`, which the exercise does not have (it has {})",
                    exercise.id,
                    explore.args,
                    exercise
                        .arg_sets()
                        .iter()
                        .map(|a| format!("`{}`", a.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    Ok(())
}

/// Whether `name` may name a chapter, an exercise or an argument set: lowercase letters,
/// digits and `_`, not empty.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_that_times_free_cores_names_itself_when_no_run_is_unperturbed() {
        let dir = crate::test_support::course_copy();
        let chapter = dir.path().join("course/chapters/08_parallelism.toml");
        let text = std::fs::read_to_string(&chapter).unwrap();
        let benchmark = "name = \"benchmark\"\n";
        assert!(
            text.contains(benchmark),
            "the course has a CPU-bound speedup"
        );
        let text = text.replacen(
            benchmark,
            &format!("{benchmark}perturb = [\"one_core\"]\n"),
            1,
        );
        std::fs::write(&chapter, text).unwrap();
        let error = Course::load(dir.path()).unwrap_err().to_string();
        assert!(
            error.contains("exercise `08_parallelism/benchmark`: its `speedup` check times")
                && error.contains("`perturb` must include \"none\""),
            "{error}"
        );
    }
}
