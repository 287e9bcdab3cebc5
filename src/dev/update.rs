//! `learn dev update`: regenerates what is derived, and says what it changed; a second run
//! changes nothing.
//!
//! - `course/Cargo.toml`'s `[[bin]]` list (for rust-analyzer): one binary per exercise, then one
//!   per solution, in course order, after the bins that are not the course's (`where-to-start`),
//!   edited with `toml_edit` so that its comments and layout stay.
//! - `exercises/CHAPTER/NAME.rs`, the learner's copy of each starter. The source of truth is
//!   `course/starters/`: it is what `learn` embeds (build.rs), what `learn reset` restores,
//!   what `learn template` hands out and `learn verify --files starters` grades. A copy that
//!   differs is kept under `.learn-backups/` before it is replaced, and the note says where.
//!
//! Not here: the snapshots (the solutions' outputs: `cargo insta test --review`), nor anything
//! a person writes (the manifest, starters, solutions, harnesses).

use std::path::Path;

use anstream::println;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use super::Note;
use crate::backup;
use crate::course::Course;
use crate::exit::{Error, Exit, Outcome};
use crate::invocation;
use crate::settings::Settings;

/// The course's own Cargo package, relative to the course root.
pub const PACKAGE: &str = "course/Cargo.toml";

/// Whether the derived files are written, or only compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Say what is out of date; touch nothing.
    Compare,
    /// Bring it up to date.
    Write,
}

/// `learn dev update`.
pub fn update(settings: &Settings) -> Outcome {
    let course = &settings.course;
    super::refuse_template(course)?;
    let changes = derived(course, Mode::Write)?;
    if changes.is_empty() {
        println!("Nothing to do: {PACKAGE} and the starter copies in exercises/ are up to date.");
    }
    for change in &changes {
        println!("{change}");
    }
    Ok(Exit::Success)
}

/// What is out of date in the derived files of `course` (written, with [`Mode::Write`]): one
/// note per change.
pub(super) fn derived(course: &Course, mode: Mode) -> Result<Vec<Note>, Error> {
    let mut changes = bins(course, mode)?;
    changes.extend(starter_copies(course, mode)?);
    Ok(changes)
}

/// The `[[bin]]`s `course/Cargo.toml` lists for the course: `(name, path)`.
fn course_bins(course: &Course) -> Vec<(String, String)> {
    let exercises = course
        .exercises
        .iter()
        .map(|e| (e.id.replace('/', "-"), format!("../{}", e.path().display())));
    let solutions = course.exercises.iter().map(|e| {
        (
            format!("solution-{}", e.id.replace('/', "-")),
            format!("../{}", e.solution_path().display()),
        )
    });
    exercises.chain(solutions).collect()
}

/// Whether a `[[bin]]` path is one of the course's exercises or solutions (derived), rather
/// than a binary of the package's own.
fn is_derived(path: &str) -> bool {
    path.starts_with("../exercises/") || path.starts_with("../solutions/")
}

/// The name and path of a `[[bin]]` table.
fn name_and_path(table: &Table) -> (String, String) {
    let field = |key| {
        table
            .get(key)
            .and_then(Item::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (field("name"), field("path"))
}

/// Brings `course/Cargo.toml`'s `[[bin]]` list in step with the manifest.
fn bins(course: &Course, mode: Mode) -> Result<Vec<Note>, Error> {
    let path = course.root.join(PACKAGE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error(format!("{}: cannot read: {e}", path.display())))?;
    let mut document: DocumentMut = text
        .parse()
        .map_err(|e| Error(format!("{}: not valid TOML: {e}", path.display())))?;
    let bins = document
        .entry("bin")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or_else(|| {
            Error(format!(
                "{}: `bin` must be a list of [[bin]] tables",
                path.display()
            ))
        })?;
    let present: Vec<(String, String)> = bins.iter().map(name_and_path).collect();
    let wanted = course_bins(course);
    let own = present.iter().filter(|(_, p)| !is_derived(p)).cloned();
    let order: Vec<(String, String)> = own.chain(wanted.iter().cloned()).collect();
    if present == order {
        return Ok(Vec::new());
    }
    let mut changes: Vec<Note> = wanted
        .iter()
        .filter(|bin| !present.contains(bin))
        .map(|(name, bin_path)| Note::file(PACKAGE, format!("[[bin]] {name} ({bin_path}) added")))
        .collect();
    changes.extend(
        present
            .iter()
            .filter(|bin| is_derived(&bin.1) && !wanted.contains(bin))
            .map(|(name, bin_path)| {
                Note::file(
                    PACKAGE,
                    format!("[[bin]] {name} ({bin_path}) removed: no exercise of the manifest"),
                )
            }),
    );
    if changes.is_empty() {
        changes.push(Note::file(
            PACKAGE,
            "[[bin]]s put back in course order (exercises, then solutions)",
        ));
    }
    if mode == Mode::Write {
        let mut rebuilt = ArrayOfTables::new();
        for bin in &order {
            let kept = bins.iter().find(|table| name_and_path(table) == *bin);
            rebuilt.push(kept.cloned().unwrap_or_else(|| bin_table(bin)));
        }
        *bins = rebuilt;
        crate::atomic::write(&path, &document.to_string())
            .map_err(|e| Error(format!("{}: cannot write: {e}", path.display())))?;
    }
    Ok(changes)
}

/// A new `[[bin]]` table, set apart by a blank line as the others are.
fn bin_table((name, path): &(String, String)) -> Table {
    let mut table = Table::new();
    table.decor_mut().set_prefix("\n");
    table["name"] = value(name.as_str());
    table["path"] = value(path.as_str());
    table
}

/// Brings each `exercises/CHAPTER/NAME.rs` in step with its starter.
fn starter_copies(course: &Course, mode: Mode) -> Result<Vec<Note>, Error> {
    let mut changes = Vec::new();
    for exercise in &course.exercises {
        let (starter, copy) = (exercise.starter_path(), exercise.path());
        let source = std::fs::read_to_string(course.root.join(&starter))
            .map_err(|e| Error(format!("{}: cannot read: {e}", starter.display())))?;
        let target = course.root.join(&copy);
        let what = if !target.exists() {
            format!("missing: a copy of {}", starter.display())
        } else if std::fs::read(&target).is_ok_and(|text| text == source.as_bytes()) {
            continue;
        } else {
            format!("differs from {}, its source of truth", starter.display())
        };
        if mode == Mode::Compare {
            changes.push(Note {
                path: copy,
                line: None,
                what: format!("{what} (`{} dev update` copies it)", invocation::learn()),
            });
            continue;
        }
        let kept = if target.exists() {
            let backup = backup::keep_copy(&course.root, exercise, &target).map_err(|e| {
                Error(format!(
                    "{}: cannot keep a copy before replacing it: {e}",
                    copy.display()
                ))
            })?;
            format!(
                "; the version there is kept at {}",
                shown(&course.root, &backup)
            )
        } else {
            String::new()
        };
        write_copy(&target, &source)?;
        changes.push(Note {
            path: copy,
            line: None,
            what: format!("{what}: copied from the starter{kept}"),
        });
    }
    Ok(changes)
}

/// Writes `text` to `path` whole or not at all, making its folder.
fn write_copy(path: &Path, text: &str) -> Result<(), Error> {
    path.parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| crate::atomic::write(path, text))
        .map_err(|e| Error(format!("{}: cannot write: {e}", path.display())))
}

/// `path` relative to `root` where it is inside it.
fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}
