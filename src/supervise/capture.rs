//! Reading a program's stdout and stderr: line by line, each stamped with its arrival time,
//! with a cap on the bytes and on the lines kept so a flood cannot exhaust the runner's memory.
//! The bytes read are kept too (under the same cap), with where each line ends in its stream,
//! so that each line can be tied to the write that printed it (`writes.rs`).
//!
//! It does not decide what a flood means for a verdict: it only says that one happened.

use std::io::Read;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Line;

/// A line longer than this is cut into pieces, so one endless line is bounded too.
const MAX_LINE_BYTES: usize = 8 * 1024;

/// Lines of stdout and stderr together kept before the output counts as a flood, whatever
/// their length: every line kept costs the runner far more than its bytes (a 40-byte `Line`
/// with its text and arrival time, and the copies checks and reports make), so a million
/// empty lines, well under the byte limit, took the runner to 374 MB, and several such runs
/// at once add up. 10 000 is five times the longest expected output of the course (2005
/// lines, `02_coordination/ping_pong@r1000`).
pub const MAX_OUTPUT_LINES: usize = 10_000;

/// Lines of each stream still kept once a run has flooded: it fails whatever it printed, and
/// this is plenty for its report (which shows 40) and its timeline; the rest would only be
/// held until the end of grading.
const LINES_KEPT_OF_A_FLOOD: usize = 1000;

struct Shared {
    start: Instant,
    limit: usize,
    bytes: AtomicUsize,
    lines: AtomicUsize,
    flooded: AtomicBool,
    last_output_nanos: AtomicU64,
    stdout: Mutex<Captured>,
    stderr: Mutex<Captured>,
}

/// What was read of one stream.
#[derive(Debug, Default)]
pub(super) struct Captured {
    /// Its lines, the writer of each not known yet.
    pub(super) lines: Vec<Line>,
    /// Where each line ends in the stream: the offset one past its last byte.
    pub(super) ends: Vec<u64>,
    /// Every byte read, in order (empty once the output flooded).
    pub(super) bytes: Vec<u8>,
    /// Whether the stream was read to its end.
    pub(super) complete: bool,
}

/// The two reader threads of one run.
pub(super) struct Capture {
    shared: Arc<Shared>,
    done: Receiver<()>,
}

impl Capture {
    /// Starts reading both streams; `limit` is the bytes kept of both together.
    pub(super) fn start(
        stdout: impl Read + Send + 'static,
        stderr: impl Read + Send + 'static,
        start: Instant,
        limit: usize,
    ) -> Capture {
        let shared = Arc::new(Shared::new(start, limit));
        let (done_tx, done) = mpsc::channel();
        spawn_reader(stdout, Arc::clone(&shared), true, done_tx.clone());
        spawn_reader(stderr, Arc::clone(&shared), false, done_tx);
        Capture { shared, done }
    }

    /// Whether more than the byte limit, or more than [`MAX_OUTPUT_LINES`] lines, was printed.
    pub(super) fn flooded(&self) -> bool {
        self.shared.flooded.load(Ordering::Relaxed)
    }

    /// When the last byte of output arrived, as time since start.
    pub(super) fn last_output(&self) -> Duration {
        Duration::from_nanos(self.shared.last_output_nanos.load(Ordering::Relaxed))
    }

    /// Waits (at most `grace`) for both streams to close and returns what was read of each,
    /// and whether the output flooded (then only the first [`LINES_KEPT_OF_A_FLOOD`] lines of
    /// each stream are returned, and none of their bytes).
    pub(super) fn finish(self, grace: Duration) -> (Captured, Captured, bool) {
        let deadline = Instant::now() + grace;
        for _ in 0..2 {
            let left = deadline.saturating_duration_since(Instant::now());
            if self.done.recv_timeout(left).is_err() {
                break;
            }
        }
        let flooded = self.flooded();
        let take = |stream: &Mutex<Captured>| {
            let mut stream = std::mem::take(&mut *stream.lock().unwrap_or_else(|e| e.into_inner()));
            if flooded {
                stream.lines.truncate(LINES_KEPT_OF_A_FLOOD);
                stream.lines.shrink_to_fit();
                stream.ends.truncate(LINES_KEPT_OF_A_FLOOD);
                stream.bytes = Vec::new();
            }
            stream
        };
        (
            take(&self.shared.stdout),
            take(&self.shared.stderr),
            flooded,
        )
    }
}

fn spawn_reader(
    mut stream: impl Read + Send + 'static,
    shared: Arc<Shared>,
    is_stdout: bool,
    done: Sender<()>,
) {
    std::thread::spawn(move || {
        let mut reader = LineSplitter::default();
        let mut buf = [0u8; 8192];
        loop {
            let n = match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let at = shared.start.elapsed();
            shared
                .last_output_nanos
                .store(at.as_nanos() as u64, Ordering::Relaxed);
            let total = shared.bytes.fetch_add(n, Ordering::Relaxed) + n;
            if total > shared.limit || shared.flooded.load(Ordering::Relaxed) {
                shared.flooded.store(true, Ordering::Relaxed);
                continue; // keep draining so the writer is not blocked, keep nothing more
            }
            let lines = reader.push(&buf[..n]);
            shared.store(is_stdout, lines, &buf[..n], at);
        }
        let at = shared.start.elapsed();
        shared.store(is_stdout, reader.rest().into_iter().collect(), &[], at);
        shared.stream(is_stdout).complete = true;
        let _ = done.send(());
    });
}

impl Shared {
    /// Nothing captured yet, from a program started at `start`, kept up to `limit` bytes.
    fn new(start: Instant, limit: usize) -> Shared {
        Shared {
            start,
            limit,
            bytes: AtomicUsize::new(0),
            lines: AtomicUsize::new(0),
            flooded: AtomicBool::new(false),
            last_output_nanos: AtomicU64::new(0),
            stdout: Mutex::new(Captured::default()),
            stderr: Mutex::new(Captured::default()),
        }
    }

    /// What was read so far of stdout (or stderr), locked.
    fn stream(&self, is_stdout: bool) -> std::sync::MutexGuard<'_, Captured> {
        let stream = if is_stdout {
            &self.stdout
        } else {
            &self.stderr
        };
        stream.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps `bytes`, just read, and the lines `texts` (each with where it ends) that they
    /// completed, or as many as fit under [`MAX_OUTPUT_LINES`] (the rest marks a flood).
    fn store(&self, is_stdout: bool, mut texts: Vec<(String, u64)>, bytes: &[u8], at: Duration) {
        self.stream(is_stdout).bytes.extend_from_slice(bytes);
        if texts.is_empty() {
            return;
        }
        let before = self.lines.fetch_add(texts.len(), Ordering::Relaxed);
        let room = MAX_OUTPUT_LINES.saturating_sub(before);
        if texts.len() > room {
            self.flooded.store(true, Ordering::Relaxed);
            texts.truncate(room);
        }
        let mut stream = self.stream(is_stdout);
        for (text, end) in texts {
            stream.lines.push(Line {
                text,
                at,
                writer: None,
            });
            stream.ends.push(end);
        }
    }
}

/// Splits a byte stream into lines, cutting any line longer than [`MAX_LINE_BYTES`]; each line
/// comes with where it ends in the stream.
#[derive(Default)]
struct LineSplitter {
    partial: Vec<u8>,
    offset: u64,
}

impl LineSplitter {
    fn push(&mut self, bytes: &[u8]) -> Vec<(String, u64)> {
        let mut lines = Vec::new();
        for &byte in bytes {
            self.offset += 1;
            if byte == b'\n' {
                lines.push(self.take());
            } else {
                self.partial.push(byte);
                if self.partial.len() >= MAX_LINE_BYTES {
                    lines.push(self.take());
                }
            }
        }
        lines
    }

    fn take(&mut self) -> (String, u64) {
        let bytes = std::mem::take(&mut self.partial);
        let text = String::from_utf8_lossy(&bytes);
        (
            text.strip_suffix('\r').unwrap_or(&text).to_string(),
            self.offset,
        )
    }

    fn rest(&mut self) -> Option<(String, u64)> {
        (!self.partial.is_empty()).then(|| self.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_across_reads_and_keeps_the_unterminated_rest() {
        let mut s = LineSplitter::default();
        assert_eq!(s.push(b"ab"), Vec::<(String, u64)>::new());
        assert_eq!(
            s.push(b"c\nd\r\ne"),
            vec![("abc".to_string(), 4), ("d".to_string(), 7)]
        );
        assert_eq!(s.rest(), Some(("e".to_string(), 8)));
    }

    #[test]
    fn a_flood_of_empty_lines_is_a_flood_and_keeps_only_its_start() {
        let newlines = vec![b'\n'; MAX_OUTPUT_LINES + 10];
        let capture = Capture::start(
            std::io::Cursor::new(newlines),
            std::io::empty(),
            Instant::now(),
            1 << 20,
        );
        let (stdout, stderr, flooded) = capture.finish(Duration::from_secs(5));
        assert!(flooded, "more lines than the cap is a flood");
        assert!(stdout.bytes.is_empty(), "a flood keeps none of its bytes");
        assert_eq!(
            stdout.lines.len(),
            LINES_KEPT_OF_A_FLOOD,
            "a flood keeps only its start"
        );
        assert!(stderr.lines.is_empty());
    }

    #[test]
    fn no_more_lines_than_the_cap_are_ever_held() {
        let shared = Shared::new(Instant::now(), 1 << 20);
        let empty = |n| vec![(String::new(), 0); n];
        shared.store(true, empty(MAX_OUTPUT_LINES - 1), &[], Duration::ZERO);
        assert!(!shared.flooded.load(Ordering::Relaxed));
        shared.store(false, empty(5), &[], Duration::ZERO);
        assert!(shared.flooded.load(Ordering::Relaxed));
        let held = shared.stream(true).lines.len() + shared.stream(false).lines.len();
        assert_eq!(held, MAX_OUTPUT_LINES);
    }

    #[test]
    fn output_under_both_caps_is_kept_whole_and_is_no_flood() {
        let capture = Capture::start(
            std::io::Cursor::new(vec![b'\n'; 1000]),
            std::io::Cursor::new(b"a\nb".to_vec()),
            Instant::now(),
            1 << 20,
        );
        let (stdout, stderr, flooded) = capture.finish(Duration::from_secs(5));
        assert!(!flooded);
        assert_eq!((stdout.lines.len(), stderr.lines.len()), (1000, 2));
        assert_eq!(stderr.ends, vec![2, 3]);
        assert_eq!(stderr.bytes, b"a\nb");
        assert!(stdout.complete && stderr.complete);
    }

    #[test]
    fn cuts_an_endless_line() {
        let mut s = LineSplitter::default();
        let lines = s.push(&vec![b'x'; MAX_LINE_BYTES * 2 + 1]);
        assert_eq!(lines.len(), 2);
        assert_eq!(s.rest().map(|r| r.0.len()), Some(1));
    }
}
