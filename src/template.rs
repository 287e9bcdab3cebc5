//! `learn template DIR`: the student repository a teacher hands out. It holds the starters as
//! the exercises, everything `learn` needs to run and check them locally (the runner, the
//! manifest, the starters, the harnesses, the expected outputs the learner may see), the
//! learner's workflows, and a marker ([`TEMPLATE_MARKER`]); it leaves out the reference
//! solutions, the expected outputs of hidden argument sets (a learner who could read them
//! could print them), the runner's own tests and benches, and the teacher's own workflows.
//!
//! [`Baseline`] is what `learn grade` compares a submission's protected files with: the
//! template of the pristine course when the submission was made from one, so that what the
//! template leaves out is not listed as removed.
//!
//! Not here: what a template changes in the learner's commands (`learn solution` in
//! `commands.rs`; validation and withheld outputs in `course/`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anstream::println;
use toml_edit::{DocumentMut, Item, Table};

use crate::course::{Course, TEMPLATE_MARKER, is_student_template};
use crate::exit::{Error, Exit, Outcome};

/// Files and folders of the course repository copied as they are, where they exist (the
/// README is written for students instead: [`student_readme`]).
const COPIED: [&str; 12] = [
    "course",
    "src",
    "build.rs",
    "Cargo.lock",
    ".gitignore",
    ".vscode",
    ".devcontainer",
    "rust-analyzer.toml",
    ".cargo",
    "rust-toolchain",
    "rust-toolchain.toml",
    "LICENSE",
];

/// The workflows a learner's repository runs (the teacher's own, such as grade-class.yml,
/// stay with the teacher).
const WORKFLOWS: [&str; 2] = [
    ".github/workflows/learn.yml",
    ".github/workflows/classroom.yml",
];

/// Where a file of the template comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A copy of this file of the course.
    Copy(PathBuf),
    /// Text made for the template.
    Text(String),
}

/// Every file of the template, by path relative to its root.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The files.
    pub files: BTreeMap<PathBuf, Content>,
    /// What is left out: the solutions' folder and each withheld expected output.
    pub withheld: Vec<String>,
}

impl Layout {
    /// The template of `course`.
    pub fn of(course: &Course) -> std::io::Result<Layout> {
        let root = &course.root;
        let hidden: BTreeSet<PathBuf> = course
            .exercises
            .iter()
            .flat_map(|e| {
                e.arg_sets()
                    .into_iter()
                    .filter(|a| a.hidden)
                    .map(|a| e.snapshot_path(&a))
                    .collect::<Vec<_>>()
            })
            .collect();
        let generated = [Path::new("course/Cargo.toml"), Path::new(TEMPLATE_MARKER)];
        let mut relative = BTreeSet::new();
        for top in COPIED.iter().chain(&WORKFLOWS) {
            crate::tree::collect(root, Path::new(top), &mut relative)?;
        }
        let mut files = BTreeMap::new();
        for path in relative {
            if !hidden.contains(&path) && !generated.contains(&path.as_path()) {
                files.insert(path.clone(), Content::Copy(root.join(&path)));
            }
        }
        for exercise in &course.exercises {
            files.insert(
                exercise.path(),
                Content::Copy(root.join(exercise.starter_path())),
            );
        }
        let manifests: [(&str, Drop); 2] = [
            // The runner's benches need the solutions and its tests.
            ("Cargo.toml", ("bench", |_| true)),
            // The solutions' binaries, listed for rust-analyzer.
            (
                "course/Cargo.toml",
                ("bin", |bin| {
                    bin.get("path")
                        .and_then(Item::as_str)
                        .is_some_and(|path| path.contains("../solutions/"))
                }),
            ),
        ];
        for (path, drop) in manifests {
            match std::fs::read_to_string(root.join(path)) {
                Ok(text) => {
                    let text = drop_entries(&text, drop).map_err(|e| {
                        std::io::Error::new(std::io::ErrorKind::InvalidData, format!("{path}: {e}"))
                    })?;
                    files.insert(path.into(), Content::Text(text));
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        files.insert("README.md".into(), Content::Text(student_readme(course)));
        let mut withheld = vec!["solutions/".to_string()];
        withheld.extend(hidden.iter().map(|p| p.display().to_string()));
        files.insert(
            TEMPLATE_MARKER.into(),
            Content::Text(marker(course, &withheld)),
        );
        Ok(Layout { files, withheld })
    }

    /// Writes every file under `dir`.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        for (path, content) in &self.files {
            let target = dir.join(path);
            std::fs::create_dir_all(target.parent().expect("files are in a folder"))?;
            match content {
                Content::Copy(from) => std::fs::copy(from, &target).map(drop)?,
                Content::Text(text) => std::fs::write(&target, text)?,
            }
        }
        Ok(())
    }
}

/// The template's README, written for the students: how to start, the commands they use, and
/// how their work is graded (nothing of the teacher's: solutions, tests, benchmarks, grading).
fn student_readme(course: &Course) -> String {
    let chapters: String = course
        .chapters
        .iter()
        .map(|c| format!("- `{}`\n", c.name))
        .collect();
    format!(
        "# {title}\n\n\
         Your exercises are in `exercises/`, one small Rust program each. `learn` compiles yours, runs it\n\
         several times under perturbed schedules, checks its output and its rules, and unlocks the next.\n\n\
         ## Start\n\n\
         On Linux with Rust installed (rustup), or in a Codespace of this repository:\n\n\
         ```sh\ncargo run -- next\n```\n\n\
         It shows the first exercise, the file to open and a short lesson. Edit that file, then run\n\
         `cargo run -- next` again: when every check passes, the next exercise unlocks. `cargo run` alone\n\
         watches your file and checks it on every save.\n\n\
         | command | what it does |\n|---|---|\n\
         | `cargo run -- next` | checks the current exercise; if it passes, shows the next |\n\
         | `cargo run -- run [ID]` | builds, runs and checks an exercise |\n\
         | `cargo run -- hint [ID]` | the hint of an exercise |\n\
         | `cargo run -- list` | every exercise and your progress |\n\
         | `cargo run -- reset ID` | restores the starter (your version is kept in `.learn-backups/`) |\n\
         | `cargo run -- verify` | checks every exercise, one line each |\n\
         | `cargo run` | watch mode: re-checks your file on every save |\n\n\
         ## Chapters\n\n{chapters}\n\
         ## How your work is graded\n\n\
         Push your commits. Each push runs the checks of this repository (the Actions tab shows them):\n\
         that is feedback. Your teacher grades with the course's own checks, some of them with\n\
         arguments you do not see, at the last commit you pushed before the deadline, and the grade\n\
         appears on that commit (a status `learn/grade`, and a comment with the report). Only the files\n\
         in `exercises/` are graded: changing anything else changes nothing but is listed.\n\
         The reference solutions stay with your teacher.\n",
        title = course.title
    )
}

/// The marker's text: what the template is and what it leaves out.
fn marker(course: &Course, withheld: &[String]) -> String {
    let mut out = format!(
        "# A student template of \"{}\", made by `learn template`.\n\
         # The reference solutions and the expected outputs of hidden argument sets stay with\n\
         # the teacher: `learn solution` says so, and those outputs are checked when the teacher\n\
         # grades (`learn grade`), not here. Every other check runs here as in the course.\n\
         withheld = [\n",
        course.title.replace('"', "'")
    );
    for path in withheld {
        out.push_str(&format!("  \"{path}\",\n"));
    }
    out.push_str("]\n");
    out
}

/// Which entries of an array of tables a manifest of the template drops: the array's name
/// (`bin` for `[[bin]]`), and whether an entry goes.
type Drop = (&'static str, fn(&Table) -> bool);

/// `text` (a TOML file) without the entries of the array of tables that `drop` names and
/// refuses (the comments just above an entry's header go with it), the rest as it was.
fn drop_entries(text: &str, (array, goes): Drop) -> Result<String, toml_edit::TomlError> {
    let mut document: DocumentMut = text.parse()?;
    if let Some(entries) = document
        .get_mut(array)
        .and_then(Item::as_array_of_tables_mut)
    {
        entries.retain(|entry| !goes(entry));
        if entries.is_empty() {
            document.remove(array);
        }
    }
    Ok(document.to_string())
}

/// `learn template DIR`: writes the student template of `course` into `dir`, which must be
/// empty or not exist (nothing is overwritten).
pub fn command(course: &Course, dir: &Path) -> Outcome {
    let occupied = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
    if occupied || dir.is_file() {
        return Err(Error::usage(format!(
            "{} is not empty: learn template writes a new repository into an empty or new folder, and overwrites nothing",
            dir.display()
        )));
    }
    if is_student_template(&course.root) {
        return Err(Error::usage(format!(
            "{} is itself a student template: make the template from the teacher's course",
            course.root.display()
        )));
    }
    let layout = Layout::of(course).map_err(|e| Error::io("cannot read the course", e))?;
    layout
        .write_to(dir)
        .map_err(|e| Error::path("cannot write the template into", dir, e))?;
    println!(
        "Wrote the student template of {} into {}: {} files, the starters as exercises.",
        course.title,
        dir.display(),
        layout.files.len()
    );
    println!("Left with you (see {TEMPLATE_MARKER}):");
    for path in &layout.withheld {
        println!("  {path}");
    }
    println!(
        "Next: push it as the assignment's template repository (see \"Teaching a class\" in README.md)."
    );
    Ok(Exit::Success)
}

/// What `learn grade` compares a submission's protected files with: the pristine course, or
/// for a submission made from a student template, that template of the pristine course.
pub struct Baseline {
    pristine: PathBuf,
    template: Option<tempfile::TempDir>,
}

impl Baseline {
    /// The baseline of `course` for `submissions` (the template is laid out only when one of
    /// them is a student template).
    pub fn of(course: &Course, submissions: &[PathBuf]) -> std::io::Result<Baseline> {
        let template = if submissions.iter().any(|s| is_student_template(s)) {
            let dir = tempfile::tempdir()?;
            Layout::of(course)?.write_to(dir.path())?;
            Some(dir)
        } else {
            None
        };
        Ok(Baseline {
            pristine: course.root.clone(),
            template,
        })
    }

    /// The folder to compare `submission`'s protected files with.
    pub fn for_submission(&self, submission: &Path) -> &Path {
        match &self.template {
            Some(dir) if is_student_template(submission) => dir.path(),
            _ => &self.pristine,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_dropped_with_their_comments() {
        let text = "[package]\nname = \"x\"\n\n# a bench\n[[bench]]\nname = \"b\"\n\n# the solution\n[[bin]]\nname = \"s\"\npath = \"../solutions/s.rs\"\n\n[[bin]]\nname = \"e\"\npath = \"../exercises/e.rs\"\n";
        let out = drop_entries(text, ("bench", |_| true)).unwrap();
        let out = drop_entries(
            &out,
            ("bin", |bin| {
                bin.get("path")
                    .and_then(Item::as_str)
                    .is_some_and(|p| p.contains("solutions/"))
            }),
        )
        .unwrap();
        assert_eq!(
            out,
            "[package]\nname = \"x\"\n\n[[bin]]\nname = \"e\"\npath = \"../exercises/e.rs\"\n"
        );
    }
}
