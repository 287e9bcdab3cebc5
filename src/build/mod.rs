//! Building exercises with cargo. `learn` never builds `course/Cargo.toml` itself: it writes
//! an equivalent package (the same dependencies and Cargo.lock) whose binaries point at exactly
//! the files being graded (the learner's, a solution, a pristine starter, a fixture, or a
//! harness wrapped around one of them), builds every binary needed in one cargo invocation
//! into `target/learn/`, and reads cargo's JSON messages to tell each binary's fate.
//!
//! Each file is built from a copy of its bytes at a content-addressed path (`sources/`), alone
//! in its folder, with `unsafe_code` forbidden: the binary graded is built from exactly the
//! bytes graded, whatever their mtime, and the learner's code can neither run before a
//! harness's `main` nor read its memory.
//!
//! Two build [`Backend`]s: [`Cargo`], and watch mode's [`replay`] of the rustc commands cargo
//! ran (rebuilding a saved file without cargo's own startup).

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::io::BufReader;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;

mod probe;
pub mod replay;
pub mod shuttle;

use cargo_metadata::Message;

use crate::atomic;
use thiserror::Error;

/// What the harness prints before the secret.
pub const PROOF_PREFIX: &str = "LEARN-HARNESS-PROOF ";

/// The module every harness wrapper gets (after `mod exercise;`): a harness's `main` starts
/// with `let proof = learn_harness::Proof::take();` and ends with `proof.confirm();`.
pub const PROOF_MODULE: &str = r#"
/// The harness's proof that it ran to its end (see learn's src/checks/harness.rs, which checks it).
mod learn_harness {
    /// The secret the runner wrote on stdin; its field is private to this module.
    pub struct Proof(String);

    impl Proof {
        /// Reads stdin to its end: call it first thing in `main`, before any learner code.
        pub fn take() -> Proof {
            let mut secret = String::new();
            let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut secret);
            Proof(secret.trim().to_string())
        }

        /// Prints the proof: call it last, once every rule held.
        pub fn confirm(self) {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "LEARN-HARNESS-PROOF {}", self.0);
            let _ = out.flush();
        }
    }
}
"#;

/// One binary to build.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unit {
    /// The exercise id, for naming.
    pub id: String,
    /// The program's source: the crate root, or the module `exercise` of a harness.
    pub source: PathBuf,
    /// For a harness: the harness file that is included after `mod exercise`.
    pub harness: Option<PathBuf>,
    /// The explorer of the file's schedules under shuttle (see [`shuttle`]) instead of the
    /// program itself.
    pub shuttle: bool,
}

impl Unit {
    /// A unique, stable binary name for this unit (its crate name has `_` for `-`).
    pub fn bin_name(&self) -> String {
        let mut hasher = DefaultHasher::new();
        self.hash(&mut hasher);
        let kind = match (self.harness.is_some(), self.shuttle) {
            (true, _) => "harness-",
            (false, true) => "shuttle-",
            (false, false) => "",
        };
        format!(
            "{kind}{}-{:08x}",
            self.id.replace('/', "-"),
            hasher.finish() as u32
        )
    }
}

/// Why one binary did not build.
#[derive(Debug, Clone)]
pub struct CompileError {
    /// The compiler's messages as it renders them (with ANSI colours), paths relative to the
    /// course root.
    pub rendered: String,
    /// File, line and column of the first error.
    pub location: Option<(String, usize, usize)>,
    /// The first error's one-line message.
    pub headline: String,
}

/// A binary that built, with what rustc said of the learner's own file on the way.
#[derive(Debug, Clone)]
pub struct Binary {
    /// The executable.
    pub exe: PathBuf,
    /// The warnings rustc gave on the learner's file (not on the harness, the probe or a
    /// dependency), each as rustc renders it (with ANSI colours), under the file's own name.
    pub warnings: Vec<String>,
}

/// A build that could not run at all.
#[derive(Debug, Error)]
pub enum BuildError {
    /// cargo could not be started or its package could not be written.
    #[error("cannot run cargo: {0}")]
    Io(#[from] std::io::Error),
    /// `course/Cargo.toml` is unusable.
    #[error("course/Cargo.toml: {0}")]
    Manifest(String),
    /// The build was cancelled (a newer version of the file was saved).
    #[error("the build was cancelled")]
    Cancelled,
}

/// The result of building some units: each one's binary or compile error.
pub type Built = HashMap<Unit, Result<Binary, CompileError>>;

/// A way of building units: [`Cargo`], or watch mode's replay of the rustc commands cargo
/// ran ([`replay::Rebuilder`], which falls back to cargo). The grader builds through one,
/// whichever it is given.
pub trait Backend: Sync {
    /// Builds `units`, handing each line of progress to `lines` when given; a raised `cancel`
    /// may end it with [`BuildError::Cancelled`].
    fn build(
        &self,
        units: &[Unit],
        lines: Option<&(dyn Fn(&str) + Sync)>,
        cancel: &AtomicBool,
    ) -> Result<Built, BuildError>;
}

/// The programs a build runs: cargo, and rustc for the probe. Found once, at the edge (see
/// [`settings`](crate::settings)); nothing here reads the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    /// cargo.
    pub cargo: PathBuf,
    /// rustc, which compiles the probe.
    pub rustc: PathBuf,
}

impl Default for Toolchain {
    /// `cargo` and `rustc`, as `PATH` finds them.
    fn default() -> Toolchain {
        Toolchain {
            cargo: "cargo".into(),
            rustc: "rustc".into(),
        }
    }
}

/// cargo, once for every unit, on the generated package of the course at `root`, into
/// `target_dir`. With `lines`, cargo is very verbose and its progress bar on: every line it
/// prints on stderr goes there as it comes (`Compiling …`, `Building [==>  ] 3/40: tokio`,
/// and `Running `ENV=… rustc …`` with the exact environment and command of every crate).
#[derive(Debug, Clone)]
pub struct Cargo {
    /// The course root.
    pub root: PathBuf,
    /// The build folder.
    pub target_dir: PathBuf,
    /// The cargo and rustc to build with.
    pub toolchain: Toolchain,
}

impl Backend for Cargo {
    fn build(
        &self,
        units: &[Unit],
        lines: Option<&(dyn Fn(&str) + Sync)>,
        _cancel: &AtomicBool,
    ) -> Result<Built, BuildError> {
        self.run(units, lines)
    }
}

impl Cargo {
    /// Builds `units`, quietly.
    pub fn build_quietly(&self, units: &[Unit]) -> Result<Built, BuildError> {
        self.run(units, None)
    }

    /// Starts building `units` quietly in a process of its own (its own process group, so
    /// that no key pressed at the terminal stops it) and returns at once: cargo's messages go
    /// to [`BUILD_AHEAD_LOG`] in the build folder. A build of the same units started later
    /// waits for cargo's lock on the build folder, then finds the course's crates built.
    pub fn build_in_background(&self, units: &[Unit]) -> Result<(), BuildError> {
        let (package, _) =
            write_package(&self.root, &self.target_dir, &self.toolchain.rustc, units)?;
        let log = std::fs::File::create(self.target_dir.join(BUILD_AHEAD_LOG))?;
        let mut command = self.command(&package, units);
        command
            .arg("--quiet")
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0);
        // Not waited for: it outlives `learn next`, and init reaps it.
        command.spawn()?;
        Ok(())
    }

    /// `cargo build` of `units` in the generated package at `package`, its JSON messages on
    /// stdout, going on past a unit that does not compile.
    fn command(&self, package: &Path, units: &[Unit]) -> Command {
        let mut command = Command::new(&self.toolchain.cargo);
        command
            .arg("build")
            .arg("--manifest-path")
            .arg(package.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(self.target_dir.join("build"))
            .args([
                "--message-format",
                "json-diagnostic-rendered-ansi",
                "--keep-going",
            ])
            .stdin(Stdio::null());
        for unit in units {
            command.arg("--bin").arg(unit.bin_name());
        }
        command
    }

    fn run(
        &self,
        units: &[Unit],
        each: Option<&(dyn Fn(&str) + Sync)>,
    ) -> Result<Built, BuildError> {
        let root = self.root.as_path();
        let (package, staged) =
            write_package(root, &self.target_dir, &self.toolchain.rustc, units)?;
        let mut command = self.command(&package, units);
        command
            .args(match each {
                None => &["--quiet"][..],
                Some(_) => &[
                    "-vv",
                    "--config",
                    "term.progress.when='always'",
                    "--config",
                    "term.progress.width=100",
                ][..],
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn()?;
        let stderr = child.stderr.take().expect("piped");
        std::thread::scope(|scope| {
            let stderr_reader = scope.spawn(move || read_stderr(stderr, each));
            let by_name: HashMap<String, &Unit> = units.iter().map(|u| (u.bin_name(), u)).collect();
            let mut executables: HashMap<String, PathBuf> = HashMap::new();
            let mut diagnostics: HashMap<String, Vec<cargo_metadata::diagnostic::Diagnostic>> =
                HashMap::new();
            for message in
                Message::parse_stream(BufReader::new(child.stdout.take().expect("piped"))).flatten()
            {
                match message {
                    Message::CompilerArtifact(artifact) => {
                        if let Some(exe) = artifact.executable {
                            executables
                                .insert(artifact.target.name.clone(), exe.into_std_path_buf());
                        }
                    }
                    Message::CompilerMessage(msg) => diagnostics
                        .entry(msg.target.name.clone())
                        .or_default()
                        .push(msg.message),
                    _ => {}
                }
            }
            child.wait()?;
            let cargo_stderr = stderr_reader.join().unwrap_or_default();
            let root_prefix = format!("{}/", root.display());
            Ok(by_name
                .into_iter()
                .map(|(name, unit)| {
                    let diagnostics = diagnostics.remove(&name).unwrap_or_default();
                    let result = match executables.remove(&name) {
                        Some(exe) => Ok(Binary {
                            exe,
                            warnings: staged.get(unit).map_or_else(Vec::new, |staged| {
                                staged.learner_warnings(&diagnostics, &root_prefix)
                            }),
                        }),
                        None => {
                            let error = compile_error(diagnostics, &cargo_stderr, &root_prefix);
                            Err(match staged.get(unit) {
                                Some(staged) => staged.relabel(error, &root_prefix),
                                None => error,
                            })
                        }
                    };
                    (unit.clone(), result)
                })
                .collect())
        })
    }
}

/// Reads cargo's stderr to its end, handing each line (split at `\n` and at the `\r` of
/// its progress bar) to `each`; returns the text without cargo's status lines.
fn read_stderr(mut stderr: impl std::io::Read, each: Option<&(dyn Fn(&str) + Sync)>) -> String {
    let mut kept = String::new();
    let mut line = Vec::new();
    let mut buf = [0u8; 4096];
    let mut take_line = |line: &mut Vec<u8>| {
        let text = String::from_utf8_lossy(line).into_owned();
        line.clear();
        if text.is_empty() {
            return;
        }
        if let Some(each) = each {
            each(&text);
        }
        if !is_cargo_status(&text) {
            kept.push_str(&text);
            kept.push('\n');
        }
    };
    while let Ok(n @ 1..) = stderr.read(&mut buf) {
        for &byte in &buf[..n] {
            match byte {
                b'\n' | b'\r' => take_line(&mut line),
                _ => line.push(byte),
            }
        }
    }
    take_line(&mut line);
    kept
}

/// Whether `line` is one of cargo's right-aligned status lines (`   Compiling x`).
fn is_cargo_status(line: &str) -> bool {
    const VERBS: [&str; 9] = [
        "Compiling",
        "Running",
        "Fresh",
        "Building",
        "Finished",
        "Dirty",
        "Blocking",
        "Locking",
        "Downloaded",
    ];
    let trimmed = line.trim_start();
    trimmed.len() < line.len() && VERBS.iter().any(|verb| trimmed.starts_with(verb))
}

/// The first `error: …` line cargo printed (a broken manifest, a missing folder), without
/// the `error: ` prefix: the headline of a build that failed before rustc said anything.
fn cargo_error_line(cargo_stderr: &str) -> Option<String> {
    cargo_stderr
        .lines()
        .find_map(|line| line.trim_start().strip_prefix("error: "))
        .map(str::to_string)
}

/// The compile error of one crate from its rustc diagnostics (or, when there are none, the
/// build's other output), paths shown relative to the course root.
pub(crate) fn compile_error(
    diagnostics: Vec<cargo_metadata::diagnostic::Diagnostic>,
    cargo_stderr: &str,
    root_prefix: &str,
) -> CompileError {
    use cargo_metadata::diagnostic::DiagnosticLevel;
    let errors: Vec<_> = diagnostics
        .iter()
        .filter(|d| matches!(d.level, DiagnosticLevel::Error | DiagnosticLevel::Ice))
        .collect();
    let rendered = if diagnostics.is_empty() {
        cargo_stderr.to_string()
    } else {
        diagnostics
            .iter()
            .filter_map(|d| d.rendered.clone())
            .collect::<String>()
    };
    let first = errors.iter().find(|d| !d.spans.is_empty()).copied();
    let location = first
        .and_then(|d| d.spans.iter().find(|s| s.is_primary).or(d.spans.first()))
        .map(|span| {
            (
                span.file_name.trim_start_matches(root_prefix).to_string(),
                span.line_start,
                span.column_start,
            )
        });
    CompileError {
        rendered: rendered.replace(root_prefix, ""),
        location,
        headline: errors
            .first()
            .map(|d| d.message.clone())
            .or_else(|| cargo_error_line(cargo_stderr))
            .unwrap_or_else(|| "the build failed".to_string()),
    }
}

/// Where [`Cargo::build_in_background`] writes what cargo said, in the build folder.
pub const BUILD_AHEAD_LOG: &str = "build-ahead.log";

/// The generated package's profile: line tables are all a panic's backtrace needs, and full
/// debug info of tokio, rayon and ureq makes the first build and every link much slower.
/// shuttle's scheduler is optimised: unoptimised, 1000 schedules of ping_pong took 3.4 s
/// (see `build/shuttle.rs`).
const PROFILE: &str = "[profile.dev]\ndebug = \"line-tables-only\"\n\n[profile.dev.package.shuttle]\nopt-level = 2\n[profile.dev.package.shuttle-engine]\nopt-level = 2\n[profile.dev.package.shuttle-std]\nopt-level = 2\n[profile.dev.package.shuttle-schedulers]\nopt-level = 2\n[profile.dev.package.corosensei]\nopt-level = 2\n[profile.dev.package.bitvec]\nopt-level = 2\n";

/// The lints of every binary built: learner code cannot use `unsafe` (so it cannot define
/// code that runs before `main`, with `#[unsafe(link_section)]` or `#[unsafe(no_mangle)]`,
/// nor read a harness's memory), and `forbid` cannot be lowered by an `allow` in the file.
const LINTS: &str = "[lints.rust]\nunsafe_code = \"forbid\"\n";

/// A unit's sources as built: the crate root (a copy, or the wrapper of a harness) and, for
/// messages, which copy stands for which original file.
#[derive(Debug, Clone)]
pub(crate) struct Staged {
    /// The crate root rustc compiles.
    pub(crate) crate_root: PathBuf,
    /// `(copy, original)` pairs.
    copies: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    /// `error` with the copies' paths replaced by the originals' (relative to `root_prefix`).
    pub(crate) fn relabel(&self, mut error: CompileError, root_prefix: &str) -> CompileError {
        error.rendered = self.relabel_text(&error.rendered, root_prefix);
        for (copy, original) in self.names(root_prefix) {
            if let Some((file, _, _)) = error.location.as_mut()
                && *file == copy
            {
                *file = original;
            }
        }
        error
    }

    /// `text` with the copies' paths (absolute, or relative to `root_prefix`) replaced by the
    /// originals' (relative to `root_prefix`).
    fn relabel_text(&self, text: &str, root_prefix: &str) -> String {
        self.names(root_prefix)
            .fold(text.to_string(), |text, (copy, original)| {
                text.replace(&copy, &original)
            })
    }

    /// `(copy, original)` names as they may appear in a message: each copy's absolute path,
    /// then its path relative to `root_prefix`, each with the original's relative path.
    fn names(&self, root_prefix: &str) -> impl Iterator<Item = (String, String)> {
        self.copies.iter().flat_map(move |(copy, original)| {
            let absolute = copy.display().to_string();
            let relative = absolute.trim_start_matches(root_prefix).to_string();
            let original = original.display().to_string();
            let original = original.trim_start_matches(root_prefix).to_string();
            [(absolute, original.clone()), (relative, original)]
        })
    }

    /// The warnings among `diagnostics` that point into the learner's file (the first copy),
    /// as rustc renders them, under the file's own name: not those of the harness wrapped
    /// around it, nor rustc's count of them (`1 warning emitted`, which points nowhere).
    pub(crate) fn learner_warnings(
        &self,
        diagnostics: &[cargo_metadata::diagnostic::Diagnostic],
        root_prefix: &str,
    ) -> Vec<String> {
        use cargo_metadata::diagnostic::DiagnosticLevel;
        let Some((learner, _)) = self.copies.first() else {
            return Vec::new();
        };
        let in_learner_file = |name: &str| {
            let name = Path::new(name);
            name == learner || (name.is_relative() && learner.ends_with(name))
        };
        diagnostics
            .iter()
            .filter(|d| d.level == DiagnosticLevel::Warning)
            .filter(|d| {
                d.spans
                    .iter()
                    .find(|s| s.is_primary)
                    .or(d.spans.first())
                    .is_some_and(|span| in_learner_file(&span.file_name))
            })
            .filter_map(|d| d.rendered.as_deref())
            .map(|rendered| {
                self.relabel_text(rendered, root_prefix)
                    .replace(root_prefix, "")
            })
            .collect()
    }
}

/// Copies the bytes of `source` into the content-addressed store of `target_dir`
/// (`sources/HASH/NAME`), alone in its folder: a new content is a new path (cargo judges
/// freshness by mtime, and a file restored with an older mtime must not be graded with the
/// binary of other bytes), and rustc finds nothing beside it. A symbolic link is read through
/// here; `learn grade` refuses those before.
fn store(target_dir: &Path, source: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let hash = bytes.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ *b as u64).wrapping_mul(0x100000001b3)
    });
    let name = source
        .file_name()
        .map_or_else(|| "source.rs".into(), |n| n.to_string_lossy().into_owned());
    let dir = target_dir
        .join("sources")
        .join(format!("{hash:016x}-{:x}", bytes.len()));
    let path = dir.join(name);
    if std::fs::read(&path).is_ok_and(|old| old == bytes) {
        return Ok(path);
    }
    std::fs::create_dir_all(&dir)?;
    let temp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(temp, &path)?;
    Ok(path)
}

/// Stages `unit` for a build: copies the learner's file (and the harness) into the store, and
/// for a harness writes its wrapper there too. Called for every build and every watch-mode
/// rebuild, so that the binary is always built from the bytes graded now.
pub(crate) fn stage(target_dir: &Path, unit: &Unit) -> std::io::Result<Staged> {
    let mut source = std::fs::read(&unit.source)?;
    if unit.shuttle {
        source.extend_from_slice(shuttle::FACADE_IMPORT.as_bytes());
    }
    let copy = store(target_dir, &unit.source, &source)?;
    let mut copies = vec![(copy.clone(), unit.source.clone())];
    let crate_root = match &unit.harness {
        None if unit.shuttle => store(
            target_dir,
            Path::new(&format!("{}.rs", unit.bin_name())),
            shuttle::wrapper(&copy.display().to_string()).as_bytes(),
        )?,
        None => copy,
        Some(harness) => {
            let harness_copy = store(target_dir, harness, &std::fs::read(harness)?)?;
            copies.push((harness_copy.clone(), harness.clone()));
            let code = format!(
                "// Generated by learn: the learner's file as `mod exercise` (no unsafe code), then the grading harness.\n#[allow(dead_code, unused_imports)]\n#[forbid(unsafe_code)]\n#[path = {:?}]\nmod exercise;\n{}\ninclude!({:?});\n",
                copy.display().to_string(),
                PROOF_MODULE,
                harness_copy.display().to_string()
            );
            store(
                target_dir,
                Path::new(&format!("{}.rs", unit.bin_name())),
                code.as_bytes(),
            )?
        }
    };
    Ok(Staged { crate_root, copies })
}

/// Writes (if changed) the generated package for `units` and returns its folder, with each
/// unit's staged sources.
fn write_package(
    root: &Path,
    target_dir: &Path,
    rustc: &Path,
    units: &[Unit],
) -> Result<(PathBuf, HashMap<Unit, Staged>), BuildError> {
    let mut sorted = units.to_vec();
    sorted.sort();
    let mut hasher = DefaultHasher::new();
    (root, &sorted).hash(&mut hasher);
    let dir = target_dir
        .join("packages")
        .join(format!("{:016x}", hasher.finish()));
    std::fs::create_dir_all(dir.join("src"))?;
    let dependencies = course_dependencies(root)?;
    atomic::write_if_changed(
        &dir.join("build.rs"),
        &probe::build_script(probe::object(target_dir, rustc).as_deref()),
    )?;
    let mut manifest = format!(
        "# Generated by learn for one build; see src/build/mod.rs.\n[package]\nname = \"learn-build\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\nautobins = false\nbuild = \"build.rs\"\n\n[workspace]\n\n{dependencies}\n{PROFILE}\n{LINTS}\n"
    );
    let mut staged = HashMap::new();
    for unit in &sorted {
        let unit_staged = stage(target_dir, unit)?;
        manifest.push_str(&format!(
            "[[bin]]\nname = {:?}\npath = {:?}\n\n",
            unit.bin_name(),
            unit_staged.crate_root.display().to_string()
        ));
        staged.insert(unit.clone(), unit_staged);
    }
    atomic::write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
    let lock = dir.join("Cargo.lock");
    if !lock.exists()
        && let Ok(text) = std::fs::read_to_string(root.join("Cargo.lock"))
    {
        atomic::write_if_changed(&lock, &text)?;
    }
    Ok((dir, staged))
}

/// The `[dependencies]` table of `course/Cargo.toml` (header included), as TOML text.
fn course_dependencies(root: &Path) -> Result<String, BuildError> {
    let text = std::fs::read_to_string(root.join("course/Cargo.toml"))
        .map_err(|e| BuildError::Manifest(e.to_string()))?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| BuildError::Manifest(e.message().to_string()))?;
    let deps = table
        .get("dependencies")
        .and_then(|d| d.as_table())
        .cloned()
        .unwrap_or_default();
    let section: BTreeMap<&str, toml::Table> = BTreeMap::from([("dependencies", deps)]);
    toml::to_string(&section).map_err(|e| BuildError::Manifest(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_course_dependency_lands_under_dependencies() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let generated: toml::Table = toml::from_str(&course_dependencies(root).unwrap()).unwrap();
        let deps = generated["dependencies"].as_table().unwrap();
        for name in ["rayon", "tokio", "ureq"] {
            assert!(deps.contains_key(name), "{name} missing from {generated:?}");
        }
        assert_eq!(
            generated.len(),
            1,
            "nothing but [dependencies]: {generated:?}"
        );
    }

    /// A warning rustc gave at `file`, or pointing nowhere (its count of them) without one.
    fn warning(message: &str, file: Option<&str>) -> cargo_metadata::diagnostic::Diagnostic {
        let spans = file.map_or(String::new(), |file| {
            format!(r#"{{"file_name":"{file}","byte_start":0,"byte_end":1,"line_start":3,"line_end":3,"column_start":9,"column_end":15,"is_primary":true,"text":[],"label":null,"suggested_replacement":null,"suggestion_applicability":null,"expansion":null}}"#)
        });
        let rendered = format!("warning: {message}\n  --> {}:3:9\n\n", file.unwrap_or("-"));
        serde_json::from_value(serde_json::json!({
            "message": message, "code": null, "level": "warning", "children": [],
            "spans": serde_json::from_str::<serde_json::Value>(&format!("[{spans}]")).unwrap(),
            "rendered": rendered,
        }))
        .unwrap()
    }

    #[test]
    fn only_the_warnings_of_the_learners_own_file_are_kept_under_its_name() {
        let staged = Staged {
            crate_root: "/c/target/learn/sources/ab/wrapper.rs".into(),
            copies: vec![
                (
                    "/c/target/learn/sources/12/spawn_join.rs".into(),
                    "/c/exercises/01_threads/spawn_join.rs".into(),
                ),
                (
                    "/c/target/learn/sources/34/harness.rs".into(),
                    "/c/course/harnesses/h.rs".into(),
                ),
            ],
        };
        let diagnostics = [
            warning(
                "unused variable: `x`",
                Some("/c/target/learn/sources/12/spawn_join.rs"),
            ),
            warning(
                "unused import",
                Some("/c/target/learn/sources/34/harness.rs"),
            ),
            warning("1 warning emitted", None),
        ];
        assert_eq!(
            staged.learner_warnings(&diagnostics, "/c/"),
            ["warning: unused variable: `x`\n  --> exercises/01_threads/spawn_join.rs:3:9\n\n"]
        );
    }

    #[test]
    fn a_build_that_failed_before_rustc_spoke_is_headed_by_cargos_error() {
        let stderr = "warning: unused manifest key\nerror: failed to read `/x/Cargo.toml`\n\nCaused by:\n  No such file\n";
        assert_eq!(
            compile_error(Vec::new(), stderr, "/x/").headline,
            "failed to read `/x/Cargo.toml`"
        );
        assert_eq!(
            compile_error(Vec::new(), "", "/x/").headline,
            "the build failed"
        );
    }
}
