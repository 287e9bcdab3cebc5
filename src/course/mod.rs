//! The course: its manifest loaded and validated, its exercises with their ids and paths, and
//! the starters embedded in the binary.

mod ids;
pub mod manifest;
mod snapshot;
pub mod starters;
mod validate;

use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::supervise::Perturbation;
use manifest::{ArgSet, ChapterFile, CourseFile, ExerciseSpec};
pub use snapshot::{expected_output, expected_output_kept};
pub use validate::valid_name;

/// The manifest of the course, relative to its root.
pub const MANIFEST: &str = "course/course.toml";

/// The file that marks a student template made by `learn template` (relative to the course
/// root): its reference solutions, and the expected outputs of its hidden argument sets,
/// stay with the teacher.
pub const TEMPLATE_MARKER: &str = "course/template.toml";

/// Whether the course at `root` is a student template (see [`TEMPLATE_MARKER`]).
pub fn is_student_template(root: &Path) -> bool {
    root.join(TEMPLATE_MARKER).is_file()
}

/// A course that cannot be used, with the place to fix.
#[derive(Debug, Error)]
pub enum CourseError {
    /// No course root above the working directory.
    #[error(
        "no course found: no {MANIFEST} in {0} or any folder above it (run learn inside the course, or pass --course DIR)"
    )]
    NotFound(PathBuf),
    /// A file could not be read.
    #[error("{path}: cannot read: {source}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is not valid TOML or does not fit the schema.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The files disagree with each other or with the disk.
    #[error("{path}: {message}")]
    Inconsistent {
        /// The file to fix.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// No exercise with that id (nor that name alone). The command line adds where to see
    /// the list: the command the learner typed, which only it knows.
    #[error("no exercise `{id}` in this course{}", nearest.as_ref().map_or(String::new(), |n| format!(": did you mean `{n}`?")))]
    UnknownExercise {
        /// What was typed.
        id: String,
        /// The nearest id, when one is near enough to be a typo.
        nearest: Option<String>,
    },
    /// An exercise name without its chapter that several chapters have.
    #[error("`{name}` names several exercises: {}; give the whole id", ids.join(", "))]
    AmbiguousExercise {
        /// What was typed.
        name: String,
        /// The ids it could mean.
        ids: Vec<String>,
    },
}

/// A chapter's heading and what it teaches.
#[derive(Debug, Clone)]
pub struct Chapter {
    /// File name without `.toml`, e.g. `01_threads`.
    pub name: String,
    /// Heading.
    pub title: String,
    /// One line on what it teaches.
    pub summary: String,
    /// Seed lesson numbers.
    pub seeds: Vec<u32>,
}

/// One exercise of the course.
#[derive(Debug, Clone)]
pub struct Exercise {
    /// `CHAPTER/NAME`.
    pub id: String,
    /// Its chapter's name.
    pub chapter: String,
    /// Everything the manifest says of it.
    pub spec: ExerciseSpec,
}

impl Exercise {
    /// The learner's file, relative to the course root.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(format!("exercises/{}.rs", self.id))
    }

    /// The reference solution, relative to the course root.
    pub fn solution_path(&self) -> PathBuf {
        PathBuf::from(format!("solutions/{}.rs", self.id))
    }

    /// The pristine starter, relative to the course root.
    pub fn starter_path(&self) -> PathBuf {
        PathBuf::from(format!("course/starters/{}.rs", self.id))
    }

    /// The grading harness, relative to the course root, for API exercises.
    pub fn harness_path(&self) -> Option<PathBuf> {
        self.spec
            .harness
            .then(|| PathBuf::from(format!("course/harness/{}.rs", self.id)))
    }

    /// The snapshot of an argument set, relative to the course root.
    pub fn snapshot_path(&self, args: &ArgSet) -> PathBuf {
        PathBuf::from(format!(
            "course/snapshots/{}.snap",
            self.snapshot_name(args)
        ))
    }

    /// The insta snapshot name of an argument set: `CHAPTER__NAME@ARGS`.
    pub fn snapshot_name(&self, args: &ArgSet) -> String {
        format!("{}__{}@{}", self.chapter, self.spec.name, args.name)
    }

    /// The perturbations its runs cycle through (all of them unless the manifest says).
    pub fn perturbations(&self) -> Vec<Perturbation> {
        self.spec
            .perturb
            .clone()
            .unwrap_or_else(|| Perturbation::ALL.to_vec())
    }

    /// Every run configuration grading it can make, as `ARGSET:PERTURBATION` (the harness's
    /// as `harness:PERTURBATION`): what `learn run --replay` accepts.
    pub fn replay_keys(&self) -> Vec<String> {
        let mut sets: Vec<ArgSet> = self.arg_sets();
        if self.spec.harness {
            sets.push(ArgSet::harness_set());
        }
        sets.iter()
            .flat_map(|set| {
                self.perturbations()
                    .into_iter()
                    .map(move |p| format!("{}:{}", set.name, p.name()))
            })
            .collect()
    }

    /// The argument sets it is run with.
    pub fn arg_sets(&self) -> Vec<ArgSet> {
        if self.spec.args.is_empty() {
            vec![ArgSet::default_set()]
        } else {
            self.spec.args.clone()
        }
    }
}

/// A loaded, validated course.
#[derive(Debug, Clone)]
pub struct Course {
    /// The folder holding `course/`, `exercises/` and `solutions/`.
    pub root: PathBuf,
    /// The course title.
    pub title: String,
    /// Chapters in order.
    pub chapters: Vec<Chapter>,
    /// Every exercise in course order.
    pub exercises: Vec<Exercise>,
}

impl Course {
    /// Finds the course root: `start` or the nearest folder above it with a manifest.
    pub fn find_root(start: &Path) -> Result<PathBuf, CourseError> {
        start
            .ancestors()
            .find(|dir| dir.join(MANIFEST).is_file())
            .map(Path::to_path_buf)
            .ok_or_else(|| CourseError::NotFound(start.to_path_buf()))
    }

    /// Loads and validates the course at `root`.
    pub fn load(root: &Path) -> Result<Course, CourseError> {
        let course_file: CourseFile = read_toml(&root.join(MANIFEST))?;
        let mut chapters = Vec::new();
        let mut exercises = Vec::new();
        for name in &course_file.chapters {
            let path = root.join("course/chapters").join(format!("{name}.toml"));
            let chapter: ChapterFile = read_toml(&path)?;
            for spec in chapter.exercises {
                exercises.push(Exercise {
                    id: format!("{name}/{}", spec.name),
                    chapter: name.clone(),
                    spec,
                });
            }
            chapters.push(Chapter {
                name: name.clone(),
                title: chapter.title,
                summary: chapter.summary,
                seeds: chapter.seeds,
            });
        }
        let course = Course {
            root: root.to_path_buf(),
            title: course_file.title,
            chapters,
            exercises,
        };
        validate::validate(&course)?;
        Ok(course)
    }

    /// The exercise with this id, or with this name alone when only one chapter has it; an
    /// unknown id's error suggests the nearest.
    pub fn exercise(&self, id: &str) -> Result<&Exercise, CourseError> {
        ids::resolve(&self.exercises, id)
    }

    /// The exercises `ids` name (every one when there is none), in course order, each once.
    pub fn chosen(&self, ids: &[String]) -> Result<Vec<&Exercise>, CourseError> {
        let mut chosen = ids
            .iter()
            .map(|id| self.exercise(id))
            .collect::<Result<Vec<_>, _>>()?;
        if ids.is_empty() {
            chosen = self.exercises.iter().collect();
        }
        chosen.sort_by_key(|e| self.index_of(&e.id));
        chosen.dedup_by_key(|e| &e.id);
        Ok(chosen)
    }

    /// The position of an exercise in course order.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.exercises.iter().position(|e| e.id == id)
    }

    /// The chapter an exercise belongs to.
    pub fn chapter_of(&self, exercise: &Exercise) -> &Chapter {
        self.chapters
            .iter()
            .find(|c| c.name == exercise.chapter)
            .expect("every exercise comes from a loaded chapter")
    }
}

/// Reads a TOML file into `T`, with the line and column of any error.
fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, CourseError> {
    let text = std::fs::read_to_string(path).map_err(|source| CourseError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let (line, column) = line_column(&text, offset);
        CourseError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message: e.message().to_string(),
        }
    })
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chosen_exercises_come_in_course_order_each_once() {
        let course = Course::load(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        let ids = [
            "01_threads/scoped_sum",
            "spawn_join",
            "01_threads/spawn_join",
        ]
        .map(String::from);
        let chosen: Vec<&str> = course
            .chosen(&ids)
            .unwrap()
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(chosen, ["01_threads/spawn_join", "01_threads/scoped_sum"]);
        assert_eq!(course.chosen(&[]).unwrap().len(), course.exercises.len());
        assert!(course.chosen(&["nowhere".to_string()]).is_err());
    }
}
