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

use std::collections::{BTreeMap, HashMap};
use std::io::BufReader;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::AtomicBool;

mod probe;
pub mod replay;
pub mod sandbox;
pub mod shuttle;

use cargo_metadata::Message;
use sha2::{Digest, Sha256};

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
    /// A unique, stable binary name for this unit (its crate name has `_` for `-`): the id
    /// and the first 16 hex digits of the SHA-256 of its paths.
    pub fn bin_name(&self) -> String {
        let kind = match (self.harness.is_some(), self.shuttle) {
            (true, _) => "harness-",
            (false, true) => "shuttle-",
            (false, false) => "",
        };
        let harness = self.harness.as_deref().unwrap_or(Path::new(""));
        let paths = format!(
            "{}\0{}\0{}",
            self.id,
            self.source.display(),
            harness.display()
        );
        format!(
            "{kind}{}-{}",
            self.id.replace('/', "-"),
            &content_address(paths.as_bytes())[..16]
        )
    }
}

/// The SHA-256 of `bytes` in lower-case hex: the name of a copy by its content, which no
/// crafted file can share with other bytes (a 64-bit FNV or `DefaultHasher` could be made to
/// collide, and a binary built from other bytes graded in their place).
pub fn content_address(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
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

impl CompileError {
    /// An error that rustc did not give (the build was refused or stopped), with no place.
    pub(crate) fn plain(headline: String) -> CompileError {
        CompileError {
            rendered: format!("error: {headline}\n"),
            location: None,
            headline,
        }
    }
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

/// The lock file in the build folder that graders hold shared while they use its binaries
/// (see [`Cargo::in_use`]).
pub const IN_USE_LOCK: &str = "in-use.lock";

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

/// The programs a build runs: cargo, and rustc for the probe, cargo's home, and the sandbox
/// and bounds they run in. Found once, at the command line's edge (`cli/environment.rs`,
/// into [`Settings`](crate::settings::Settings)); nothing here reads `CARGO`, `RUSTC`,
/// `CARGO_HOME`, `HOME` or the build's variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    /// cargo.
    pub cargo: PathBuf,
    /// rustc, which compiles the probe.
    pub rustc: PathBuf,
    /// Cargo's home (registry cache, config), which a build reads: see [`cargo_home`]. None
    /// when the environment names none: a build is then refused, saying so.
    pub cargo_home: Option<PathBuf>,
    /// How cargo and every rustc are confined and bounded.
    pub sandbox: sandbox::Sandbox,
}

impl Default for Toolchain {
    /// `cargo` and `rustc`, as `PATH` finds them, the cargo home of the tests' environment
    /// ([`test_support::var_os`](crate::test_support::var_os)), in the default sandbox: for
    /// tests and benchmarks; `learn` itself builds with the toolchain `cli` read.
    fn default() -> Toolchain {
        Toolchain {
            cargo: "cargo".into(),
            rustc: "rustc".into(),
            cargo_home: cargo_home(crate::test_support::var_os),
            sandbox: sandbox::Sandbox::default(),
        }
    }
}

/// Cargo's home in the environment `var` reads, as cargo finds it: `CARGO_HOME`, else
/// `.cargo` in `HOME`; none when neither is set.
pub fn cargo_home(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    var("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|home| Path::new(&home).join(".cargo")))
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
    /// that no key pressed at the terminal stops it) and returns at once: cargo's lines
    /// (`Compiling tokio …`, `Finished …`, an error) go to [`BUILD_AHEAD_LOG`] in the build
    /// folder, as text, and its JSON messages to [`BUILD_AHEAD_MESSAGES`]. A build of the same units started later
    /// waits for cargo's lock on the build folder, then finds the course's crates built.
    pub fn build_in_background(&self, units: &[Unit]) -> Result<(), BuildError> {
        let package = write_package(&self.root, &self.target_dir, &self.toolchain.rustc, units)?;
        let log = std::fs::File::create(self.target_dir.join(BUILD_AHEAD_LOG))?;
        // Kept: the build outlives `learn next`, and an earlier one may still use its own
        // (rustc removes its temporary files; the folder stays, empty).
        let tmp = self.target_dir.join("tmp");
        std::fs::create_dir_all(&tmp)?;
        let private = tempfile::Builder::new()
            .prefix("ahead-")
            .tempdir_in(&tmp)?
            .keep();
        self.fetch(&package, &private)?;
        let mut command = self.command(&package, &private)?;
        let messages = std::fs::File::create(self.target_dir.join(BUILD_AHEAD_MESSAGES))?;
        // The log is for a person: cargo's own lines (what it compiles, how it ended); its
        // JSON messages go to a file of their own, for tools.
        command
            .env("CARGO_TERM_COLOR", "never")
            .env("CARGO_TERM_PROGRESS_WHEN", "never")
            .stdout(messages)
            .stderr(log)
            .process_group(0);
        // Not waited for: it outlives `learn next`, and init reaps it.
        command.spawn()?;
        Ok(())
    }

    /// Marks the build folder as in use until the guard is dropped: a shared lock on
    /// [`IN_USE_LOCK`] in it, which any number of graders (threads or processes) hold at
    /// once while they build and run its binaries, and which [`Cargo::forget`] must hold
    /// alone. `None` where the lock file cannot be made (a read-only build folder): then
    /// nothing is ever forgotten.
    pub fn in_use(&self) -> Option<std::fs::File> {
        let file = self.in_use_file()?;
        file.lock_shared().ok()?;
        Some(file)
    }

    /// The lock file of [`Cargo::in_use`], opened.
    fn in_use_file(&self) -> Option<std::fs::File> {
        std::fs::create_dir_all(&self.target_dir).ok()?;
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.target_dir.join(IN_USE_LOCK))
            .ok()
    }

    /// Removes what building `units` left in the build folder (their binaries, cargo's
    /// records of them, their incremental caches, the copies of their sources), keeping the
    /// dependencies: a class's programs do not stay after its grading. Best effort: what
    /// cannot be removed stays, and nothing is removed while another grader uses the
    /// folder (it holds [`Cargo::in_use`]): copies are named by their content, so the same
    /// bytes graded elsewhere at once are the same files. Returns whether it removed them.
    pub fn forget(&self, units: &[Unit]) -> bool {
        let Some(alone) = self.in_use_file().filter(|f| f.try_lock().is_ok()) else {
            return false;
        };
        self.remove_built(units);
        drop(alone);
        true
    }

    /// The removal of [`Cargo::forget`], with the folder held alone.
    fn remove_built(&self, units: &[Unit]) {
        let debug = self.target_dir.join("build/debug");
        let entries = |dir: &Path, prefix: &str| -> Vec<PathBuf> {
            std::fs::read_dir(dir)
                .into_iter()
                .flatten()
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
                .map(|e| e.path())
                .collect()
        };
        for unit in units {
            let name = unit.bin_name();
            let crate_name = format!("{}-", name.replace('-', "_"));
            let mut gone = entries(&debug.join("incremental"), &crate_name);
            for output in entries(&debug.join("deps"), &crate_name) {
                // `deps/CRATE-HASH` is recorded in `.fingerprint/learn-build-HASH`.
                let file = output.file_name().unwrap_or_default().to_string_lossy();
                let hash = file.trim_start_matches(&crate_name).trim_end_matches(".d");
                gone.push(debug.join(format!(".fingerprint/learn-build-{hash}")));
                gone.push(output);
            }
            gone.extend([debug.join(&name), debug.join(format!("{name}.d"))]);
            if let Ok(bytes) = read_source(&unit.source) {
                gone.push(
                    self.target_dir
                        .join("sources")
                        .join(content_address(&bytes)),
                );
            }
            for path in gone {
                let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
            }
        }
    }

    /// Downloads the course's dependencies into cargo's registry outside the sandbox (which
    /// only reads the registry; `cargo fetch` compiles nothing, so runs no code of a
    /// learner's), once per dependency table and Cargo.lock: a stamp in the build folder
    /// remembers them. A fetch that fails is left to the build to report.
    fn fetch(&self, package: &Package, private: &Path) -> std::io::Result<()> {
        let lock = std::fs::read_to_string(package.dir.join("Cargo.lock")).unwrap_or_default();
        let dependencies = course_dependencies(&self.root).unwrap_or_default();
        let wanted = content_address(format!("{dependencies}\0{lock}").as_bytes());
        let stamp = self.target_dir.join("fetched");
        if std::fs::read_to_string(&stamp).is_ok_and(|done| done == wanted) {
            return Ok(());
        }
        let unconfined = sandbox::Sandbox {
            landlock: false,
            ..self.toolchain.sandbox
        };
        let fetched = sandbox::command(
            &self.toolchain.cargo,
            &self.toolchain,
            &unconfined,
            &sandbox::Reach::default(),
            private,
        )?
        .current_dir(&package.dir)
        .args(["fetch", "--quiet", "--manifest-path"])
        .arg(package.dir.join("Cargo.toml"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()?;
        if fetched.success() {
            atomic::write_if_changed(&stamp, &wanted)?;
        }
        Ok(())
    }

    /// `cargo build` of the units of `package` in it, its JSON messages on stdout, going on
    /// past a unit that does not compile: confined to what the package needs (see
    /// [`sandbox`]), with `private` its HOME and TMPDIR.
    fn command(&self, package: &Package, private: &Path) -> std::io::Result<Command> {
        let mut read = vec![self.target_dir.join("probe")];
        read.extend(
            package
                .staged
                .values()
                .flat_map(Staged::folders)
                .map(Path::to_path_buf),
        );
        // Made here: cargo would make it through a temporary folder beside it, outside what
        // it may write.
        std::fs::create_dir_all(self.target_dir.join("build"))?;
        let reach = sandbox::Reach {
            read,
            // cargo writes the package's Cargo.lock.
            write: vec![self.target_dir.join("build"), package.dir.clone()],
        };
        let mut command = sandbox::command(
            &self.toolchain.cargo,
            &self.toolchain,
            &self.toolchain.sandbox,
            &reach,
            private,
        )?;
        command
            .current_dir(&package.dir)
            .arg("build")
            .arg("--manifest-path")
            .arg(package.dir.join("Cargo.toml"))
            .arg("--target-dir")
            .arg(self.target_dir.join("build"))
            .args([
                "--message-format",
                "json-diagnostic-rendered-ansi",
                "--keep-going",
            ])
            .stdin(Stdio::null());
        for unit in package.staged.keys() {
            command.arg("--bin").arg(unit.bin_name());
        }
        Ok(command)
    }

    fn run(
        &self,
        units: &[Unit],
        each: Option<&(dyn Fn(&str) + Sync)>,
    ) -> Result<Built, BuildError> {
        let package = write_package(&self.root, &self.target_dir, &self.toolchain.rustc, units)?;
        let mut built: Built = package
            .refused
            .iter()
            .map(|(unit, error)| (unit.clone(), Err(error.clone())))
            .collect();
        if package.staged.is_empty() {
            return Ok(built);
        }
        let tmp = self.target_dir.join("tmp");
        std::fs::create_dir_all(&tmp)?;
        let private = tempfile::Builder::new().prefix("build-").tempdir_in(&tmp)?;
        self.fetch(&package, private.path())?;
        let mut command = self.command(&package, private.path())?;
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
            .stderr(Stdio::piped())
            .process_group(0);
        let mut child = command.spawn()?;
        let deadline = self.toolchain.sandbox.deadline;
        let (done, ended) = std::sync::mpsc::channel::<()>();
        let pid = child.id();
        let ours: Vec<String> = package
            .staged
            .keys()
            .map(|unit| unit.bin_name().replace('-', "_"))
            .collect();
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let (messages, cargo_stderr, watched) = std::thread::scope(|scope| {
            let ours = &ours;
            let watchdog = scope.spawn(move || sandbox::watch(pid, ours, deadline, ended));
            let stderr_reader = scope.spawn(move || read_stderr(stderr, each));
            let messages = Messages::read(stdout);
            let _ = done.send(());
            let watched = watchdog.join().unwrap_or(sandbox::Watched::Ended);
            (messages, stderr_reader.join().unwrap_or_default(), watched)
        });
        child.wait()?;
        let unfinished = self.judge(&package, messages, &cargo_stderr, &watched, &mut built);
        if !unfinished.is_empty() {
            // Those that waited behind a unit that never ended: built again, without it (each
            // round leaves out at least one late unit, so the rounds end).
            built.extend(self.run(&unfinished, each)?);
        }
        Ok(built)
    }

    /// Puts into `built` each staged unit's binary or error, by what cargo said of it and how
    /// the watch of its build ended; returns the units to build again (those that were not
    /// built for a late unit's sake).
    fn judge(
        &self,
        package: &Package,
        mut messages: Messages,
        cargo_stderr: &str,
        watched: &sandbox::Watched,
        built: &mut Built,
    ) -> Vec<Unit> {
        let root_prefix = format!("{}/", self.root.display());
        let deadline = self.toolchain.sandbox.deadline;
        let mut unfinished = Vec::new();
        for (unit, staged) in &package.staged {
            let name = unit.bin_name();
            let diagnostics = messages.diagnostics.remove(&name).unwrap_or_default();
            let result = match messages.executables.remove(&name) {
                Some(exe) => Ok(Binary {
                    exe,
                    warnings: staged.learner_warnings(&diagnostics, &root_prefix),
                }),
                None => match watched {
                    sandbox::Watched::Late(late) if late.contains(&name.replace('-', "_")) => {
                        Err(sandbox::over_time(deadline))
                    }
                    sandbox::Watched::Late(_) if diagnostics.is_empty() => {
                        unfinished.push(unit.clone());
                        continue;
                    }
                    sandbox::Watched::Endless if diagnostics.is_empty() => Err(sandbox::over_time(
                        deadline * sandbox::WHOLE_BUILD_DEADLINES,
                    )),
                    _ => {
                        let error = compile_error(diagnostics, cargo_stderr, &root_prefix);
                        let error = sandbox::name_the_memory_bound(
                            error,
                            &name,
                            cargo_stderr,
                            self.toolchain.sandbox.memory,
                        );
                        Err(staged.relabel(error, &root_prefix))
                    }
                },
            };
            built.insert(unit.clone(), result);
        }
        unfinished
    }
}

/// What cargo's JSON messages said of each binary: its executable, its diagnostics (kept
/// up to [`DIAGNOSTICS_LIMIT`] bytes in all).
#[derive(Debug, Default)]
struct Messages {
    executables: HashMap<String, PathBuf>,
    diagnostics: HashMap<String, Vec<cargo_metadata::diagnostic::Diagnostic>>,
}

/// The bytes of diagnostics kept of one build (their rendered text): a file that makes rustc
/// print gigabytes of errors costs learn this much memory, no more.
pub const DIAGNOSTICS_LIMIT: usize = 4 << 20;

impl Messages {
    /// Reads cargo's JSON messages to their end: a line longer than [`DIAGNOSTICS_LIMIT`] is
    /// skipped whole, and diagnostics past the limit are dropped (an artifact never is).
    fn read(stdout: impl std::io::Read) -> Messages {
        let mut messages = Messages::default();
        let mut kept = 0;
        each_line(
            BufReader::new(stdout),
            DIAGNOSTICS_LIMIT,
            |line| match serde_json::from_slice::<Message>(line) {
                Ok(Message::CompilerArtifact(artifact)) => {
                    if let Some(exe) = artifact.executable {
                        messages
                            .executables
                            .insert(artifact.target.name.clone(), exe.into_std_path_buf());
                    }
                }
                Ok(Message::CompilerMessage(msg)) => {
                    kept += msg.message.rendered.as_ref().map_or(0, String::len);
                    if kept <= DIAGNOSTICS_LIMIT {
                        messages
                            .diagnostics
                            .entry(msg.target.name.clone())
                            .or_default()
                            .push(msg.message);
                    }
                }
                _ => {}
            },
        );
        messages
    }
}

/// Hands each line of `reader` (without its `\n`) to `each`; a line longer than `max` bytes
/// is skipped whole, never held.
fn each_line(mut reader: impl std::io::BufRead, max: usize, mut each: impl FnMut(&[u8])) {
    let mut line = Vec::new();
    let mut overlong = false;
    while let Ok(buf) = reader.fill_buf()
        && !buf.is_empty()
    {
        let (part, end) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        if !overlong && line.len() + part.len() <= max {
            line.extend_from_slice(part);
        } else {
            overlong = true;
            line.clear();
        }
        let used = end.unwrap_or(buf.len());
        reader.consume(used);
        if end.is_some() {
            if !overlong {
                each(&line);
            }
            line.clear();
            overlong = false;
        }
    }
    if !overlong && !line.is_empty() {
        each(&line);
    }
}

/// Reads cargo's stderr to its end, handing each line (split at `\n` and at the `\r` of
/// its progress bar, cut at [`DIAGNOSTICS_LIMIT`]) to `each`; returns the text without
/// cargo's status lines, up to [`DIAGNOSTICS_LIMIT`] bytes.
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
        if !is_cargo_status(&text) && kept.len() + text.len() < DIAGNOSTICS_LIMIT {
            kept.push_str(&text);
            kept.push('\n');
        }
    };
    while let Ok(n @ 1..) = stderr.read(&mut buf) {
        for &byte in &buf[..n] {
            match byte {
                b'\n' | b'\r' => take_line(&mut line),
                _ if line.len() < DIAGNOSTICS_LIMIT => line.push(byte),
                _ => {}
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

/// The JSON messages of the build ahead (cargo's `--message-format json`), in the build
/// folder: for tools; people read [`BUILD_AHEAD_LOG`].
pub const BUILD_AHEAD_MESSAGES: &str = "build-ahead.json";

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
    /// The folders of the copies it is built from (each copy alone in its own).
    fn folders(&self) -> impl Iterator<Item = &Path> {
        self.copies
            .iter()
            .map(|(copy, _)| copy.as_path())
            .chain([self.crate_root.as_path()])
            .filter_map(Path::parent)
    }

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
/// (`sources/SHA256/NAME`), alone in its folder: a new content is a new path (cargo judges
/// freshness by mtime, and a file restored with an older mtime must not be graded with the
/// binary of other bytes), and rustc finds nothing beside it.
fn store(target_dir: &Path, source: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let name = source
        .file_name()
        .map_or_else(|| "source.rs".into(), |n| n.to_string_lossy().into_owned());
    let dir = target_dir.join("sources").join(content_address(bytes));
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

/// The bytes of the source file at `path`, refused (`FileTooLarge`, with a message for the
/// learner) beyond [`sandbox::SOURCE_LIMIT`], and never read past it; a symbolic link is
/// read through here (`learn grade` refuses those before), anything but a file refused.
fn read_source(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let limit = sandbox::SOURCE_LIMIT;
    let too_large = |size: u64| {
        std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "{} is {} bytes: a source file may have at most {limit} (1 MiB); it was not built",
                path.display(),
                size
            ),
        )
    };
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Stages `unit` for a build: copies the learner's file (and the harness) into the store, and
/// for a harness writes its wrapper there too. Called for every build and every watch-mode
/// rebuild, so that the binary is always built from the bytes graded now.
pub(crate) fn stage(target_dir: &Path, unit: &Unit) -> std::io::Result<Staged> {
    let mut source = read_source(&unit.source)?;
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
            let harness_copy = store(target_dir, harness, &read_source(harness)?)?;
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

/// The generated package of one build: its folder, and each unit's staged sources, or why
/// it was refused before the build (a file over [`sandbox::SOURCE_LIMIT`]).
struct Package {
    dir: PathBuf,
    staged: HashMap<Unit, Staged>,
    refused: HashMap<Unit, CompileError>,
}

/// Writes (if changed) the generated package for `units` (those that can be staged).
fn write_package(
    root: &Path,
    target_dir: &Path,
    rustc: &Path,
    units: &[Unit],
) -> Result<Package, BuildError> {
    let mut staged = HashMap::new();
    let mut refused = HashMap::new();
    for unit in units {
        match stage(target_dir, unit) {
            Ok(unit_staged) => {
                staged.insert(unit.clone(), unit_staged);
            }
            Err(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                let root_prefix = format!("{}/", root.display());
                let headline = e.to_string().replace(&root_prefix, "");
                refused.insert(unit.clone(), CompileError::plain(headline));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut sorted: Vec<&Unit> = staged.keys().collect();
    sorted.sort();
    let named: String = sorted
        .iter()
        .map(|unit| format!("{}\0", unit.bin_name()))
        .collect();
    let dir = target_dir
        .join("packages")
        .join(&content_address(format!("{}\0{named}", root.display()).as_bytes())[..16]);
    std::fs::create_dir_all(dir.join("src"))?;
    let dependencies = course_dependencies(root)?;
    atomic::write_if_changed(
        &dir.join("build.rs"),
        &probe::build_script(probe::object(target_dir, rustc).as_deref()),
    )?;
    let mut manifest = format!(
        "# Generated by learn for one build; see src/build/mod.rs.\n[package]\nname = \"learn-build\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\nautobins = false\nbuild = \"build.rs\"\n\n[workspace]\n\n{dependencies}\n{PROFILE}\n{LINTS}\n"
    );
    for unit in sorted {
        manifest.push_str(&format!(
            "[[bin]]\nname = {:?}\npath = {:?}\n\n",
            unit.bin_name(),
            staged[unit].crate_root.display().to_string()
        ));
    }
    atomic::write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
    let lock = dir.join("Cargo.lock");
    if !lock.exists()
        && let Ok(text) = std::fs::read_to_string(root.join("Cargo.lock"))
    {
        atomic::write_if_changed(&lock, &text)?;
    }
    Ok(Package {
        dir,
        staged,
        refused,
    })
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
    fn the_cargo_home_is_cargo_home_else_dot_cargo_in_home_else_none() {
        let environment = |pairs: &'static [(&str, &str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        let both = environment(&[("CARGO_HOME", "/opt/cargo"), ("HOME", "/home/ada")]);
        assert_eq!(cargo_home(both), Some(PathBuf::from("/opt/cargo")));
        let home = environment(&[("HOME", "/home/ada")]);
        assert_eq!(cargo_home(home), Some(PathBuf::from("/home/ada/.cargo")));
        assert_eq!(cargo_home(environment(&[])), None);
    }

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
    fn a_line_over_the_limit_is_skipped_whole_and_the_next_one_read() {
        let text = format!("short\n{}\nafter\nlast", "x".repeat(100));
        let mut lines = Vec::new();
        each_line(
            std::io::BufReader::with_capacity(8, text.as_bytes()),
            10,
            |l| lines.push(String::from_utf8_lossy(l).into_owned()),
        );
        assert_eq!(lines, ["short", "after", "last"]);
    }

    #[test]
    fn a_source_over_one_mib_is_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.rs");
        std::fs::write(&big, vec![0u8; (sandbox::SOURCE_LIMIT + 1) as usize]).unwrap();
        let error = read_source(&big).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::FileTooLarge);
        assert!(
            error.to_string().contains("at most 1048576 (1 MiB)"),
            "{error}"
        );
        assert!(read_source(dir.path()).is_err(), "a folder is not a source");
    }

    #[test]
    fn a_copy_is_named_by_the_sha256_of_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let copy = store(dir.path(), Path::new("x/abc.rs"), b"abc").unwrap();
        assert_eq!(
            copy,
            dir.path().join(
                "sources/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad/abc.rs"
            )
        );
        assert_eq!(std::fs::read(copy).unwrap(), b"abc");
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
