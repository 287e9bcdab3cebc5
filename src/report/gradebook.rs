//! The gradebook of a class: one row per submission (its name, total, maximum, then the
//! points of each exercise), the header naming the exercises by id, as CSV: what Otter's
//! `final_grades.csv` and GitHub Classroom's export look like, so a spreadsheet or an LMS
//! import reads it. And `learn gradebook merge`, which joins the gradebooks of a class
//! graded in chunks (one per job of a CI matrix) into one.
//!
//! Beside it, the gradebook that explains itself ([`Explained`], `NAME.status.csv` beside
//! `NAME.csv`, which stays importable as it is): per submission its roster identifier, the
//! commit graded and when, how that commit was chosen and the commits after the deadline, and
//! per exercise a status (`passed`, `failed: RULE`, `compile error`, `missing`, `not judged:
//! REASON`).
//!
//! Written and read with the `csv` crate (RFC 4180 quoting: a submission named with a comma
//! or a quote stays one cell). Not here: grading, or the per-submission reports.

use std::path::{Path, PathBuf};

use crate::exit::Error;
use crate::grade::GradeOutcome;
use crate::report::scored::{Scored, ScoredExercise, TestStatus};

/// The first columns, before one column per exercise.
const FIXED: [&str; 3] = ["submission", "total", "max"];

/// One submission's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The submission's name (its folder's name).
    pub submission: String,
    /// Points earned.
    pub total: u32,
    /// Points possible.
    pub max: u32,
    /// Points earned on each exercise, in the gradebook's exercise order.
    pub points: Vec<u32>,
}

/// A gradebook: the exercises graded, and one row per submission.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gradebook {
    /// Exercise ids, in course order: the columns after `submission,total,max`.
    pub exercises: Vec<String>,
    /// One row per submission, in the order they were added.
    pub rows: Vec<Row>,
}

impl Gradebook {
    /// The gradebook of one submission, `name`, graded as `scored`.
    pub fn of(name: &str, scored: &Scored) -> Gradebook {
        let mut book = Gradebook {
            exercises: ids(scored),
            rows: Vec::new(),
        };
        book.add(name, scored);
        book
    }

    /// Adds the row of submission `name`, graded as `scored` (the same exercises as the
    /// gradebook's).
    pub fn add(&mut self, name: &str, scored: &Scored) {
        let points = in_order(&self.exercises, scored)
            .map(|e| e.map_or(0, ScoredExercise::score))
            .collect();
        self.rows.push(Row {
            submission: name.to_string(),
            total: scored.score(),
            max: scored.max_score(),
            points,
        });
    }

    /// The gradebook as CSV: a header, then one row per submission.
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let header = FIXED
            .iter()
            .copied()
            .chain(self.exercises.iter().map(String::as_str));
        writer.write_record(header).expect("writes to memory");
        for row in &self.rows {
            let mut record = vec![
                row.submission.clone(),
                row.total.to_string(),
                row.max.to_string(),
            ];
            record.extend(row.points.iter().map(u32::to_string));
            writer.write_record(&record).expect("writes to memory");
        }
        String::from_utf8(writer.into_inner().expect("writes to memory"))
            .expect("the cells are text")
    }

    /// Reads a gradebook written by [`Gradebook::to_csv`]; `origin` names it in errors.
    pub fn from_csv(text: &str, origin: &str) -> Result<Gradebook, Error> {
        let input = |origin: String, problem: String| Error::Input { origin, problem };
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| input(origin.into(), format!("not a CSV gradebook: {e}")))?
            .clone();
        if header.len() < FIXED.len() || header.iter().take(3).ne(FIXED) {
            return Err(input(
                origin.into(),
                format!(
                    "not a learn gradebook: its header must start with {}",
                    FIXED.join(",")
                ),
            ));
        }
        let mut book = Gradebook {
            exercises: header.iter().skip(3).map(str::to_string).collect(),
            rows: Vec::new(),
        };
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let at = format!("{origin}:{line}");
            let record = record.map_err(|e| input(at.clone(), e.to_string()))?;
            let number = |cell: &str, column: &str| {
                cell.parse::<u32>().map_err(|_| {
                    input(
                        at.clone(),
                        format!("`{cell}` in column {column} is not a number of points"),
                    )
                })
            };
            let mut points = Vec::new();
            for (cell, id) in record.iter().skip(3).zip(&book.exercises) {
                points.push(number(cell, id)?);
            }
            book.rows.push(Row {
                submission: record[0].to_string(),
                total: number(&record[1], "total")?,
                max: number(&record[2], "max")?,
                points,
            });
        }
        Ok(book)
    }

    /// The gradebooks of chunks of one class, joined in order; refuses chunks graded on other
    /// exercises, or a submission graded twice.
    pub fn merge(books: &[(String, Gradebook)]) -> Result<Gradebook, Error> {
        let mut merged = Gradebook::default();
        let mut first: Option<&str> = None;
        for (origin, book) in books {
            match first {
                None => {
                    merged.exercises = book.exercises.clone();
                    first = Some(origin);
                }
                Some(first) if book.exercises != merged.exercises => {
                    return Err(Error::usage(format!(
                        "{origin} grades other exercises than {first}: every chunk of a class must be graded on the same ones"
                    )));
                }
                Some(_) => {}
            }
            for row in &book.rows {
                if merged.rows.iter().any(|r| r.submission == row.submission) {
                    return Err(Error::Input {
                        origin: origin.clone(),
                        problem: format!(
                            "submission `{}` is already in another gradebook",
                            row.submission
                        ),
                    });
                }
                merged.rows.push(row.clone());
            }
        }
        Ok(merged)
    }
}

/// Where a submission's graded commit came from, for the explained gradebook.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct About {
    /// The student's identifier on the roster (empty when there is none).
    pub identifier: String,
    /// The commit graded (empty when the submission is not a git repository).
    pub commit: String,
    /// Its committer date.
    pub committed: String,
    /// How it was chosen: `HEAD`, or the deadline's rule (`last commit before DEADLINE by
    /// commit date`).
    pub chosen_by: String,
    /// The commits after the deadline, newest first: `HASH DATE`.
    pub late: Vec<String>,
}

/// The ids of the exercises graded in `scored`, in its order.
fn ids(scored: &Scored) -> Vec<String> {
    scored
        .exercises
        .iter()
        .map(|e| e.verdict.id.clone())
        .collect()
}

/// The exercises of `scored` in the order of `exercises` (by id), `None` where one was not
/// graded.
fn in_order<'a, 'c>(
    exercises: &'a [String],
    scored: &'a Scored<'c>,
) -> impl Iterator<Item = Option<&'a ScoredExercise<'c>>> + 'a {
    exercises
        .iter()
        .map(move |id| scored.exercises.iter().find(|e| &e.verdict.id == id))
}

/// The first columns of the explained gradebook, before one status column per exercise.
const EXPLAINED: [&str; 6] = [
    "submission",
    "identifier",
    "commit",
    "committed",
    "chosen_by",
    "late_commits",
];

/// The gradebook that explains itself: per submission where its files came from, and each
/// exercise's status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Explained {
    /// Exercise ids, in course order.
    pub exercises: Vec<String>,
    /// Per submission: its name, where it came from, each exercise's status.
    pub rows: Vec<(String, About, Vec<String>)>,
}

impl Explained {
    /// Adds submission `name`, from `about`, graded as `scored`.
    pub fn add(&mut self, name: &str, about: &About, scored: &Scored) {
        if self.rows.is_empty() {
            self.exercises = ids(scored);
        }
        let statuses = in_order(&self.exercises, scored)
            .map(|e| e.map_or_else(|| "not graded".to_string(), status))
            .collect();
        self.rows.push((name.to_string(), about.clone(), statuses));
    }

    /// As CSV: a header, then one row per submission.
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let header = EXPLAINED
            .iter()
            .copied()
            .chain(self.exercises.iter().map(String::as_str));
        writer.write_record(header).expect("writes to memory");
        for (name, about, statuses) in &self.rows {
            let mut record = vec![
                name.clone(),
                about.identifier.clone(),
                about.commit.clone(),
                about.committed.clone(),
                about.chosen_by.clone(),
                about.late.join("; "),
            ];
            record.extend(statuses.iter().cloned());
            writer.write_record(&record).expect("writes to memory");
        }
        String::from_utf8(writer.into_inner().expect("writes to memory"))
            .expect("the cells are text")
    }
}

/// Where the explained gradebook of the gradebook at `points` goes: `NAME.status.csv` beside
/// `NAME.csv`.
pub fn explained_path(points: &Path) -> PathBuf {
    let stem = points
        .file_stem()
        .map_or_else(|| "gradebook".into(), |s| s.to_string_lossy().into_owned());
    points.with_file_name(format!("{stem}.status.csv"))
}

/// An exercise's status in one cell: `passed`, `failed: RULE`, `compile error`, `missing`,
/// `not judged: REASON`, `course error`, `cancelled`.
fn status(exercise: &ScoredExercise) -> String {
    match (exercise.status(), &exercise.verdict.outcome) {
        (TestStatus::Missing, _) => "missing".into(),
        (_, GradeOutcome::Passed) => "passed".into(),
        (_, GradeOutcome::Failed(run)) => format!("failed: {}", run.failures.first().check),
        (_, GradeOutcome::CompileError(_)) => "compile error".into(),
        (_, GradeOutcome::NotJudged) => format!(
            "not judged: {}",
            exercise
                .verdict
                .skipped
                .first()
                .map_or(String::new(), ToString::to_string)
        ),
        (_, GradeOutcome::CourseError(_)) => "course error".into(),
        (_, GradeOutcome::Cancelled) => "cancelled".into(),
    }
}

/// `learn gradebook merge OUT IN…`: writes the merged gradebook to `out` (which must not
/// exist: nothing is overwritten; appended to when it is `step_summary`, the job's step
/// summary), and the explained gradebooks beside the inputs merged beside it when every input
/// has one; returns how many submissions it holds.
pub fn merge_files(
    out: &Path,
    inputs: &[PathBuf],
    step_summary: Option<&Path>,
) -> Result<usize, Error> {
    if out.exists() {
        return Err(Error::usage(format!(
            "{} exists: learn does not overwrite it; remove it or name another file",
            out.display()
        )));
    }
    let mut books = Vec::new();
    for input in inputs {
        let origin = input.display().to_string();
        let text =
            std::fs::read_to_string(input).map_err(|e| Error::path("cannot read", input, e))?;
        books.push((origin.clone(), Gradebook::from_csv(&text, &origin)?));
    }
    let merged = Gradebook::merge(&books)?;
    let explained = merge_explained(inputs).map_err(Error::usage)?;
    crate::report::target::write_text(out, &merged.to_csv(), step_summary)
        .map_err(|e| Error::path("cannot write", out, e))?;
    if let Some(text) = explained {
        let path = explained_path(out);
        crate::report::target::write_text(&path, &text, None)
            .map_err(|e| Error::path("cannot write", &path, e))?;
    }
    Ok(merged.rows.len())
}

/// The explained gradebooks beside `inputs` (`NAME.status.csv`), joined: `None` unless every
/// input has one; an error when their headers differ.
fn merge_explained(inputs: &[PathBuf]) -> Result<Option<String>, String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut first: Option<csv::StringRecord> = None;
    for input in inputs {
        let path = explained_path(input);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(None);
        };
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| format!("{}: {e}", path.display()))?
            .clone();
        match &first {
            None => {
                writer.write_record(&header).expect("writes to memory");
                first = Some(header);
            }
            Some(first) if *first != header => {
                return Err(format!(
                    "{}: its columns are not those of the other explained gradebooks",
                    path.display()
                ));
            }
            Some(_) => {}
        }
        for record in reader.records() {
            let record = record.map_err(|e| format!("{}: {e}", path.display()))?;
            writer.write_record(&record).expect("writes to memory");
        }
    }
    let bytes = writer.into_inner().expect("writes to memory");
    Ok(Some(String::from_utf8(bytes).expect("the cells are text")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{CheckKind, NotJudged};
    use crate::grade::{Skipped, SkippedRule};

    fn book(exercises: &[&str], rows: &[(&str, &[u32])]) -> Gradebook {
        Gradebook {
            exercises: exercises.iter().map(|e| e.to_string()).collect(),
            rows: rows
                .iter()
                .map(|(name, points)| Row {
                    submission: name.to_string(),
                    total: points.iter().sum(),
                    max: 9,
                    points: points.to_vec(),
                })
                .collect(),
        }
    }

    #[test]
    fn the_explained_gradebook_says_each_status_and_the_commit_graded() {
        use crate::build::CompileError;
        use crate::course::Course;
        use crate::grade::Verdict;
        let course = Course::load(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        let ids = [
            "01_threads/spawn_join",
            "01_threads/join_results",
            "08_parallelism/cpu_threads",
            "01_threads/scoped_sum",
        ];
        let verdict =
            |id: &str, outcome| Verdict::new(id, course.exercise(id).unwrap().path(), outcome);
        let verdicts = [
            verdict(ids[0], GradeOutcome::Passed),
            verdict(
                ids[1],
                GradeOutcome::CompileError(CompileError {
                    rendered: String::new(),
                    location: None,
                    headline: "mismatched types".into(),
                }),
            ),
            Verdict {
                skipped: vec![Skipped {
                    rule: SkippedRule::Check(CheckKind::CpuParallelism),
                    why: NotJudged::OneCore,
                }],
                ..verdict(ids[2], GradeOutcome::NotJudged)
            },
            verdict(ids[3], GradeOutcome::Passed),
        ];
        let missing = [ids[3].to_string()];
        let scored = Scored::new(
            &course,
            &verdicts,
            None,
            crate::supervise::kernel_protections(),
        )
        .with_missing(&missing);
        let about = About {
            identifier: "Jane Doe".into(),
            commit: "abc123".into(),
            committed: "2026-12-07T23:00:00Z".into(),
            chosen_by: "last commit before 2026-12-08T00:00:00Z by commit date".into(),
            late: vec!["def456 2026-12-08T01:00:00Z".into()],
        };
        let mut book = Explained::default();
        book.add("jane", &about, &scored);
        let csv = book.to_csv();
        let mut lines = csv.lines();
        assert_eq!(
            lines.next().unwrap(),
            format!(
                "submission,identifier,commit,committed,chosen_by,late_commits,{}",
                ids.join(",")
            )
        );
        assert_eq!(
            lines.next().unwrap(),
            "jane,Jane Doe,abc123,2026-12-07T23:00:00Z,last commit before 2026-12-08T00:00:00Z by commit date,def456 2026-12-08T01:00:00Z,passed,compile error,not judged: cpu_parallelism: only 1 core available: parallelism cannot be judged here,missing"
        );
        assert_eq!(
            explained_path(Path::new("out/grades.csv")),
            Path::new("out/grades.status.csv")
        );
    }

    #[test]
    fn a_gradebook_survives_csv_with_awkward_names() {
        let original = book(
            &["a/x", "a/y"],
            &[("doe, \"jane\"", &[1, 0]), ("bo", &[1, 2])],
        );
        let csv = original.to_csv();
        assert!(
            csv.starts_with("submission,total,max,a/x,a/y\n\"doe, \"\"jane\"\"\",1,9,1,0\n"),
            "{csv}"
        );
        assert_eq!(Gradebook::from_csv(&csv, "t.csv").unwrap(), original);
    }

    #[test]
    fn merging_refuses_other_exercises_and_a_submission_twice() {
        let a = book(&["a/x"], &[("ann", &[1])]);
        let b = book(&["a/x"], &[("bo", &[0])]);
        let merged = Gradebook::merge(&[("a".into(), a.clone()), ("b".into(), b)]).unwrap();
        assert_eq!(merged.rows.len(), 2);
        let other = book(&["a/y"], &[("cy", &[1])]);
        let err = Gradebook::merge(&[("a".into(), a.clone()), ("c".into(), other)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("c grades other exercises than a"), "{err}");
        let err = Gradebook::merge(&[("a".into(), a.clone()), ("a2".into(), a)]).unwrap_err();
        assert!(
            matches!(&err, Error::Input { origin, problem } if origin == "a2" && problem.contains("`ann` is already")),
            "{err}"
        );
        let err = Gradebook::from_csv("name,score\nx,1\n", "bad.csv")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("must start with submission,total,max"),
            "{err}"
        );
    }
}
