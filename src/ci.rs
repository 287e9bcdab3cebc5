//! Grading in CI: what `learn verify` and `learn grade` share there (reports to write, exit 0
//! whatever the verdict, annotations and stop-commands inside GitHub Actions), and `learn
//! grade` itself: a learner's submission graded by a pristine course, so that checks,
//! snapshots or harnesses edited in a fork change nothing (the report lists those edits).
//!
//! Not here: the reports' formats (`src/report/`) and grading itself (`src/grade/`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anstream::{eprintln, print, println};

use crate::build::CompileError;
use crate::class;
use crate::course::{Course, CourseError, Exercise};
use crate::exit::{Error, Exit, Outcome};
use crate::grade::{Event, GradeOutcome, Grader, Source, Verdict};
use crate::report::scored::{ChangeKind, ProtectedChange, Scored, missing_text};
use crate::report::target::{Options, write_report};
use crate::report::{github, terminal};
use crate::settings::{CiEnvironment, Settings};
use crate::template;
use crate::tree;

/// The files of a course repository that a learner has no reason to change: the manifest,
/// snapshots, starters and harnesses (`course/`), the solutions, the runner and its tests, its
/// build configuration and the CI workflows. Paths relative to the repository root.
pub const PROTECTED: [&str; 11] = [
    "course",
    "solutions",
    "tests",
    "src",
    ".github",
    ".cargo",
    "Cargo.toml",
    "Cargo.lock",
    "build.rs",
    "rust-toolchain",
    "rust-toolchain.toml",
];

/// One grading as CI sees it: lines while it runs, then the conclusion and the reports.
pub struct Reporting<'o> {
    options: &'o Options,
    ci: &'o CiEnvironment,
    name: String,
    missing: Vec<String>,
}

impl<'o> Reporting<'o> {
    /// A grading writing the reports `options` asks for, in the CI job `ci`.
    pub fn new(options: &'o Options, ci: &'o CiEnvironment) -> Reporting<'o> {
        Reporting {
            options,
            ci,
            name: "exercises".to_string(),
            missing: Vec::new(),
        }
    }

    /// The same, for the submission `name` (its row in the gradebook), which lacks the files
    /// of the exercises `missing` names.
    pub fn of_submission(mut self, name: &str, missing: Vec<String>) -> Reporting<'o> {
        self.name = name.to_string();
        self.missing = missing;
        self
    }

    /// Called with each verdict as soon as it is known: its line. Inside GitHub Actions the
    /// lines wait for [`Reporting::conclude`], which prints them between stop-commands markers
    /// drawn only then, when no learner's program is running any more.
    pub fn progress(&self, verdict: &Verdict) {
        if !self.ci.github_actions {
            println!("{}", self.line(verdict));
        }
    }

    /// A verdict's line; a missing exercise's says so (its verdict has nothing compiled).
    fn line(&self, verdict: &Verdict) -> String {
        if self.missing.contains(&verdict.id) {
            format!("✗ {}  missing: {}", verdict.id, missing_text(&verdict.file))
        } else {
            terminal::verify_line(verdict)
        }
    }

    /// Prints the conclusion (with each failure explained for `grade`, given `changes`, and
    /// inside GitHub Actions, where nobody can `learn run` it), writes the reports, and tells
    /// how to exit: success when everything passed or `--exit-zero` was given; an error when
    /// a report cannot be written.
    pub fn conclude(
        &self,
        course: &Course,
        verdicts: &[Verdict],
        changes: Option<&[ProtectedChange]>,
    ) -> Outcome {
        let scored = Scored::new(course, verdicts, changes).with_missing(&self.missing);
        let mut shaped_by_learner = String::new();
        if self.ci.github_actions {
            shaped_by_learner.extend(verdicts.iter().map(|v| format!("{}\n", self.line(v))));
        }
        if self.ci.github_actions || changes.is_some() {
            shaped_by_learner.extend(
                verdicts
                    .iter()
                    .filter(|v| !v.passed() && !self.missing.contains(&v.id))
                    .map(|v| format!("\n{}", terminal::verdict(v))),
            );
        }
        if self.ci.github_actions {
            print!("{}", github::stop_commands(&shaped_by_learner));
            print!("{}", github::annotations(&scored));
        } else {
            print!("{shaped_by_learner}");
        }
        if let Some(changes) = changes {
            print!("{}", protected_list(changes));
        }
        let not_judged = match scored.not_judged() {
            0 => String::new(),
            n => format!(
                " ({n} of them not judged: no rule broken, but this machine could not judge every rule (too busy, or too few cores: each says why); no points until judged)"
            ),
        };
        let warned: Vec<usize> = verdicts
            .iter()
            .map(|v| v.warnings.len())
            .filter(|&n| n > 0)
            .collect();
        let warnings = match warned.len() {
            0 => String::new(),
            n => format!(
                "; {} from rustc in {}",
                crate::plural::of(warned.iter().sum(), "warning", "warnings"),
                crate::plural::of(n, "exercise", "exercises")
            ),
        };
        println!(
            "\n{} passed, {} failed{not_judged}{warnings}",
            scored.passed(),
            verdicts.len() - scored.passed()
        );
        println!("Score: {}/{} points", scored.score(), scored.max_score());
        for target in &self.options.reports {
            write_report(target, &self.name, &scored, self.ci.step_summary())?;
        }
        let course_error = verdicts
            .iter()
            .any(|v| matches!(v.outcome, GradeOutcome::CourseError(_)));
        Ok(
            if self.options.exit_zero || scored.passed() == verdicts.len() {
                Exit::Success
            } else if course_error {
                // Not the program's fault: a missing snapshot, a broken manifest entry.
                Exit::Usage
            } else {
                Exit::Failed
            },
        )
    }
}

fn protected_list(changes: &[ProtectedChange]) -> String {
    if changes.is_empty() {
        return "\nNo protected file was changed.\n".to_string();
    }
    let mut out = String::from(
        "\nProtected files the submission changed (graded with the pristine course's versions instead):\n",
    );
    for change in changes {
        out.push_str(&format!(
            "  {:<8} {}\n",
            change.kind.as_str(),
            change.path.display()
        ));
    }
    out
}

/// `learn grade`: grades each submission's `exercises/CHAPTER/NAME.rs` (of the exercises
/// `ids` name, or all), and nothing else of it, with `course` (manifest, snapshots, harnesses,
/// runner), which must be a pristine checkout. Every file of every submission is built in one
/// cargo invocation and graded on one shared machine budget; one submission is concluded as
/// `learn verify` would be, a class (`as_class`, whatever its size) as [`class`] says.
pub fn grade(
    settings: &Settings,
    ids: &[String],
    submissions: &[PathBuf],
    as_class: bool,
    options: &Options,
) -> Outcome {
    let (submissions, course, target_dir, options) =
        absolute_paths(submissions, &settings.course, &settings.target_dir, options)?;
    let names = class::names(&submissions)?;
    // cargo and rustup read their configuration (`.cargo/config.toml`, `rust-toolchain.toml`)
    // from the working directory upwards: from the pristine course's, never the submission's.
    std::env::set_current_dir(&course.root)
        .map_err(|e| Error::path("cannot work in", &course.root, e))?;
    let chosen = chosen(&course, ids)?;
    let baseline = template::Baseline::of(&course, &submissions)
        .map_err(|e| Error::io("cannot lay out the student template", e))?;
    let mut graded = Vec::new();
    let mut refusals: Vec<Vec<Verdict>> = Vec::new();
    let mut items = Vec::new();
    for (submission, name) in submissions.iter().zip(names) {
        let changes =
            protected_changes(baseline.for_submission(submission), submission).map_err(|e| {
                Error::io(
                    format!("cannot compare {} with the course", submission.display()),
                    e,
                )
            })?;
        let mut present: Vec<(&Exercise, Source)> = Vec::new();
        let mut refused_here = Vec::new();
        let mut missing = Vec::new();
        for &exercise in &chosen {
            let file = submission.join(exercise.path());
            // Before `is_file`, which follows a symbolic link.
            match refusal(submission, &exercise.path()) {
                Some(headline) => refused_here.push(refused(exercise, headline)),
                None if file.is_file() => present.push((exercise, Source::File(file))),
                None => missing.push(exercise.id.clone()),
            }
        }
        refusals.push(refused_here);
        graded.push(class::Graded {
            name,
            root: submission.clone(),
            changes,
            missing,
            verdicts: Vec::new(),
        });
        items.extend(present);
    }
    let one = !as_class && graded.len() == 1;
    let session = match &graded[..] {
        [submission] if one => Reporting::new(&options, &settings.ci)
            .of_submission(&submission.name, submission.missing.clone()),
        _ => Reporting::new(&options, &settings.ci),
    };
    eprintln!(
        "Grading the exercises of {} with the course at {}",
        if one {
            graded[0].root.display().to_string()
        } else {
            format!("{} submissions", graded.len())
        },
        course.root.display()
    );
    if one {
        for id in &graded[0].missing {
            let exercise = course.exercise(id).expect("chosen from the course");
            session.progress(&missing(exercise));
        }
        for verdict in &refusals[0] {
            session.progress(verdict);
        }
    }
    let verdicts = if items.is_empty() {
        Vec::new()
    } else {
        eprintln!(
            "Building {}…",
            crate::plural::of(items.len(), "exercise file", "exercise files")
        );
        let progress = std::sync::Mutex::new(class::Progress::new(&graded, chosen.len()));
        let events = |event: Event| {
            if let Event::Verdict(v) = event {
                if one {
                    session.progress(v);
                } else {
                    progress.lock().unwrap_or_else(|e| e.into_inner()).graded();
                }
            }
        };
        let grader = Grader::new(&course, target_dir)
            .jobs(settings.jobs)
            .toolchain(settings.toolchain.clone())
            .events(&events, false);
        let graded = grader.grade(&items);
        // The submissions' programs do not stay in the build folder; the dependencies do.
        grader.forget(&items);
        graded?
    };
    let mut verdicts = verdicts.into_iter();
    for (submission, refused) in graded.iter_mut().zip(&refusals) {
        let mut own = verdicts
            .by_ref()
            .take(chosen.len() - submission.missing.len() - refused.len())
            .map(|v| relocated(v, &submission.root, &course.root))
            .peekable();
        submission.verdicts = chosen
            .iter()
            .map(|e| {
                own.next_if(|v| v.id == e.id).unwrap_or_else(|| {
                    refused
                        .iter()
                        .find(|v| v.id == e.id)
                        .cloned()
                        .unwrap_or_else(|| missing(e))
                })
            })
            .collect();
    }
    if one {
        session.conclude(&course, &graded[0].verdicts, Some(&graded[0].changes))
    } else {
        class::conclude(&course, &graded, &options, settings.ci.step_summary())
    }
}

/// The exercises `ids` name (all when none), in course order.
fn chosen<'c>(course: &'c Course, ids: &[String]) -> Result<Vec<&'c Exercise>, CourseError> {
    course.chosen(ids)
}

/// Everything `grade` works with, its paths made absolute before it changes folder.
fn absolute_paths(
    submissions: &[PathBuf],
    course: &Course,
    target_dir: &Path,
    options: &Options,
) -> Result<(Vec<PathBuf>, Course, PathBuf, Options), Error> {
    let absolute = |path: &Path| {
        std::path::absolute(path).map_err(|e| Error::io(path.display().to_string(), e))
    };
    let canonical = |path: &Path, no_such: &'static str| {
        std::fs::canonicalize(path).map_err(|e| Error::path(no_such, path, e))
    };
    let submissions = submissions
        .iter()
        .map(|s| {
            canonical(
                s,
                "no submission (the folder of the learner's repository) at",
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let course = Course {
        root: canonical(&course.root, "no course at")?,
        ..course.clone()
    };
    let mut options = options.clone();
    for target in &mut options.reports {
        target.path = absolute(&target.path)?;
    }
    Ok((submissions, course, absolute(target_dir)?, options))
}

/// The verdict on an exercise whose file the submission lacks (its reports say `missing`:
/// see [`Scored::with_missing`]).
fn missing(exercise: &Exercise) -> Verdict {
    let headline = missing_text(&exercise.path());
    let rendered = format!(
        "error: {headline}: restore its starter with `learn reset {}` and solve it\n",
        exercise.id
    );
    not_built(exercise, headline, rendered)
}

/// The verdict on an exercise whose file `learn grade` refuses to compile (see [`refusal`]).
fn refused(exercise: &Exercise, headline: String) -> Verdict {
    let rendered = format!(
        "error: {headline}\n  = rule: the graded file is compiled alone: it must be a plain file that pulls no other file in\n  = hint: write the whole exercise in {} itself\n",
        exercise.path().display()
    );
    not_built(exercise, headline, rendered)
}

/// Why `learn grade` refuses the submission's file at `relative` (a path such as
/// `exercises/01_threads/spawn_join.rs`), if it does: a symbolic link anywhere on the way
/// (the file, or a folder of the path), or a file whose code pulls another file in at compile
/// time (see [`compile_time_reach`]).
pub fn refusal(submission: &Path, relative: &Path) -> Option<String> {
    let mut path = submission.to_path_buf();
    for part in relative.components() {
        path.push(part);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Some(format!(
                "{} is a symbolic link, not a file: only the submission's own files are graded",
                relative.display()
            ));
        }
    }
    let text = std::fs::read_to_string(&path).ok()?;
    compile_time_reach(&text).map(|what| format!("{}: {what}", relative.display()))
}

/// What in `code` (comments, strings and character literals aside) would make rustc read
/// another file: `include!`, `include_str!`, `include_bytes!` (also renamed by a `use`, or
/// named inside a macro), a `path` attribute (`#[path = …]`, also in `cfg_attr`), or a
/// module declared without a body (`mod x;`, read from another file).
pub fn compile_time_reach(code: &str) -> Option<String> {
    use std::sync::LazyLock;
    static INCLUDE: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"\b(include|include_str|include_bytes)\b").expect("valid")
    });
    static PATH_ATTRIBUTE: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"#\s*!?\s*\[[^\]]*\bpath\s*=").expect("valid"));
    static OUTLINE_MOD: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"\bmod\s+(r#)?[A-Za-z_][A-Za-z0-9_]*\s*;").expect("valid")
    });
    let code = without_comments_and_literals(code);
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    if let Some(m) = INCLUDE.find(&code) {
        return Some(format!(
            "line {}: `{}` pulls another file in at compile time, which grading refuses",
            line_of(m.start()),
            m.as_str()
        ));
    }
    if let Some(m) = PATH_ATTRIBUTE.find(&code) {
        return Some(format!(
            "line {}: a `path` attribute makes rustc read another file as a module, which grading refuses",
            line_of(m.start())
        ));
    }
    if let Some(m) = OUTLINE_MOD.find(&code) {
        return Some(format!(
            "line {}: `{}` reads a module from another file, which grading refuses (write `mod name {{ … }}` inline)",
            line_of(m.start()),
            m.as_str()
        ));
    }
    None
}

/// `code` with its comments, string literals and character literals blanked (newlines kept,
/// so line numbers hold).
fn without_comments_and_literals(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    let mut out = String::with_capacity(code.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let rest = &chars[i..];
        if rest.starts_with(&['/', '/']) {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if rest.starts_with(&['/', '*']) {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i..].starts_with(&['/', '*']) {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i..].starts_with(&['*', '/']) {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(rest) {
            // r"…", r#"…"#, br"…": ends at a quote followed by as many #.
            let open = rest.iter().position(|&c| c == '"').unwrap_or(0) + 1;
            for _ in 0..open {
                out.push(' ');
            }
            i += open;
            while i < chars.len() {
                let closing = chars[i] == '"'
                    && chars[i + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&c| c == '#')
                        .count()
                        == hashes;
                if closing {
                    for _ in 0..=hashes {
                        out.push(' ');
                    }
                    i += hashes + 1;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
        } else if chars[i] == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                let width = if chars[i] == '\\' { 2 } else { 1 };
                for c in chars[i..(i + width).min(chars.len())].iter() {
                    out.push(blank(*c));
                }
                i += width;
            }
            out.push(' ');
            i += 1;
        } else if chars[i] == '\'' && is_char_literal(rest) {
            let end = rest[1..]
                .iter()
                .position(|&c| c == '\'')
                .map_or(1, |p| p + 2);
            let end = if rest.get(1) == Some(&'\\') {
                rest[3..]
                    .iter()
                    .position(|&c| c == '\'')
                    .map_or(2, |p| p + 4)
            } else {
                end
            };
            for _ in 0..end {
                out.push(' ');
            }
            i += end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The number of `#` of a raw string starting at `rest` (`r"`, `r#"`, `br"`), if one does.
fn raw_string_start(rest: &[char]) -> Option<usize> {
    let after_b = if rest.first() == Some(&'b') || rest.first() == Some(&'c') {
        &rest[1..]
    } else {
        rest
    };
    if after_b.first() != Some(&'r') {
        return None;
    }
    let hashes = after_b[1..].iter().take_while(|&&c| c == '#').count();
    (after_b.get(1 + hashes) == Some(&'"')).then_some(hashes)
}

/// Whether the `'` at the start of `rest` opens a character literal (`'x'`, `'\n'`,
/// `'\''`) rather than a lifetime (`'a`).
fn is_char_literal(rest: &[char]) -> bool {
    match rest.get(1) {
        Some('\\') => true,
        Some(_) => rest.get(2) == Some(&'\''),
        None => false,
    }
}

/// A verdict on an exercise whose file was never built, with a compile error's message.
fn not_built(exercise: &Exercise, headline: String, rendered: String) -> Verdict {
    Verdict::new(
        &exercise.id,
        exercise.path(),
        GradeOutcome::CompileError(CompileError {
            rendered,
            location: None,
            headline,
        }),
    )
}

/// `verdict` with the submission's paths written relative to it, as in the learner's
/// repository: the build already wrote them relative to the course root, where they are in it.
fn relocated(mut verdict: Verdict, submission: &Path, course_root: &Path) -> Verdict {
    let mut prefixes = vec![format!("{}/", submission.display())];
    prefixes.extend(
        submission
            .strip_prefix(course_root)
            .ok()
            .map(|inside| format!("{}/", inside.display())),
    );
    let relative = |text: &str| {
        prefixes.iter().fold(text.to_string(), |text, prefix| {
            text.replace(prefix.as_str(), "")
        })
    };
    verdict.file = PathBuf::from(relative(&verdict.file.display().to_string()));
    match &mut verdict.outcome {
        GradeOutcome::CompileError(e) => {
            e.rendered = relative(&e.rendered);
            if let Some((file, _, _)) = &mut e.location {
                *file = relative(file);
            }
        }
        GradeOutcome::Failed(run) => {
            for line in &mut run.record.stderr {
                line.text = relative(&line.text);
            }
        }
        _ => {}
    }
    verdict
}

/// The [`PROTECTED`] files that differ between the pristine course and the submission.
pub fn protected_changes(
    pristine: &Path,
    submission: &Path,
) -> std::io::Result<Vec<ProtectedChange>> {
    let (before, after) = (protected_files(pristine)?, protected_files(submission)?);
    let mut changes = Vec::new();
    for path in before.union(&after) {
        let kind = match (before.contains(path), after.contains(path)) {
            (true, false) => ChangeKind::Removed,
            (false, true) => ChangeKind::Added,
            _ if content(&pristine.join(path)) != content(&submission.join(path)) => {
                ChangeKind::Changed
            }
            _ => continue,
        };
        changes.push(ProtectedChange {
            path: path.clone(),
            kind,
        });
    }
    Ok(changes)
}

/// Every file under the protected paths of `root`, relative to it.
fn protected_files(root: &Path) -> std::io::Result<BTreeSet<PathBuf>> {
    let mut files = BTreeSet::new();
    for top in PROTECTED {
        tree::collect(root, Path::new(top), &mut files)?;
    }
    Ok(files)
}

/// A file's bytes, or a symbolic link's target.
fn content(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok().or_else(|| {
        std::fs::read_link(path)
            .ok()
            .map(|target| target.into_os_string().into_encoded_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_that_reads_another_file_at_compile_time_is_named_with_its_line() {
        let refused = [
            (
                "fn main() {}\ninclude!(\"/x/s.rs\");",
                "line 2: `include` pulls",
            ),
            (
                "const S: &str = std::include_str!(\"a.snap\");",
                "`include_str` pulls",
            ),
            (
                "use std::include_bytes as b;\nfn main() {}",
                "`include_bytes` pulls",
            ),
            (
                "macro_rules! m { ($i:ident) => { $i!(\"x\") } }\nm!(include);",
                "`include` pulls",
            ),
            (
                "#[path = \"/x/s.rs\"]\nmod s;",
                "line 1: a `path` attribute",
            ),
            (
                "#[cfg_attr(all(), path = \"/x\")]\nmod s {}",
                "a `path` attribute",
            ),
            (
                "mod helpers;\nfn main() {}",
                "line 1: `mod helpers;` reads a module",
            ),
            ("let c = '\"'; include!(\"x\");", "`include` pulls"),
        ];
        for (code, said) in refused {
            let why = compile_time_reach(code).unwrap_or_else(|| panic!("not refused: {code}"));
            assert!(why.contains(said), "{code}: {why}");
        }
        let allowed = [
            "// include!(\"x\") in a comment\nfn main() {}",
            "/* #[path = \"x\"] /* nested */ mod x; */ fn main() {}",
            "fn main() { println!(\"include!(x) mod y; #[path = z]\"); }",
            "fn main() { let s = r#\"include!(\"x\")\"#; }",
            "fn f<'a>(x: &'a str) -> &'a str { x }\nmod inline { pub fn g() {} }",
            "fn main() { let included = 1; let path = 2; }",
        ];
        for code in allowed {
            assert_eq!(compile_time_reach(code), None, "{code}");
        }
    }

    #[test]
    fn no_file_of_the_course_is_refused_as_reaching_another_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut stack: Vec<PathBuf> = [
            "solutions",
            "exercises",
            "course/starters",
            "tests/fixtures",
        ]
        .iter()
        .map(|d| root.join(d))
        .collect();
        let mut seen = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    if !path.ends_with("hostile") {
                        stack.push(path);
                    }
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    assert_eq!(compile_time_reach(&text), None, "{}", path.display());
                    seen += 1;
                }
            }
        }
        assert!(seen > 80, "only {seen} files found");
    }

    #[test]
    fn a_symbolic_link_on_the_way_to_the_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        std::fs::create_dir_all(real.join("01_threads")).unwrap();
        std::fs::write(real.join("01_threads/x.rs"), "fn main() {}").unwrap();
        std::os::unix::fs::symlink(&real, dir.path().join("exercises")).unwrap();
        let why = refusal(dir.path(), Path::new("exercises/01_threads/x.rs")).unwrap();
        assert!(why.contains("is a symbolic link, not a file"), "{why}");
        assert_eq!(refusal(dir.path(), Path::new("real/01_threads/x.rs")), None);
    }

    #[test]
    fn protected_changes_name_added_changed_and_removed_files() {
        let (pristine, fork) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for dir in [pristine.path(), fork.path()] {
            std::fs::create_dir_all(dir.join("course/snapshots")).unwrap();
            std::fs::create_dir_all(dir.join("exercises")).unwrap();
            std::fs::write(dir.join("course/course.toml"), "same").unwrap();
            std::fs::write(dir.join("exercises/a.rs"), format!("{}", dir.display())).unwrap();
        }
        std::fs::write(pristine.path().join("course/snapshots/a.snap"), "expected").unwrap();
        std::fs::write(
            fork.path().join("course/snapshots/a.snap"),
            "what my program prints",
        )
        .unwrap();
        std::fs::write(pristine.path().join("Cargo.lock"), "lock").unwrap();
        std::fs::create_dir_all(fork.path().join(".github/workflows")).unwrap();
        std::fs::write(fork.path().join(".github/workflows/learn.yml"), "on: push").unwrap();
        let changes = protected_changes(pristine.path(), fork.path()).unwrap();
        let seen: Vec<(String, ChangeKind)> = changes
            .iter()
            .map(|c| (c.path.display().to_string(), c.kind))
            .collect();
        assert_eq!(
            seen,
            [
                (".github/workflows/learn.yml".to_string(), ChangeKind::Added),
                ("Cargo.lock".to_string(), ChangeKind::Removed),
                ("course/snapshots/a.snap".to_string(), ChangeKind::Changed),
            ]
        );
    }
}
