//! Save → verdict latency of watch mode, beside cargo's own rebuild + run of the same file.
//!
//! A copy of the course gets a first exercise of one line (`fn main() { println!("v7."); … }`,
//! graded by a `last_line` check). `learn watch` runs in a tmux window whose output is piped
//! to this program (`tmux pipe-pane`), so every frame is seen the moment it is drawn, with no
//! polling to steal the CPU from the compiler. Each repetition saves a new version of the
//! line and times the first frame showing its output (the first verdict: one unperturbed
//! run) and the first showing it passed (the full verdict: every run of the grading). Then
//! the same file is rebuilt with cargo as learn's build invokes it and the binary run: what a
//! watcher that calls cargo waits before it has anything to show.
//!
//! `cargo bench --bench watch_latency` (`REPS=20` for more repetitions). A benchmark rather
//! than a test: it asserts nothing, it measures the release binary end to end.

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use learn::test_support::{Tmux, median, under_cargo_bench};

/// Marks the end of a frame (crossterm's end of a synchronized update).
const FRAME_END: &[u8] = b"\x1b[?2026l";
const PASSED: &str = "passed every run";

fn main() {
    if !under_cargo_bench("watch_latency", "it drives learn in tmux for a minute") {
        return;
    }
    let reps: usize = std::env::var("REPS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(10);
    let dir = common::course_copy();
    let file = add_one_line_exercise(dir.path());
    let fifo = dir.path().join("screen.fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs")
            .success()
    );
    let learn = format!(
        "env LEARN_TARGET_DIR={} {} watch",
        common::target_dir().display(),
        env!("CARGO_BIN_EXE_learn")
    );
    let tmux = Tmux::start(
        dir.path(),
        (120, 40),
        &[],
        &["sh", "-c", "sleep 0.5; exec $0", &learn],
    );
    tmux.run(&[
        "pipe-pane",
        "-t",
        "0",
        "-O",
        &format!("cat > {}", fifo.display()),
    ]);
    let mut screen = Screen::open(fifo);
    eprintln!(
        "first check (may build the course's dependencies into {})…",
        common::target_dir().display()
    );
    screen.wait_for(|f| f.contains(PASSED), Duration::from_secs(900));
    eprintln!(
        "warming up: the first save goes through cargo, which shows learn the rustc command…"
    );
    for warm in 0..2 {
        save_and_time(&mut screen, &file, &format!("warm{warm}."));
    }
    let mut first = Vec::new();
    let mut full = Vec::new();
    for i in 1..=reps {
        let (to_first, to_full) = save_and_time(&mut screen, &file, &format!("v{i}."));
        eprintln!(
            "  watch #{i}: first verdict {} ms, full verdict {} ms",
            to_first.as_millis(),
            to_full.as_millis()
        );
        first.push(to_first);
        full.push(to_full);
    }
    tmux.run(&["send-keys", "-t", "0", "q"]);
    let cargo: Vec<Duration> = (1..=reps)
        .map(|i| cargo_build_and_run(&format!("c{i}.")))
        .collect();
    drop(tmux);

    let (first, full, cargo) = (median(first), median(full), median(cargo));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "\nmedian of {reps} saves of a one-line exercise ({cores} cores, load {}):",
        load.split(' ').take(3).collect::<Vec<_>>().join(" ")
    );
    println!(
        "  watch mode, save → first verdict (one unperturbed run): {:>5} ms",
        first.as_millis()
    );
    println!(
        "  watch mode, save → full verdict (every run of grading): {:>5} ms",
        full.as_millis()
    );
    println!(
        "  cargo build + run of the same file:                     {:>5} ms",
        cargo.as_millis()
    );
    println!(
        "  first verdict / cargo build + run:                      {:>5.2}",
        first.as_secs_f64() / cargo.as_secs_f64()
    );
}

/// The source of the one-line exercise printing `token`.
fn program(token: &str) -> String {
    format!("fn main() {{ println!(\"{token}\"); println!(\"done\"); }}\n")
}

/// Adds chapter `00_bench` with one exercise, first in course order; returns its file.
fn add_one_line_exercise(course: &Path) -> PathBuf {
    for folder in ["course/starters", "solutions", "exercises"] {
        let dir = course.join(folder).join("00_bench");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("hello.rs"), program("start")).unwrap();
    }
    let chapter = "title = \"Benchmark\"\n[[exercise]]\nname = \"hello\"\ntitle = \"One line\"\nlesson = \"Print two lines.\"\nhint = \"None.\"\n[[exercise.check]]\nkind = \"last_line\"\nline = \"done\"\n";
    std::fs::write(course.join("course/chapters/00_bench.toml"), chapter).unwrap();
    let manifest = course.join("course/course.toml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("chapters = [", "chapters = [\"00_bench\", ");
    std::fs::write(manifest, text).unwrap();
    course.join("exercises/00_bench/hello.rs")
}

/// Saves the version printing `token`; the times to its first and to its full verdict.
fn save_and_time(screen: &mut Screen, file: &Path, token: &str) -> (Duration, Duration) {
    screen.skip_pending();
    let start = Instant::now();
    std::fs::write(file, program(token)).unwrap();
    let first = screen.wait_for(|f| f.contains(token), Duration::from_secs(60));
    let full = if screen.last.contains(PASSED) {
        first
    } else {
        screen.wait_for(
            |f| f.contains(token) && f.contains(PASSED),
            Duration::from_secs(60),
        )
    };
    std::thread::sleep(Duration::from_millis(500));
    (first - start, full - start)
}

/// What cargo pays for the same change: build the generated package as learn's build does,
/// then run the binary.
fn cargo_build_and_run(token: &str) -> Duration {
    let packages = common::target_dir().join("packages");
    // The package names a content-addressed copy of the file, not the file: the newest
    // package with the exercise's binary is the one learn built last.
    let manifest = std::fs::read_dir(&packages)
        .unwrap()
        .flatten()
        .map(|p| p.path().join("Cargo.toml"))
        .filter(|m| std::fs::read_to_string(m).is_ok_and(|t| t.contains("00_bench-hello-")))
        .max_by_key(|m| m.metadata().and_then(|m| m.modified()).ok())
        .expect("learn generated a package for the exercise");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let bin = text
        .split('"')
        .find(|w| w.starts_with("00_bench-hello-"))
        .expect("the bin is named")
        .to_string();
    // The file cargo compiles for that binary: the edit goes there, as if it were the
    // learner's own.
    let source = text
        .split('"')
        .skip_while(|w| *w != bin)
        .find(|w| w.ends_with(".rs"))
        .expect("the bin has a path")
        .to_string();
    let start = Instant::now();
    std::fs::write(&source, program(token)).unwrap();
    let built = Command::new("cargo")
        .args(["build", "--manifest-path"])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(common::target_dir().join("build"))
        .args([
            "--message-format",
            "json-diagnostic-rendered-ansi",
            "--keep-going",
            "--quiet",
            "--bin",
            &bin,
        ])
        .stdout(Stdio::null())
        .status()
        .expect("cargo runs");
    let ran = Command::new(common::target_dir().join("build/debug").join(&bin))
        .output()
        .expect("the binary runs");
    let elapsed = start.elapsed();
    assert!(
        built.success() && String::from_utf8_lossy(&ran.stdout).contains(token),
        "cargo's build of {source} failed"
    );
    elapsed
}

/// The frames learn draws, as they arrive through the pipe.
struct Screen {
    chunks: Receiver<(Instant, Vec<u8>)>,
    pending: Vec<u8>,
    /// The last whole frame seen, as text.
    last: String,
}

impl Screen {
    fn open(fifo: PathBuf) -> Screen {
        let (send, chunks) = mpsc::channel();
        std::thread::spawn(move || {
            let mut pipe = std::fs::File::open(fifo).expect("the pipe opens");
            let mut buf = [0u8; 65536];
            while let Ok(n @ 1..) = pipe.read(&mut buf) {
                if send.send((Instant::now(), buf[..n].to_vec())).is_err() {
                    return;
                }
            }
        });
        Screen {
            chunks,
            pending: Vec::new(),
            last: String::new(),
        }
    }

    /// Forgets what was drawn so far.
    fn skip_pending(&mut self) {
        while self.chunks.try_recv().is_ok() {}
        self.pending.clear();
    }

    /// Waits for a whole frame satisfying `ready`; returns when it arrived.
    fn wait_for(&mut self, ready: impl Fn(&str) -> bool, within: Duration) -> Instant {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline
                .checked_duration_since(Instant::now())
                .unwrap_or_else(|| panic!("timed out; last frame:\n{}", self.last));
            let (at, chunk) = self
                .chunks
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("timed out; last frame:\n{}", self.last));
            self.pending.extend(chunk);
            while let Some(end) = self
                .pending
                .windows(FRAME_END.len())
                .position(|w| w == FRAME_END)
            {
                let frame: Vec<u8> = self.pending.drain(..end + FRAME_END.len()).collect();
                self.last = String::from_utf8_lossy(&frame).into_owned();
                if ready(&self.last) {
                    self.pending.clear();
                    return at;
                }
            }
        }
    }
}
