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
use crate::invocation::Invocation;
use crate::settings::Settings;

/// The course's own Cargo package, relative to the course root.
pub const PACKAGE: &str = "course/Cargo.toml";

/// Whether the derived files are written, or only compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Say what is out of date, with the command that updates it as the learner typed
    /// `learn`; touch nothing.
    Compare(Invocation),
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
    let text = std::fs::read_to_string(&path).map_err(|e| Error::path("cannot read", &path, e))?;
    let (rebuilt, changes) =
        rebuild_bins(&text, &course_bins(course)).map_err(|problem| Error::Input {
            origin: path.display().to_string(),
            problem,
        })?;
    if mode == Mode::Write && !changes.is_empty() {
        crate::atomic::write(&path, &rebuilt).map_err(|e| Error::path("cannot write", path, e))?;
    }
    Ok(changes
        .into_iter()
        .map(|(wrong, fix)| Note::file(PACKAGE, mode.says(&wrong, fix)))
        .collect())
}

/// What [`update`] does about something out of date: `(done, to do)`.
type Fix = (&'static str, &'static str);

impl Mode {
    /// What is out of date (`wrong`), and what `update` did (writing) or would do about it.
    fn says(self, wrong: &str, (done, to_do): Fix) -> String {
        match self {
            Mode::Write => format!("{wrong}: {done}"),
            Mode::Compare(invocation) => {
                format!("{wrong} (`{} dev update` {to_do})", invocation.learn())
            }
        }
    }
}

/// The text of a package manifest whose `[[bin]]`s are its own ones, then `wanted`, with
/// everything else kept as it was (comments, layout, a bin's own extra keys), and what was
/// out of date with its fix; nothing, and the same text, when it is in step.
fn rebuild_bins(
    text: &str,
    wanted: &[(String, String)],
) -> Result<(String, Vec<(String, Fix)>), String> {
    let mut document: DocumentMut = text.parse().map_err(|e| format!("not valid TOML: {e}"))?;
    let bins = document
        .entry("bin")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()))
        .as_array_of_tables_mut()
        .ok_or("`bin` must be a list of [[bin]] tables")?;
    let present: Vec<(String, String)> = bins.iter().map(name_and_path).collect();
    let own = present.iter().filter(|(_, p)| !is_derived(p)).cloned();
    let order: Vec<(String, String)> = own.chain(wanted.iter().cloned()).collect();
    if present == order {
        return Ok((text.to_string(), Vec::new()));
    }
    let added = wanted.iter().filter(|bin| !present.contains(bin));
    let removed = present
        .iter()
        .filter(|bin| is_derived(&bin.1) && !wanted.contains(bin));
    let mut changes: Vec<(String, Fix)> = added
        .map(|(name, path)| {
            let wrong = format!("lacks [[bin]] {name} ({path})");
            (wrong, ("added", "adds it"))
        })
        .chain(removed.map(|(name, path)| {
            let wrong = format!("[[bin]] {name} ({path}) is of no exercise of the manifest");
            (wrong, ("removed", "removes it"))
        }))
        .collect();
    if changes.is_empty() {
        let wrong = "the [[bin]]s are out of course order (exercises, then solutions)".into();
        changes.push((wrong, ("put back in order", "orders them")));
    }
    // toml_edit writes tables in the order of their positions in the parsed file: the first
    // bin takes the place of the first one there, and the others follow it in list order.
    let first = bins.iter().filter_map(Table::position).min();
    let mut rebuilt = ArrayOfTables::new();
    for (i, bin) in order.iter().enumerate() {
        let kept = bins.iter().find(|table| name_and_path(table) == *bin);
        let mut table = kept.cloned().unwrap_or_else(|| bin_table(bin));
        table.set_position(if i == 0 { first } else { None });
        rebuilt.push(table);
    }
    *bins = rebuilt;
    Ok((document.to_string(), changes))
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
            .map_err(|e| Error::path("cannot read", &starter, e))?;
        let target = course.root.join(&copy);
        let what = if !target.exists() {
            format!("missing: a copy of {}", starter.display())
        } else if std::fs::read(&target).is_ok_and(|text| text == source.as_bytes()) {
            continue;
        } else {
            format!("differs from {}, its source of truth", starter.display())
        };
        let fix = ("copied from the starter", "copies it");
        if matches!(mode, Mode::Compare(_)) {
            changes.push(Note::file(copy, mode.says(&what, fix)));
            continue;
        }
        let kept = if target.exists() {
            let backup = backup::keep_copy(&course.root, exercise, &target).map_err(|source| {
                Error::BackUp {
                    path: copy.clone(),
                    source,
                }
            })?;
            format!(
                "; the version there is kept at {}",
                shown(&course.root, &backup)
            )
        } else {
            String::new()
        };
        write_copy(&target, &source)?;
        changes.push(Note::file(copy, mode.says(&what, fix) + &kept));
    }
    Ok(changes)
}

/// Writes `text` to `path` whole or not at all, making its folder.
fn write_copy(path: &Path, text: &str) -> Result<(), Error> {
    path.parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| crate::atomic::write(path, text))
        .map_err(|e| Error::path("cannot write", path, e))
}

/// `path` relative to `root` where it is inside it.
fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PACKAGE_TEXT: &str = "# The course's package.\n[package]\nname = \"c\"\n\n[[bin]]\nname = \"where-to-start\"\npath = \"where_to_start.rs\"\n\n[[bin]]\nname = \"01_a-x\"\npath = \"../exercises/01_a/x.rs\"\n\n[[bin]]\nname = \"solution-01_a-x\"\npath = \"../solutions/01_a/x.rs\"\n";

    fn bin(name: &str, path: &str) -> (String, String) {
        (name.to_string(), path.to_string())
    }

    fn course_of_x() -> Vec<(String, String)> {
        vec![
            bin("01_a-x", "../exercises/01_a/x.rs"),
            bin("solution-01_a-x", "../solutions/01_a/x.rs"),
        ]
    }

    #[test]
    fn bins_in_step_are_left_as_they_are() {
        let (text, changes) = rebuild_bins(PACKAGE_TEXT, &course_of_x()).unwrap();
        assert_eq!(changes, Vec::new());
        assert_eq!(text, PACKAGE_TEXT);
    }

    #[test]
    fn a_missing_bin_is_added_in_course_order_and_the_comments_stay() {
        let broken = PACKAGE_TEXT.replace(
            "[[bin]]\nname = \"01_a-x\"\npath = \"../exercises/01_a/x.rs\"\n\n",
            "",
        );
        let (text, changes) = rebuild_bins(&broken, &course_of_x()).unwrap();
        assert_eq!(text, PACKAGE_TEXT);
        let wrong: Vec<&str> = changes.iter().map(|(wrong, _)| wrong.as_str()).collect();
        assert_eq!(wrong, ["lacks [[bin]] 01_a-x (../exercises/01_a/x.rs)"]);
    }

    #[test]
    fn a_bin_of_no_exercise_is_removed_and_the_package_own_bins_kept() {
        let (text, changes) = rebuild_bins(PACKAGE_TEXT, &[]).unwrap();
        assert!(
            text.contains("where-to-start") && !text.contains("01_a-x"),
            "{text}"
        );
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(changes[0].0.contains("of no exercise"), "{changes:?}");
    }

    #[test]
    fn bins_out_of_order_are_put_back_in_course_order() {
        let mut reversed = course_of_x();
        reversed.reverse();
        let (text, _) = rebuild_bins(PACKAGE_TEXT, &reversed).unwrap();
        let (back, changes) = rebuild_bins(&text, &course_of_x()).unwrap();
        assert_eq!(back, PACKAGE_TEXT);
        assert!(changes[0].0.contains("course order"), "{changes:?}");
    }
}
