//! What the unit tests, the integration tests and the benchmarks share, kept here once so that
//! none of them copies it: a fresh copy of this repository's course, a FIFO, a median of timings,
//! whether a benchmark runs under `cargo bench`, a tmux server of its own to drive `learn`
//! in a real terminal, and the tests' environment, which their defaults read (the cargo home
//! of `Toolchain::default`).
//!
//! Not for `learn` itself (nothing of the program uses it: it reads the environment once, in
//! `cli`), nor what only the integration tests share (running the binary, fixtures, a busy
//! load: `tests/common/`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The parts of the repository a learner's clone has that a course copy takes.
const COURSE_PARTS: [&str; 3] = ["course", "exercises", "solutions"];

/// A fresh copy of this repository's course (manifest, starters, exercises, solutions, lock
/// file) in a temporary folder, as a learner's clone would be.
pub fn course_copy() -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temp dir");
    for part in COURSE_PARTS {
        copy_tree(&root.join(part), &dir.path().join(part));
    }
    std::fs::copy(root.join("Cargo.lock"), dir.path().join("Cargo.lock")).expect("copy Cargo.lock");
    dir
}

/// Makes a FIFO (named pipe) at `path`: a file whose reader waits for a writer, for the tests
/// that a learner's or a report's path is refused without being waited on.
pub fn fifo(path: &Path) {
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("no NUL");
    // SAFETY: `c_path` is a valid NUL-terminated path that outlives the call; mkfifo only
    // creates a file.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// Copies the folder `from` to `to`, recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("make the folder");
    for entry in std::fs::read_dir(from).expect("read the folder").flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy a file");
        }
    }
}

/// The median of `times` (the upper one of an even count); panics when there is none.
pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Whether a benchmark runs under `cargo bench`, which passes it `--bench` (`cargo test`
/// runs every bench target once too); when not, says on stderr that benchmark `name` measures
/// only there, and `why`.
pub fn under_cargo_bench(name: &str, why: &str) -> bool {
    let measuring = std::env::args().any(|a| a == "--bench");
    if !measuring {
        eprintln!("{name} measures only under `cargo bench` ({why})");
    }
    measuring
}

/// The variable `name` of the tests' environment: what a default for tests
/// ([`Toolchain::default`](crate::build::Toolchain::default)) reads, where `learn` itself
/// reads it once at its edge (`cli/environment.rs`).
pub fn var_os(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name)
}

/// A tmux server of its own (its socket `tmux.socket` in the folder given), with one detached
/// window; the server is killed when this is dropped.
pub struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    /// Starts the server with one `width`×`height` window in `dir` running `command`, with
    /// `env` set for it. Panics, saying so, when tmux cannot be run: a test of a terminal
    /// must fail without one, never pass unseen.
    pub fn start(
        dir: &Path,
        (width, height): (u16, u16),
        env: &[(&str, &Path)],
        command: &[&str],
    ) -> Tmux {
        let tmux = Tmux {
            socket: dir.join("tmux.socket"),
        };
        let started = Command::new("tmux")
            .arg("-S")
            .arg(&tmux.socket)
            .args(["-f", "/dev/null", "new-session", "-d", "-x"])
            .arg(width.to_string())
            .arg("-y")
            .arg(height.to_string())
            .arg("-c")
            .arg(dir)
            .args(command)
            // `cargo test` sets the package's variables, which `learn` reads as `cargo run`.
            .env_remove("CARGO_PKG_NAME")
            .envs(env.iter().copied())
            .status();
        match started {
            Ok(status) => assert!(status.success(), "tmux could not start a session"),
            Err(e) => panic!(
                "tmux is needed to drive watch mode in a real terminal and cannot be run ({e}): install it (apt-get install tmux)"
            ),
        }
        tmux
    }

    /// Runs `tmux ARGS` on this server and returns what it printed; panics when it fails.
    pub fn run(&self, args: &[&str]) -> String {
        let output = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs");
        assert!(
            output.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .stderr(Stdio::null())
            .status();
    }
}
