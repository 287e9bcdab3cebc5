//! Who printed each line: the probe's records of every write to stdout and stderr (which
//! process, which thread, how many bytes, their hash; see `src/build/learn_probe.rs`) joined
//! with the bytes the runner read from the pipes itself.
//!
//! The join is exact, whatever the arrival times: it walks each stream's bytes from its first,
//! and at each offset takes the next write of one of the processes whose fd was that pipe
//! (each process's writes in their own order) whose length and hash match the bytes there. A
//! line's writer is the thread whose write put out its last byte, so a line assembled from
//! several writes (`print!` pieces) and several lines in one write (a `BufWriter`, a locked
//! stdout) are both tied to the thread that wrote them. Two writes of the same bytes by two
//! processes at the same moment are told apart by nothing, and either may be taken.
//!
//! The program can write to the probe's file: bytes that no record covers, or a record of a
//! process that exited by itself whose bytes never arrived, or a record of a thread its
//! process never had, make the records unbelievable (tampered evidence, as `witness.rs` says
//! of the others). Not a judge of who should have printed what (`checks/printed_by.rs` is).

use std::collections::{BTreeMap, VecDeque};
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;

use super::capture::Captured;
use super::probe::{ProbeRecords, WriteSeen};

/// The thread that printed a line: its process and its thread id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Writer {
    /// The process.
    pub pid: u32,
    /// The thread (the pid itself for a process's main thread).
    pub tid: u32,
}

impl Writer {
    /// Whether it is the main thread of its process.
    pub fn is_main(&self) -> bool {
        self.pid == self.tid
    }
}

/// One stream of a run as the runner read it, with the pipe it came through.
pub(super) struct Stream<'a> {
    /// `stdout` or `stderr`, for messages.
    pub(super) name: &'static str,
    /// The fd the program writes it to: 1 or 2.
    pub(super) fd: u32,
    /// The inode of its pipe.
    pub(super) inode: u64,
    /// What was read of it.
    pub(super) captured: &'a mut Captured,
}

/// The inode of the pipe `end` is one end of, if it can be read.
pub(super) fn pipe_inode(end: &impl AsRawFd) -> Option<u64> {
    std::fs::metadata(format!("/proc/self/fd/{}", end.as_raw_fd()))
        .ok()
        .map(|m| m.ino())
}

/// Ties every line of `streams` to its writer, when the probe recorded the run's main
/// process; `Err` says why the records cannot be believed. Leaves the lines untied when
/// nothing can be concluded: a stream not read to its end, or a process of the run that was
/// no copy of the program (`foreign`), whose writes nothing records.
pub(super) fn attribute(
    records: &ProbeRecords,
    root: u32,
    foreign: bool,
    streams: [Stream; 2],
) -> Result<(), String> {
    let probed = records.starts.iter().any(|&(pid, _, _)| pid == root);
    if !probed || foreign || streams.iter().any(|s| !s.captured.complete) {
        return Ok(());
    }
    for stream in streams {
        attribute_stream(records, stream)?;
    }
    Ok(())
}

/// FNV-1a, 64 bits: the probe's hash of the bytes of a write.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

fn attribute_stream(records: &ProbeRecords, stream: Stream) -> Result<(), String> {
    let altered = |what: String| format!("the process records were altered: {what}");
    let Stream {
        name,
        fd,
        inode,
        captured,
    } = stream;
    let to_this_pipe = |pid: u32| records.pipes.contains(&(pid, fd, inode));
    let mut queues: BTreeMap<u32, VecDeque<&WriteSeen>> = BTreeMap::new();
    for write in records
        .writes
        .iter()
        .filter(|w| w.fd == fd && w.len > 0 && to_this_pipe(w.pid))
    {
        queues.entry(write.pid).or_default().push_back(write);
    }
    for queue in queues.values_mut() {
        queue.make_contiguous().sort_by_key(|w| w.seq);
    }
    // (end offset, writer) of each write, in stream order.
    let mut spans: Vec<(u64, Writer)> = Vec::new();
    let bytes = &captured.bytes;
    let mut at = 0usize;
    while at < bytes.len() {
        let rest = &bytes[at..];
        let fits = |w: &WriteSeen| {
            usize::try_from(w.len)
                .ok()
                .and_then(|len| rest.get(..len))
                .is_some_and(|part| fnv(part) == w.digest)
        };
        let next = queues
            .values_mut()
            .find(|queue| queue.front().is_some_and(|w| fits(w)))
            .and_then(VecDeque::pop_front);
        let Some(write) = next else {
            let shown = String::from_utf8_lossy(&rest[..rest.len().min(40)]).into_owned();
            return Err(altered(format!(
                "{} bytes of {name} from byte {at} (`{}`) were printed by no recorded write",
                rest.len(),
                shown.escape_debug()
            )));
        };
        let writer = Writer {
            pid: write.pid,
            tid: write.tid,
        };
        let known = writer.is_main()
            || records
                .threads
                .iter()
                .any(|t| t.tid == writer.tid && t.pid == writer.pid);
        if !known {
            return Err(altered(format!(
                "a write to {name} is said to come from thread {} of pid {}, which it never had",
                writer.tid, writer.pid
            )));
        }
        at += write.len as usize;
        spans.push((at as u64, writer));
    }
    let lost = queues
        .values()
        .filter_map(|queue| queue.front())
        .find(|w| records.exit_of(w.pid).is_some());
    if let Some(w) = lost {
        return Err(altered(format!(
            "pid {} recorded a write of {} bytes to {name} (its write {}) that never reached it",
            w.pid, w.len, w.seq
        )));
    }
    for (line, &end) in captured.lines.iter_mut().zip(&captured.ends) {
        let span = spans.partition_point(|&(span_end, _)| span_end < end);
        line.writer = spans.get(span).map(|&(_, writer)| writer);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::supervise::Line;

    const PIPE: u64 = 500;

    /// The probe's record of a write of `bytes` by thread `tid` of pid `pid` to stdout.
    fn write(pid: u32, tid: u32, seq: u64, bytes: &[u8]) -> String {
        format!("w {pid} {tid} 1 {seq} {} {}\n", bytes.len(), fnv(bytes))
    }

    /// Records of main process 10 (with thread 11) and child 20, both writing to the pipe,
    /// with `writes` besides.
    fn records(writes: &str, child_exited: bool) -> ProbeRecords {
        let exit = if child_exited {
            "exit 20 9 0 0 0\n"
        } else {
            ""
        };
        ProbeRecords::parse(
            &format!(
                "start 10 1 0\nfd 10 1 {PIPE}\nthread 11 10 10 77 1\nstart 20 10 2\n\
                 fd 20 1 {PIPE}\n{writes}{exit}"
            ),
            0,
        )
    }

    /// `bytes` as read by the runner, split into lines.
    fn captured(bytes: &[u8]) -> Captured {
        let mut captured = Captured {
            bytes: bytes.to_vec(),
            complete: true,
            ..Captured::default()
        };
        for (i, _) in bytes.iter().enumerate().filter(|&(_, &b)| b == b'\n') {
            captured.lines.push(Line {
                text: String::new(),
                at: Duration::ZERO,
                writer: None,
            });
            captured.ends.push(i as u64 + 1);
        }
        captured
    }

    fn tie(records: &ProbeRecords, stdout: &mut Captured) -> Result<Vec<Writer>, String> {
        let mut stderr = captured(b"");
        attribute(
            records,
            10,
            false,
            [
                Stream {
                    name: "stdout",
                    fd: 1,
                    inode: PIPE,
                    captured: stdout,
                },
                Stream {
                    name: "stderr",
                    fd: 2,
                    inode: PIPE + 1,
                    captured: &mut stderr,
                },
            ],
        )?;
        Ok(stdout.lines.iter().filter_map(|l| l.writer).collect())
    }

    const MAIN: Writer = Writer { pid: 10, tid: 10 };
    const THREAD: Writer = Writer { pid: 10, tid: 11 };
    const CHILD: Writer = Writer { pid: 20, tid: 20 };

    #[test]
    fn pieces_of_a_line_and_lines_of_one_write_are_each_tied_to_their_writer() {
        // Main prints `Hel` + `lo\n` (print! pieces); the thread writes two lines at once
        // (a BufWriter); the child's line comes between, and its record came first.
        let writes = [
            write(20, 20, 0, b"child\n"),
            write(10, 10, 0, b"Hel"),
            write(10, 10, 1, b"lo\n"),
            write(10, 11, 2, b"a\nb\n"),
        ]
        .concat();
        let mut stdout = captured(b"Hello\nchild\na\nb\n");
        assert_eq!(
            tie(&records(&writes, true), &mut stdout),
            Ok(vec![MAIN, CHILD, THREAD, THREAD])
        );
    }

    #[test]
    fn bytes_no_record_covers_and_records_no_bytes_match_are_tampering() {
        let mut stdout = captured(b"Hello\n");
        let uncovered = tie(&records(&write(10, 10, 0, b"Hellx\n"), true), &mut stdout);
        assert!(
            uncovered
                .as_ref()
                .is_err_and(|why| why.contains("printed by no recorded write")),
            "{uncovered:?}"
        );
        let writes = [write(10, 10, 0, b"Hello\n"), write(20, 20, 0, b"lost\n")].concat();
        let lost = tie(&records(&writes, true), &mut captured(b"Hello\n"));
        assert!(
            lost.as_ref()
                .is_err_and(|why| why.contains("never reached it")),
            "{lost:?}"
        );
        assert_eq!(
            tie(&records(&writes, false), &mut captured(b"Hello\n")),
            Ok(vec![MAIN]),
            "a child killed before its write is no tampering"
        );
        let stranger = tie(
            &records(&write(10, 12, 0, b"x\n"), true),
            &mut captured(b"x\n"),
        );
        assert!(
            stranger
                .as_ref()
                .is_err_and(|why| why.contains("never had")),
            "{stranger:?}"
        );
    }

    #[test]
    fn writes_to_another_pipe_are_not_the_runs() {
        // The child's stdout is a pipe to its parent: its write never reaches the run's.
        let text = format!(
            "start 10 1 0\nfd 10 1 {PIPE}\nstart 20 10 2\nfd 20 1 {}\n{}{}exit 20 9 0 0 0\n",
            PIPE + 7,
            write(20, 20, 0, b"to parent\n"),
            write(10, 10, 0, b"x\n"),
        );
        let records = ProbeRecords::parse(&text, 0);
        assert_eq!(tie(&records, &mut captured(b"x\n")), Ok(vec![MAIN]));
    }
}
