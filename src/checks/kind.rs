//! The name of every rule a run can break: the check kinds the manifest declares
//! (`kind = "…"`) and the rules every run obeys whatever its checks (it ends by itself, in
//! time, within its limits). One enum, so a kind is never a string compared in five places.

use std::fmt;

/// A rule a run can break, named as the manifest and the reports name it: serde's snake_case
/// name of the variant (a test holds [`CheckKind::name`] to serde's, and to the manifest's
/// `kind = "…"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(test, derive(serde::Deserialize), serde(rename_all = "snake_case"))]
pub enum CheckKind {
    /// `output`: normalised stdout equals the snapshot.
    Output,
    /// `before`: lines of one kind come before lines of another.
    Before,
    /// `sequence`: one thread's lines in order.
    Sequence,
    /// `last_line`: the final line.
    LastLine,
    /// `alternation`: strict turn-taking.
    Alternation,
    /// `overlap`: concurrent work overlapped (timing).
    Overlap,
    /// `wall_time`: finished in time (timing).
    WallTime,
    /// `period`: a steady period without drift (timing).
    Period,
    /// `completion_order`: results as the work finishes (timing).
    CompletionOrder,
    /// `child_processes`: child processes observed.
    ChildProcesses,
    /// `cpu_parallelism`: CPU time over wall time (timing).
    CpuParallelism,
    /// `speedup`: a parallel job faster than its sequential run (timing).
    Speedup,
    /// `threads`: a bound on the main process's threads.
    Threads,
    /// `printed_pids`: printed pids are the processes observed.
    PrintedPids,
    /// `printed_by`: each line printed by the thread or process that should print it.
    PrintedBy,
    /// `harness`: the grading harness of an API exercise passed.
    Harness,
    /// `files_saved`: every download saved with the served bytes.
    FilesSaved,
    /// `server_concurrency`: downloads at once, as the server saw them.
    ServerConcurrency,
    /// `threads_started`: threads created, whole tree.
    ThreadsStarted,
    /// `threads_joined`: spawned threads joined in time.
    ThreadsJoined,
    /// `work_spread`: CPU work shared between threads.
    WorkSpread,
    /// `children_work`: each child process did a share of the work.
    ChildrenWork,
    /// `slot_reuse`: a finished download's slot is reused at once.
    SlotReuse,
    /// Every run: it exits with code 0 (or is killed by a signal).
    ExitStatus,
    /// Every run: it ends within its time limit.
    Timeout,
    /// Every run: it does not deadlock.
    Deadlock,
    /// Every run: it does not flood its output.
    OutputFlood,
    /// Every run: it does not fork without end.
    ForkFlood,
    /// Every run: it stays within its memory.
    Memory,
    /// Every run: it does not start threads without end.
    ThreadFlood,
    /// Every run: its folders stay within their bytes and files.
    Disk,
    /// Every run: it leaves no process behind.
    Orphans,
    /// Every run: it leaves the grader's records of its processes and threads alone.
    TamperedEvidence,
    /// Every run: it keeps the CPU affinity it was given (a pinned run stays pinned).
    Affinity,
    /// A run stopped by `learn` itself (a newer version was saved): proves nothing.
    Cancelled,
}

impl CheckKind {
    /// The name the manifest and the reports use.
    pub fn name(self) -> &'static str {
        match self {
            CheckKind::Output => "output",
            CheckKind::Before => "before",
            CheckKind::Sequence => "sequence",
            CheckKind::LastLine => "last_line",
            CheckKind::Alternation => "alternation",
            CheckKind::Overlap => "overlap",
            CheckKind::WallTime => "wall_time",
            CheckKind::Period => "period",
            CheckKind::CompletionOrder => "completion_order",
            CheckKind::ChildProcesses => "child_processes",
            CheckKind::CpuParallelism => "cpu_parallelism",
            CheckKind::Speedup => "speedup",
            CheckKind::Threads => "threads",
            CheckKind::PrintedPids => "printed_pids",
            CheckKind::PrintedBy => "printed_by",
            CheckKind::Harness => "harness",
            CheckKind::FilesSaved => "files_saved",
            CheckKind::ServerConcurrency => "server_concurrency",
            CheckKind::ThreadsStarted => "threads_started",
            CheckKind::ThreadsJoined => "threads_joined",
            CheckKind::WorkSpread => "work_spread",
            CheckKind::ChildrenWork => "children_work",
            CheckKind::SlotReuse => "slot_reuse",
            CheckKind::ExitStatus => "exit_status",
            CheckKind::Timeout => "timeout",
            CheckKind::Deadlock => "deadlock",
            CheckKind::OutputFlood => "output_flood",
            CheckKind::ForkFlood => "fork_flood",
            CheckKind::Memory => "memory",
            CheckKind::ThreadFlood => "thread_flood",
            CheckKind::Disk => "disk",
            CheckKind::Orphans => "orphans",
            CheckKind::TamperedEvidence => "tampered_evidence",
            CheckKind::Affinity => "affinity",
            CheckKind::Cancelled => "cancelled",
        }
    }

    /// Whether it is a rule about the order or the time of lines, under whose failure the
    /// timeline of the run is shown.
    pub fn about_order_or_time(self) -> bool {
        matches!(
            self,
            CheckKind::Before
                | CheckKind::Sequence
                | CheckKind::Alternation
                | CheckKind::LastLine
                | CheckKind::Overlap
                | CheckKind::WallTime
                | CheckKind::Period
        )
    }
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq<&str> for CheckKind {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckSpec;

    /// The names serde gives the variants of `T`, read from its error on the unknown variant
    /// in `json` ("unknown variant `?`, expected one of `a`, `b`, …").
    fn serde_names<T: serde::de::DeserializeOwned + fmt::Debug>(json: &str) -> Vec<String> {
        let error = serde_json::from_str::<T>(json).unwrap_err().to_string();
        let listed = error.split("expected one of ").nth(1).unwrap_or_default();
        let names: Vec<String> = listed
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        assert!(!names.is_empty(), "no list of variants in: {error}");
        names
    }

    #[test]
    fn every_kind_is_named_as_serde_names_it_and_every_manifest_kind_is_one() {
        let kinds = serde_names::<CheckKind>(r#""?""#);
        for name in &kinds {
            let kind: CheckKind = serde_json::from_str(&format!("{name:?}")).unwrap();
            assert_eq!(kind.name(), name, "{kind:?}");
        }
        for name in serde_names::<CheckSpec>(r#"{"kind": "?"}"#) {
            assert!(kinds.contains(&name), "`kind = {name:?}` is no CheckKind");
        }
    }
}
