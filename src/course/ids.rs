//! Finding an exercise by what a person types: its id (`01_threads/spawn_join`), its file's
//! path (`exercises/01_threads/spawn_join.rs`), its name alone (`spawn_join`) when only one
//! chapter has it, or the start of a name or id that only one exercise has (`bank`); for
//! anything else, the nearest id by edit distance, to suggest.
//!
//! Not here: what an exercise is (`course`), nor the error's wording (`CourseError`).

use super::{CourseError, Exercise};

/// The exercise `typed` names, or the error: an unknown id (with the nearest one, when one
/// is near) or a name that several chapters have.
pub(super) fn resolve<'c>(
    exercises: &'c [Exercise],
    typed: &str,
) -> Result<&'c Exercise, CourseError> {
    let typed = as_id(typed);
    if let Some(exact) = exercises.iter().find(|e| e.id == typed) {
        return Ok(exact);
    }
    let by_name = |e: &&Exercise| e.spec.name == typed;
    let by_prefix = |e: &&Exercise| e.spec.name.starts_with(typed) || e.id.starts_with(typed);
    for matches in [&by_name as &dyn Fn(&&Exercise) -> bool, &by_prefix] {
        let found: Vec<&Exercise> = exercises.iter().filter(matches).collect();
        match found[..] {
            [only] => return Ok(only),
            [_, _, ..] => {
                return Err(CourseError::AmbiguousExercise {
                    name: typed.to_string(),
                    ids: found.iter().map(|e| e.id.clone()).collect(),
                });
            }
            [] => {}
        }
    }
    let nearest = exercises
        .iter()
        .map(|e| {
            let distance =
                strsim::levenshtein(typed, &e.id).min(strsim::levenshtein(typed, &e.spec.name));
            (distance, e)
        })
        .min_by_key(|(distance, _)| *distance)
        .filter(|(distance, _)| *distance <= (typed.chars().count() / 3).max(2));
    Err(CourseError::UnknownExercise {
        id: typed.to_string(),
        nearest: nearest.map(|(_, e)| e.id.clone()),
    })
}

/// What an id typed as the file's path (`exercises/01_threads/spawn_join.rs`, as the lesson
/// shows it, or `./exercises/…`) means: the id inside it; anything else as typed.
fn as_id(typed: &str) -> &str {
    let typed = typed.strip_prefix("./").unwrap_or(typed);
    let typed = typed.strip_prefix("exercises/").unwrap_or(typed);
    typed.strip_suffix(".rs").unwrap_or(typed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::manifest::ExerciseSpec;

    fn exercise(chapter: &str, name: &str) -> Exercise {
        let spec: ExerciseSpec = toml::from_str(&format!(
            "name = \"{name}\"\ntitle = \"t\"\nlesson = \"l\"\nhint = \"h\"\n"
        ))
        .unwrap();
        Exercise {
            id: format!("{chapter}/{name}"),
            chapter: chapter.into(),
            spec,
        }
    }

    fn course() -> Vec<Exercise> {
        vec![
            exercise("01_threads", "spawn_join"),
            exercise("01_threads", "thread_args"),
            exercise("02_coordination", "ping_pong"),
            exercise("09_async", "ping_pong"),
        ]
    }

    #[test]
    fn an_id_or_a_unique_name_finds_the_exercise() {
        let course = course();
        assert_eq!(
            resolve(&course, "01_threads/spawn_join").unwrap().id,
            "01_threads/spawn_join"
        );
        assert_eq!(
            resolve(&course, "thread_args").unwrap().id,
            "01_threads/thread_args"
        );
    }

    #[test]
    fn the_files_path_and_a_unique_start_find_the_exercise() {
        let course = course();
        for typed in [
            "exercises/01_threads/spawn_join.rs",
            "./exercises/01_threads/spawn_join.rs",
            "01_threads/spawn_join.rs",
            "spawn",
            "01_threads/sp",
        ] {
            assert_eq!(
                resolve(&course, typed).unwrap().id,
                "01_threads/spawn_join",
                "{typed}"
            );
        }
        let why = resolve(&course, "01_threads/").unwrap_err().to_string();
        assert_eq!(
            why,
            "`01_threads/` names several exercises: 01_threads/spawn_join, 01_threads/thread_args; give the whole id"
        );
    }

    #[test]
    fn a_name_two_chapters_share_asks_for_the_whole_id() {
        let why = resolve(&course(), "ping_pong").unwrap_err().to_string();
        assert_eq!(
            why,
            "`ping_pong` names several exercises: 02_coordination/ping_pong, 09_async/ping_pong; give the whole id"
        );
    }

    #[test]
    fn a_typo_gets_the_nearest_id_and_nonsense_gets_none() {
        let course = course();
        let said = |typed| resolve(&course, typed).unwrap_err().to_string();
        assert_eq!(
            said("spawn_jion"),
            "no exercise `spawn_jion` in this course: did you mean `01_threads/spawn_join`?"
        );
        assert!(said("01_thread/thread_arg").contains("did you mean `01_threads/thread_args`?"));
        assert_eq!(said("xyz"), "no exercise `xyz` in this course");
    }
}
