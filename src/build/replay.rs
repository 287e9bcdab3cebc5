//! Rebuilding a saved exercise without cargo: watch mode's build [`Backend`]. Cargo needs
//! 60–100 ms on a 2-core machine just to find out that one binary must be rebuilt; watch mode
//! rebuilds the same binary after every save, so it replays the rustc command cargo ran for
//! it (read from cargo's very verbose output, `Running `ENV=… rustc …``: the same
//! environment, folder and arguments) with the output folders moved into
//! `target/learn/watch/`.
//! Same compiler, same flags, same dependencies: the same diagnostics and the same program.
//! The standard library stays linked statically, as cargo links it: linked dynamically (which
//! took a third off the link), libstd's own calls to `pthread_create` would bypass the
//! process probe's `--wrap`, and the program's threads would go unrecorded.
//!
//! When no command is known yet (the first check of a binary in a session, when cargo found
//! it fresh), or a replay fails for a reason outside the learner's file (a dependency
//! rebuilt since), the caller builds with cargo instead, which records the command anew.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cargo_metadata::diagnostic::{Diagnostic, DiagnosticLevel};

use super::{
    Backend, BuildError, Built, Cargo, CompileError, Staged, Unit, compile_error, sandbox, stage,
};

/// Error codes that mean the dependencies moved, not that the learner's code is wrong:
/// can't find crate, possibly newer version, multiple candidates, incompatible rustc.
const STALE_DEPENDENCY_CODES: [&str; 4] = ["E0463", "E0460", "E0464", "E0514"];

/// How often a replayed rustc is looked at, to see it end or cancel it: a rebuild takes tens
/// of milliseconds, and each of them counts in the time from save to verdict.
const REPLAY_POLL: Duration = Duration::from_millis(2);

/// How a replay went.
enum Rebuilt {
    /// Every unit was rebuilt (or failed to compile, with rustc's diagnostics).
    Built(Built),
    /// The cancel flag was raised.
    Cancelled,
    /// Some unit has no known command, or its replay failed for reasons of its own: build
    /// with cargo.
    Unknown,
}

impl Backend for Rebuilder {
    fn build(
        &self,
        units: &[Unit],
        lines: Option<&(dyn Fn(&str) + Sync)>,
        cancel: &AtomicBool,
    ) -> Result<Built, BuildError> {
        match self.rebuild(units, cancel) {
            Rebuilt::Built(built) => Ok(built),
            Rebuilt::Cancelled => Err(BuildError::Cancelled),
            Rebuilt::Unknown => {
                // cargo very verbose, whoever listens: its rustc commands are the replays.
                let observe = |line: &str| {
                    self.observe(line);
                    if let Some(lines) = lines {
                        lines(line);
                    }
                };
                self.cargo.build(units, Some(&observe), cancel)
            }
        }
    }
}

/// A rustc command as cargo ran it.
#[derive(Debug, Clone)]
struct RustcCall {
    env: Vec<(String, String)>,
    program: String,
    args: Vec<String>,
}

impl RustcCall {
    /// Reads `ENV=value … rustc ARGS` as cargo prints it.
    fn parse(command: &str) -> Option<RustcCall> {
        let mut words = shell_words(command).into_iter().peekable();
        let mut env = Vec::new();
        while let Some((key, value)) = words
            .peek()
            .and_then(|w| w.split_once('='))
            .filter(|(k, _)| is_env_name(k))
        {
            env.push((key.to_string(), value.to_string()));
            words.next();
        }
        let program = words.next()?;
        Some(RustcCall {
            env,
            program,
            args: words.collect(),
        })
    }

    fn value_of(&self, flag: &str) -> Option<&str> {
        self.args
            .iter()
            .position(|w| w == flag)
            .and_then(|i| self.args.get(i + 1))
            .map(String::as_str)
    }

    /// The folder cargo ran it in: the package's.
    fn dir(&self) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == "CARGO_MANIFEST_DIR")
            .map(|(_, v)| v.as_str())
    }
}

fn is_env_name(word: &str) -> bool {
    !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The rustc commands seen so far, by crate name; a build [`Backend`] that replays them, and
/// builds with cargo (recording the commands anew) when it cannot.
pub struct Rebuilder {
    /// The fallback, and the course and build folder replays work in.
    cargo: Cargo,
    out_dir: PathBuf,
    calls: Mutex<HashMap<String, RustcCall>>,
}

impl Rebuilder {
    /// A rebuilder of what `cargo` builds (the fallback), writing under its build folder's
    /// `watch/`.
    pub fn new(cargo: Cargo) -> Rebuilder {
        Rebuilder {
            out_dir: cargo.target_dir.join("watch"),
            cargo,
            calls: Mutex::new(HashMap::new()),
        }
    }

    /// Reads one line of cargo's verbose stderr, keeping the rustc command of binaries.
    fn observe(&self, cargo_line: &str) {
        let Some(call) = cargo_line
            .trim()
            .strip_prefix("Running `")
            .and_then(|c| c.strip_suffix('`'))
            .and_then(RustcCall::parse)
        else {
            return;
        };
        if let (Some(name), Some("bin")) =
            (call.value_of("--crate-name"), call.value_of("--crate-type"))
            && name != "build_script_build"
        {
            let name = name.to_string();
            self.calls
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(name, call);
        }
    }

    /// Rebuilds `units` by replaying their rustc commands.
    fn rebuild(&self, units: &[Unit], cancel: &AtomicBool) -> Rebuilt {
        let mut built = Built::new();
        for unit in units {
            let call = self
                .calls
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&unit.bin_name().replace('-', "_"))
                .cloned();
            let Some(mut call) = call else {
                return Rebuilt::Unknown;
            };
            // The saved bytes, staged at their own content-addressed path: the crate root of
            // the replayed command is that path, never the one cargo built last.
            let Ok(staged) = stage(&self.cargo.target_dir, unit) else {
                return Rebuilt::Unknown;
            };
            let Some(crate_root) = call
                .args
                .iter_mut()
                .find(|a| a.ends_with(".rs") && !a.starts_with('-'))
            else {
                return Rebuilt::Unknown;
            };
            *crate_root = staged.crate_root.display().to_string();
            match self.replay(&call, &staged, cancel) {
                Replay::Done(result) => {
                    let root_prefix = format!("{}/", self.cargo.root.display());
                    let result = match result {
                        Ok((exe, diagnostics)) => Ok(super::Binary {
                            exe,
                            warnings: staged.learner_warnings(&diagnostics, &root_prefix),
                        }),
                        Err(e) => Err(staged.relabel(e, &root_prefix)),
                    };
                    built.insert(unit.clone(), result);
                }
                Replay::Cancelled => return Rebuilt::Cancelled,
                Replay::Stale => {
                    self.calls.lock().unwrap_or_else(|e| e.into_inner()).clear();
                    return Rebuilt::Unknown;
                }
            }
        }
        Rebuilt::Built(built)
    }

    /// Replays `call` on the copies of `staged`, confined as cargo's build is (see
    /// [`sandbox`](super::sandbox)): it reads the copies, the package and the dependencies
    /// built, and writes only `watch/`.
    fn replay(&self, call: &RustcCall, staged: &Staged, cancel: &AtomicBool) -> Replay {
        let args = self.redirected(&call.args);
        let target_dir = &self.cargo.target_dir;
        let tmp = target_dir.join("tmp");
        if std::fs::create_dir_all(&self.out_dir).is_err() || std::fs::create_dir_all(&tmp).is_err()
        {
            return Replay::Stale;
        }
        let Ok(private) = tempfile::Builder::new().prefix("replay-").tempdir_in(&tmp) else {
            return Replay::Stale;
        };
        let dir = call.dir().map_or(self.cargo.root.as_path(), Path::new);
        let mut read = vec![
            dir.to_path_buf(),
            target_dir.join("build"),
            target_dir.join("probe"),
        ];
        read.extend(staged.folders().map(Path::to_path_buf));
        let reach = sandbox::Reach {
            read,
            write: vec![self.out_dir.clone()],
        };
        let Ok(mut command) = sandbox::command(
            Path::new(&call.program),
            &self.cargo.toolchain,
            &self.cargo.toolchain.sandbox,
            &reach,
            private.path(),
        ) else {
            return Replay::Stale;
        };
        command
            .args(&args)
            .envs(call.env.iter().map(|(k, v)| (k, v)))
            .current_dir(dir);
        let spawned = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        let Ok(mut child) = spawned else {
            return Replay::Stale;
        };
        let mut stderr = child.stderr.take().expect("piped");
        let reader = std::thread::spawn(move || {
            // Up to the limit of diagnostics kept; the rest is read and dropped.
            let mut kept = Vec::new();
            let _ = (&mut stderr)
                .take(super::DIAGNOSTICS_LIMIT as u64)
                .read_to_end(&mut kept);
            let _ = std::io::copy(&mut stderr, &mut std::io::sink());
            String::from_utf8_lossy(&kept).into_owned()
        });
        let status = match wait(&mut child, self.cargo.toolchain.sandbox.deadline, cancel) {
            Ok(status) => status,
            Err(ended) => return ended,
        };
        let messages = reader.join().unwrap_or_default();
        let (executable, diagnostics) = read_messages(&messages);
        match executable {
            Some(exe) if status.success() => Replay::Done(Ok((exe, diagnostics))),
            _ if stale(&diagnostics) => Replay::Stale,
            _ => Replay::Done(Err(compile_error(
                diagnostics,
                "",
                &format!("{}/", self.cargo.root.display()),
            ))),
        }
    }

    /// The arguments with the output and incremental folders moved under `out_dir`.
    fn redirected(&self, args: &[String]) -> Vec<String> {
        let mut out: Vec<String> = args.to_vec();
        for i in 1..out.len() {
            if out[i - 1] == "--out-dir" {
                out[i] = self.out_dir.display().to_string();
            } else if out[i - 1] == "-C" && out[i].starts_with("incremental=") {
                out[i] = format!("incremental={}", self.out_dir.join("incremental").display());
            }
        }
        out
    }
}

enum Replay {
    /// rustc ended: the executable with every diagnostic (warnings among them), or why not.
    Done(Result<(PathBuf, Vec<Diagnostic>), CompileError>),
    Cancelled,
    Stale,
}

/// Waits for the replayed rustc, `child`, to end; killed (and reaped) when `cancel` is set
/// or past `deadline`, with the replay that ends there.
fn wait(child: &mut Child, deadline: Duration, cancel: &AtomicBool) -> Result<ExitStatus, Replay> {
    let started = std::time::Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if cancel.load(Ordering::Relaxed) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Replay::Cancelled);
            }
            Ok(None) if started.elapsed() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Replay::Done(Err(sandbox::over_time(deadline))));
            }
            Ok(None) => std::thread::sleep(REPLAY_POLL),
            Err(_) => return Err(Replay::Stale),
        }
    }
}

/// The linked executable and the diagnostics among rustc's JSON messages.
fn read_messages(messages: &str) -> (Option<PathBuf>, Vec<Diagnostic>) {
    let mut executable = None;
    let mut diagnostics = Vec::new();
    for value in messages
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
    {
        match value.get("$message_type").and_then(|t| t.as_str()) {
            Some("artifact") if value.get("emit").and_then(|e| e.as_str()) == Some("link") => {
                executable = value
                    .get("artifact")
                    .and_then(|a| a.as_str())
                    .map(PathBuf::from);
            }
            Some("diagnostic") => {
                diagnostics.extend(serde_json::from_value::<Diagnostic>(value).ok())
            }
            _ => {}
        }
    }
    (executable, diagnostics)
}

/// Whether a failed replay failed for no reason in the source: for want of its
/// dependencies, or with no error pointing into a file (at link time), or without saying why.
fn stale(diagnostics: &[Diagnostic]) -> bool {
    let errors: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| matches!(d.level, DiagnosticLevel::Error | DiagnosticLevel::Ice))
        .collect();
    errors.iter().all(|d| d.spans.is_empty())
        || errors.iter().any(|d| {
            d.code
                .as_ref()
                .is_some_and(|c| STALE_DEPENDENCY_CODES.contains(&c.code.as_str()))
        })
}

/// Splits a command line as cargo prints it (POSIX shell quoting: `'…'` and `\x`).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => words.extend(word.take()),
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                w.extend(chars.by_ref().take_while(|&c| c != '\''));
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: Option<&str>, with_span: bool) -> Diagnostic {
        let span = r#"{"file_name":"x.rs","byte_start":0,"byte_end":1,"line_start":1,"line_end":1,"column_start":1,"column_end":2,"is_primary":true,"text":[],"label":null,"suggested_replacement":null,"suggestion_applicability":null,"expansion":null}"#;
        let code = code.map_or("null".to_string(), |c| {
            format!(r#"{{"code":"{c}","explanation":null}}"#)
        });
        let spans = if with_span { span } else { "" };
        serde_json::from_str(&format!(r#"{{"message":"m","code":{code},"level":"error","spans":[{spans}],"children":[],"rendered":"m"}}"#)).unwrap()
    }

    #[test]
    fn only_errors_outside_the_source_send_the_build_back_to_cargo() {
        let aborting = error(None, false);
        assert!(
            !stale(&[error(Some("E0308"), true), aborting.clone()]),
            "a type error is the learner's"
        );
        assert!(stale(&[aborting]), "a link error points nowhere");
        assert!(
            stale(&[error(Some("E0463"), true)]),
            "a missing crate is a moved dependency"
        );
        assert!(stale(&[]));
    }

    #[test]
    fn splits_cargo_quoting() {
        assert_eq!(
            shell_words(r#"rustc --cfg 'feature="std"' 'it'\''s' a\ b"#),
            ["rustc", "--cfg", "feature=\"std\"", "it's", "a b"]
        );
    }

    #[test]
    fn keeps_the_commands_of_binaries_only_and_moves_their_outputs() {
        let rebuilder = Rebuilder::new(Cargo {
            root: "/course".into(),
            target_dir: "/t".into(),
            toolchain: crate::build::Toolchain::default(),
        });
        rebuilder.observe(
            "     Running `/bin/rustc --crate-name build_script_build --crate-type bin b.rs`",
        );
        rebuilder.observe(
            "     Running `CARGO_PKG_NAME=x /bin/rustc --crate-name rayon --crate-type lib r.rs`",
        );
        rebuilder.observe("     Running `CARGO_MANIFEST_DIR=/p CARGO_PKG_AUTHORS='' /bin/rustc --crate-name 01_threads_x_1 src/x.rs --crate-type bin --out-dir /t/build/debug/deps -C incremental=/t/build/debug/incremental`");
        let calls = rebuilder.calls.lock().unwrap();
        assert_eq!(calls.keys().collect::<Vec<_>>(), ["01_threads_x_1"]);
        let call = &calls["01_threads_x_1"];
        assert_eq!(
            (call.program.as_str(), call.dir()),
            ("/bin/rustc", Some("/p"))
        );
        assert_eq!(
            call.env[1],
            ("CARGO_PKG_AUTHORS".to_string(), String::new())
        );
        let args = rebuilder.redirected(&call.args);
        assert!(
            args.windows(2).any(|w| w == ["--out-dir", "/t/watch"]),
            "{args:?}"
        );
        assert!(
            args.contains(&"incremental=/t/watch/incremental".to_string()),
            "{args:?}"
        );
    }
}
