//! `learn dev new CHAPTER/NAME`: scaffolds an exercise in every place it needs: its entry in
//! the chapter's manifest (with an `output` check and the starter's declared failure), the
//! starter (in `course/starters/` and its copy in `exercises/`), a solution stub, the snapshot
//! of its default argument set, and its two `[[bin]]`s (through [`update`](super::update)).
//!
//! The starter compiles and fails (it prints nothing, the snapshot a placeholder line); the
//! solution is a `todo!()` marked for the author, so `learn dev check` names it failing until
//! it is written. Nothing is overwritten: an id that exists, or any file in the way, refuses
//! the whole scaffold before a file is written.
//!
//! Not here: a new chapter (course.toml, its file, the README's course map are written by hand).

use std::io::Write;
use std::path::{Path, PathBuf};

use anstream::println;

use super::update::{self, Mode};
use super::{Note, TODO};
use crate::course::manifest::{ArgSet, ChapterFile};
use crate::course::{Course, Exercise, valid_name};
use crate::exit::{Error, Exit, Outcome};
use crate::settings::Settings;

/// `learn dev new CHAPTER/NAME`.
pub fn new(settings: &Settings, id: &str) -> Outcome {
    let course = &settings.course;
    super::refuse_template(course)?;
    let exercise = planned(course, id)?;
    let files = files(&exercise);
    if let Some((path, _)) = files
        .iter()
        .find(|(path, _)| course.root.join(path).exists())
    {
        return Err(Error::usage(format!(
            "{} exists already: `{} dev new` never overwrites a file; move it away, or pick another name than {id}",
            path.display(),
            settings.invocation.learn()
        )));
    }
    let mut done = Vec::new();
    for (path, text) in &files {
        create(&course.root, path, text)?;
        done.push(Note::file(path, "created"));
    }
    let chapter = super::chapter_file(&exercise.chapter);
    append(&course.root.join(&chapter), &entry(&exercise.spec.name))?;
    done.push(Note::file(
        &chapter,
        format!("[[exercise]] {} added at the end", exercise.spec.name),
    ));
    let course = Course::load(&course.root).map_err(|e| {
        Error::usage(format!(
            "the scaffold of {id} does not load, which is a bug of `dev new`: {e}"
        ))
    })?;
    done.extend(update::derived(&course, Mode::Write)?);
    for note in &done {
        println!("{note}");
    }
    println!(
        "\nNext: write {} and its lesson (every {TODO}), the expected output in {}, then `{} dev check {id}`.",
        exercise.solution_path().display(),
        exercise.snapshot_path(&ArgSet::default_set()).display(),
        settings.invocation.learn()
    );
    Ok(Exit::Success)
}

/// The exercise `id` would be, from the very manifest entry `dev new` appends; refuses a
/// malformed id, an unknown chapter, an id that exists.
fn planned(course: &Course, id: &str) -> Result<Exercise, Error> {
    let Some((chapter, name)) = id
        .split_once('/')
        .filter(|(c, n)| valid_name(c) && valid_name(n))
    else {
        return Err(Error::usage(format!(
            "`{id}` is not an exercise id: CHAPTER/NAME, each of lowercase letters, digits and _ (01_threads/spawn_join)"
        )));
    };
    if !course.chapters.iter().any(|c| c.name == chapter) {
        let names: Vec<&str> = course.chapters.iter().map(|c| c.name.as_str()).collect();
        return Err(Error::usage(format!(
            "no chapter `{chapter}` in {}: it lists {}; a new chapter is added by hand (see course/README.md)",
            crate::course::MANIFEST,
            names.join(", ")
        )));
    }
    if let Some(existing) = course.exercises.iter().find(|e| e.id == id) {
        let line = super::line_of(&course.root, existing, "name")
            .map_or(String::new(), |l| format!(":{l}"));
        return Err(Error::usage(format!(
            "{id} exists already ({}{line})",
            super::chapter_file(chapter).display()
        )));
    }
    let file: ChapterFile = toml::from_str(&format!("title = \"\"\n{}", entry(name)))
        .map_err(|e| Error::usage(format!("the manifest entry of {id} does not parse: {e}")))?;
    let spec = file
        .exercises
        .into_iter()
        .next()
        .expect("the entry has one [[exercise]]");
    Ok(Exercise {
        id: id.to_string(),
        chapter: chapter.to_string(),
        spec,
    })
}

/// The manifest entry of a new exercise `name`, appended to its chapter's file.
fn entry(name: &str) -> String {
    format!(
        r#"
# --------------------------------------------------------------------------------------
[[exercise]]
name = "{name}"
title = "{TODO}: a short title"
points = 1
# What the starter must fail by (`learn dev check`): it prints nothing yet.
starter_fails_by = ["output"]
lesson = """
{TODO}: what the learner reads in `learn next`: the seed lesson's Python version, and
where Rust differs.
"""
hint = """
{TODO}: point at the fix without giving the whole solution.
"""

[[exercise.check]]
kind = "output"
"#
    )
}

/// The files of a new exercise, relative to the course root, with their text.
fn files(exercise: &Exercise) -> Vec<(PathBuf, String)> {
    let id = &exercise.id;
    let starter = format!(
        "// {TODO}: the title of {id}\n//\n// {TODO}: what the learner must do, and what is wrong now.\n\nfn main() {{\n    // TODO: print what the exercise asks for.\n}}\n"
    );
    let solution = format!(
        "// The reference solution of {id}.\n\nfn main() {{\n    todo!(\"{TODO}: the reference solution of {id}\");\n}}\n"
    );
    let snapshot_path = exercise.snapshot_path(&ArgSet::default_set());
    let snapshot = format!(
        "---\nsource: tests/solutions_match_snapshots.rs\ndescription: \"stdout of {} run with arguments [], normalised\"\n---\n{TODO}: the expected output of {id}\n",
        exercise.solution_path().display()
    );
    vec![
        (exercise.starter_path(), starter.clone()),
        (exercise.path(), starter),
        (exercise.solution_path(), solution),
        (snapshot_path, snapshot),
    ]
}

/// Creates `root/path` with `text`; fails rather than overwrite a file that appeared since.
fn create(root: &Path, path: &Path, text: &str) -> Result<(), Error> {
    let full = root.join(path);
    full.parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| {
            std::fs::File::options()
                .write(true)
                .create_new(true)
                .open(&full)
        })
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|e| Error::path("cannot create", path, e))
}

/// Appends `text` to the file at `path`, whole or not at all.
fn append(path: &Path, text: &str) -> Result<(), Error> {
    let old = std::fs::read_to_string(path).map_err(|e| Error::path("cannot read", path, e))?;
    crate::atomic::write(
        path,
        &format!("{}{text}", old.trim_end_matches('\n').to_owned() + "\n"),
    )
    .map_err(|e| Error::path("cannot write", path, e))
}
