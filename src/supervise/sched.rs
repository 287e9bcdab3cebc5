//! How the kernel scheduled a run's threads, from `/proc/PID/task/TID/schedstat` (time on a CPU
//! and time runnable but waiting for one, in nanoseconds): the program's own time told apart
//! from the time a busy machine made it wait. Limits and timing rules discount the waiting;
//! parallelism is judged from how many threads wanted a CPU at once, which load does not
//! change, rather than from how many cores they got, which it does.
//!
//! This module only measures; what a measure means for a rule is the checks' business.

use std::collections::BTreeMap;
use std::time::Duration;

/// One thread of the tree, as last read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadTime {
    /// The process it belongs to.
    pub pid: u32,
    /// Its thread id.
    pub tid: u32,
    /// Proven alive from (the end of the scan that first saw it).
    pub from: Duration,
    /// Proven alive until (the start of the scan that last saw it; `from` if seen once).
    pub until: Duration,
    /// Time it ran on a CPU, as last read.
    pub cpu: Duration,
    /// Time it was runnable but waited for a CPU, as last read.
    pub waited: Duration,
}

/// The tree's totals at one sample, every thread ever seen included (a thread that ended
/// counts with its last reading).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SchedSample {
    /// When the sample's scan ended, since the start.
    pub at: Duration,
    /// CPU time of every thread.
    pub cpu: Duration,
    /// Time every thread waited for a CPU.
    pub waited: Duration,
    /// Time the program was stalled so far: some thread of it waited for a CPU while none ran.
    pub stalled: Duration,
}

/// What was seen of the scheduling of one run.
#[derive(Debug, Clone, Default)]
pub struct SchedLog {
    /// Whether the kernel keeps per-thread schedstat (`CONFIG_SCHED_INFO`); when it does not,
    /// nothing below is filled and no time is discounted.
    pub available: bool,
    /// Every thread seen, in the order first seen.
    pub threads: Vec<ThreadTime>,
    /// The totals at every sample, in time order.
    pub samples: Vec<SchedSample>,
}

impl SchedLog {
    /// Time the program was stalled by the machine over the whole run (a lower bound: only
    /// what the samples prove).
    pub fn stalled(&self) -> Duration {
        self.samples.last().map_or(Duration::ZERO, |s| s.stalled)
    }

    /// Time the program was stalled between `from` and `to` (a lower bound: the samples
    /// inside that interval only).
    pub fn stalled_between(&self, from: Duration, to: Duration) -> Duration {
        match self.inside(from, to) {
            Some((first, last)) => last.stalled.saturating_sub(first.stalled),
            None => Duration::ZERO,
        }
    }

    /// Time every thread waited for a CPU over the run.
    pub fn waited(&self) -> Duration {
        self.samples.last().map_or(Duration::ZERO, |s| s.waited)
    }

    /// How many threads wanted a CPU at once on average between `from` and `to`: their time
    /// running plus their time runnable but waiting, over the time between the samples
    /// inside that interval. A busy machine turns running into waiting, and leaves the sum
    /// as it was. `None` when fewer than two samples fall inside.
    pub fn demand_between(&self, from: Duration, to: Duration) -> Option<Demand> {
        let (first, last) = self.inside(from, to)?;
        let span = last.at.saturating_sub(first.at);
        (span > Duration::ZERO).then(|| Demand {
            cpu: last.cpu.saturating_sub(first.cpu),
            waited: last.waited.saturating_sub(first.waited),
            span,
        })
    }

    /// The first and last samples inside `[from, to]`, when two differ.
    fn inside(&self, from: Duration, to: Duration) -> Option<(&SchedSample, &SchedSample)> {
        let first = self.samples.iter().find(|s| s.at >= from)?;
        let last = self.samples.iter().rev().find(|s| s.at <= to)?;
        (last.at > first.at).then_some((first, last))
    }
}

/// Threads' running and waiting over a span of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Demand {
    /// CPU time.
    pub cpu: Duration,
    /// Time runnable but waiting for a CPU.
    pub waited: Duration,
    /// The span.
    pub span: Duration,
}

impl Demand {
    /// Threads that wanted a CPU at once, on average.
    pub fn threads(&self) -> f64 {
        (self.cpu + self.waited).as_secs_f64() / self.span.as_secs_f64().max(1e-3)
    }
}

/// Follows the threads of one run, sample after sample.
pub(super) struct SchedWatch {
    log: SchedLog,
    index: BTreeMap<(u32, u32), usize>,
    last: SchedSample,
}

impl SchedWatch {
    /// A watch; it records nothing where the kernel keeps no schedstat.
    pub(super) fn new() -> SchedWatch {
        SchedWatch {
            log: SchedLog {
                available: std::path::Path::new("/proc/self/schedstat").exists(),
                ..SchedLog::default()
            },
            index: BTreeMap::new(),
            last: SchedSample::default(),
        }
    }

    /// Reads every thread of `pids`, whose scan ran from `scan_start` to `scan_end`.
    ///
    /// The stall of the time since the last sample is bounded from below: some thread wanted
    /// a CPU (ran or waited) for at least the longest one thread did, and the program ran for
    /// at most the sum of its threads' CPU time, so it was kept waiting with nothing running
    /// for at least the difference.
    pub(super) fn sample(&mut self, pids: &[u32], scan_start: Duration, scan_end: Duration) {
        if !self.log.available {
            return;
        }
        let (mut longest_wanting, mut ran) = (Duration::ZERO, Duration::ZERO);
        for &pid in pids {
            for (tid, cpu, waited) in tasks_of(pid) {
                let slot = *self.index.entry((pid, tid)).or_insert_with(|| {
                    self.log.threads.push(ThreadTime {
                        pid,
                        tid,
                        from: scan_end,
                        until: scan_end,
                        cpu: Duration::ZERO,
                        waited: Duration::ZERO,
                    });
                    self.log.threads.len() - 1
                });
                let thread = &mut self.log.threads[slot];
                let (more_cpu, more_wait) = (
                    cpu.saturating_sub(thread.cpu),
                    waited.saturating_sub(thread.waited),
                );
                longest_wanting = longest_wanting.max(more_cpu + more_wait);
                ran += more_cpu;
                self.last.cpu += more_cpu;
                self.last.waited += more_wait;
                thread.cpu = thread.cpu.max(cpu);
                thread.waited = thread.waited.max(waited);
                thread.until = scan_start.max(thread.from);
            }
        }
        let since = scan_end.saturating_sub(self.last.at);
        self.last.stalled += longest_wanting.saturating_sub(ran).min(since);
        self.last.at = scan_end;
        self.log.samples.push(self.last);
    }

    /// Time the program was stalled so far.
    pub(super) fn stalled(&self) -> Duration {
        self.last.stalled
    }

    /// What was seen.
    pub(super) fn into_log(self) -> SchedLog {
        self.log
    }
}

/// `(tid, cpu, waited)` of every thread of `pid`.
fn tasks_of(pid: u32) -> Vec<(u32, Duration, Duration)> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| {
            let tid = task.file_name().to_str()?.parse().ok()?;
            let text = std::fs::read_to_string(task.path().join("schedstat")).ok()?;
            let (cpu, waited) = parse_schedstat(&text)?;
            Some((tid, cpu, waited))
        })
        .collect()
}

/// The time on a CPU and the time waiting for one of a `schedstat` line
/// (`cpu_ns wait_ns timeslices`).
fn parse_schedstat(text: &str) -> Option<(Duration, Duration)> {
    let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().ok());
    let cpu = fields.next()??;
    let waited = fields.next()??;
    Some((Duration::from_nanos(cpu), Duration::from_nanos(waited)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at: u64, cpu: u64, waited: u64, stalled: u64) -> SchedSample {
        SchedSample {
            at: Duration::from_millis(at),
            cpu: Duration::from_millis(cpu),
            waited: Duration::from_millis(waited),
            stalled: Duration::from_millis(stalled),
        }
    }

    #[test]
    fn demand_counts_waiting_threads_as_wanting_a_cpu() {
        let log = SchedLog {
            available: true,
            threads: Vec::new(),
            samples: vec![
                sample(0, 0, 0, 0),
                sample(100, 50, 150, 20),
                sample(200, 100, 300, 40),
            ],
        };
        let demand = log
            .demand_between(Duration::ZERO, Duration::from_millis(250))
            .unwrap();
        assert!((demand.threads() - 2.0).abs() < 1e-9, "{demand:?}");
        assert_eq!(
            log.stalled_between(Duration::from_millis(50), Duration::from_millis(200)),
            Duration::from_millis(20),
            "only the samples inside count"
        );
        assert_eq!(
            log.demand_between(Duration::from_millis(150), Duration::from_millis(190)),
            None
        );
    }

    #[test]
    fn reads_schedstat_lines() {
        assert_eq!(
            parse_schedstat("115006 99422 2\n"),
            Some((Duration::from_nanos(115006), Duration::from_nanos(99422)))
        );
        assert_eq!(parse_schedstat("garbage"), None);
    }

    #[test]
    fn a_spinning_thread_of_this_process_is_running_or_waiting_all_along() {
        let end = std::time::Instant::now() + Duration::from_millis(50);
        while std::time::Instant::now() < end {
            std::hint::spin_loop();
        }
        let mut watch = SchedWatch::new();
        assert!(
            watch.log.available,
            "this kernel keeps per-thread schedstat"
        );
        watch.sample(
            &[std::process::id()],
            Duration::ZERO,
            Duration::from_millis(1),
        );
        let log = watch.into_log();
        // However busy the machine, spinning for 50 ms is 50 ms on a CPU or waiting for one.
        let wanted = log.samples[0].cpu + log.samples[0].waited;
        assert!(wanted >= Duration::from_millis(45), "{log:?}");
    }
}
