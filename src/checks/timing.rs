//! Timing rules, judged on the arrival time of each line as the runner measured it (never on
//! times the program prints). A timing failure is retried before it counts, so a busy machine
//! cannot fail a correct program; the bounds themselves are set with slack in the manifest.

use std::time::Duration;

use serde::Deserialize;

use super::order::Sequence;
use super::{CheckKind, Evidence, Failure, Outcome};
use crate::lines::pattern::Pattern;
use crate::supervise::RunRecord;

/// `overlap`: every line matching `start` arrived before the first line matching `end`, so
/// all the work was under way at once.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overlap {
    /// A unit of work starting.
    pub start: Pattern,
    /// A unit of work ending.
    pub end: Pattern,
}

impl Overlap {
    /// Judges whether the work overlapped.
    ///
    /// Over 80 lines on purpose: most of it is the failure message (the lines' times, the
    /// stall, the hint), which reads best next to the rule.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let lines = &evidence.run.stdout;
        let first_end = lines.iter().position(|l| self.end.is_match(&l.text));
        let last_start = lines.iter().rposition(|l| self.start.is_match(&l.text));
        let (Some(first_end), Some(last_start)) = (first_end, last_start) else {
            return Outcome::Fail(Failure::timing(
                CheckKind::Overlap,
                format!(
                    "lines matching {} and {} must both appear",
                    self.start, self.end
                ),
                vec!["one of them never did".into()],
                "Print the start and end lines the exercise asks for.",
            ));
        };
        if last_start < first_end {
            return Outcome::Pass;
        }
        let (s, e) = (&lines[last_start], &lines[first_end]);
        Outcome::Fail(Failure::timing(
            CheckKind::Overlap,
            format!(
                "all the work must be under way at once: every {} before the first {}",
                self.start, self.end
            ),
            vec![
                format!("at {}: `{}`", ms(e.at), e.text),
                format!(
                    "at {}: `{}` (started only after that one ended)",
                    ms(s.at),
                    s.text
                ),
            ],
            super::slow::hint(
                evidence,
                "Start all the work first (every thread, or every task), and wait for any of it only after all of it has started.",
            ),
        ))
    }
}

/// A number of milliseconds the program takes as an argument: its place among the
/// arguments (from 0) and its value when the argument set does not give it.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArgMs {
    /// Its place among the arguments, from 0.
    pub index: usize,
    /// Its value when absent.
    pub default: u64,
}

impl ArgMs {
    /// Its value in the arguments `args` (the default when absent or not a number).
    fn value(&self, args: &[String]) -> u64 {
        args.get(self.index)
            .and_then(|a| a.parse().ok())
            .unwrap_or(self.default)
    }
}

/// `wall_time`: the run took at most `max_ms`, plus the milliseconds an argument gives
/// where `plus` names one (a program told when to stop).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WallTime {
    /// The bound in milliseconds.
    pub max_ms: u64,
    /// An argument of milliseconds added to the bound.
    #[serde(default)]
    pub plus: Option<ArgMs>,
}

impl WallTime {
    /// Judges the run's duration, less the time the machine kept it waiting for a CPU with
    /// nothing of it running after the bound (see [`RunRecord::wall_less_waiting_after`]).
    ///
    /// [`RunRecord::wall_less_waiting_after`]: crate::supervise::RunRecord::wall_less_waiting_after
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let run = evidence.run;
        let plus = self.plus.map_or(0, |arg| arg.value(&run.args));
        let limit = Duration::from_millis(self.max_ms + plus);
        let own = run.wall_less_waiting_after(limit);
        if own <= limit {
            return Outcome::Pass;
        }
        let waited = run.wall.saturating_sub(own);
        let seen = if waited.is_zero() {
            format!("it took {}", ms(run.wall))
        } else {
            format!(
                "it took {}, of which {} after {} waiting for a CPU with nothing of it running (the machine was busy; not counted): {} of its own",
                ms(run.wall),
                ms(waited),
                ms(limit),
                ms(own)
            )
        };
        Outcome::Fail(Failure::timing(
            CheckKind::WallTime,
            format!(
                "the program must finish within {} of its own time (concurrent work takes about as long as its longest part, not the sum)",
                ms(limit)
            ),
            vec![seen],
            super::slow::hint(
                evidence,
                "Work that waits (sleeps, downloads) must wait at the same time: start it all before waiting for any of it.",
            ),
        ))
    }
}

/// `period`: exactly `count` lines match, the k-th (from 1) at k × `every_ms` ±
/// `tolerance_ms` after the start, and with no drift that accumulates: the trend of the tick
/// times against k (the median of the slopes between every two ticks, which one late tick
/// cannot move) stays within `every_ms` ± `max_drift_ms` per tick, where the manifest sets
/// it (judged from five ticks on).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// The ticking lines.
    pub pattern: Pattern,
    /// The period in milliseconds.
    pub every_ms: u64,
    /// How many ticks (where `stop` is not set).
    #[serde(default)]
    pub count: usize,
    /// The argument that tells the program when to stop: then the ticks are those due
    /// before it (k × `every_ms` < STOP), whatever `count` says.
    #[serde(default)]
    pub stop: Option<ArgMs>,
    /// Allowed distance from the ideal time of each tick.
    pub tolerance_ms: u64,
    /// Allowed drift per tick of the trend; none: the trend is not judged.
    #[serde(default)]
    pub max_drift_ms: Option<f64>,
}

/// The Theil–Sen slope of `ticks` against their index: the median of the slopes between every
/// two of them, in milliseconds per tick; `None` for fewer than two ticks.
fn trend_ms_per_tick(ticks: &[Duration]) -> Option<f64> {
    let mut slopes: Vec<f64> = (0..ticks.len())
        .flat_map(|i| (i + 1..ticks.len()).map(move |j| (i, j)))
        .map(|(i, j)| (ticks[j].as_secs_f64() - ticks[i].as_secs_f64()) * 1000.0 / (j - i) as f64)
        .collect();
    slopes.sort_by(f64::total_cmp);
    let n = slopes.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(slopes[n / 2]),
        _ => Some((slopes[n / 2 - 1] + slopes[n / 2]) / 2.0),
    }
}

impl Period {
    /// The ideal time of tick `k` (from 0).
    fn ideal(&self, k: usize) -> Duration {
        Duration::from_millis(self.every_ms * (k as u64 + 1))
    }

    /// The drift per tick of `ticks`' trend, when it is beyond the bound.
    fn drift(&self, ticks: &[Duration]) -> Option<f64> {
        let max = self.max_drift_ms?;
        let drift = trend_ms_per_tick(ticks)? - self.every_ms as f64;
        (ticks.len() >= 5 && drift.abs() > max).then_some(drift)
    }

    /// Judges the tick count, each tick's time and the trend. A tick late only because the
    /// machine kept the program waiting for a CPU between its ideal time (less the tolerance)
    /// and its arrival is on time; ticks missing at the end while the machine kept the program
    /// waiting after they were due are a timing failure (retried), not a logic one.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        let run = evidence.run;
        let count = self.stop.map_or(self.count, |stop| {
            (stop.value(&run.args).saturating_sub(1) / self.every_ms.max(1)) as usize
        });
        let ticks: Vec<Duration> = run
            .stdout
            .iter()
            .filter(|l| self.pattern.is_match(&l.text))
            .map(|l| l.at)
            .collect();
        if ticks.len() != count {
            return self.miscounted(run, &ticks, count);
        }
        let off = ticks.iter().enumerate().any(|(k, &at)| {
            let ideal = self.ideal(k);
            // Only the waiting after the tick was due: a clock that keeps its deadlines is
            // not late for what the machine made it wait before.
            let waited = run.sched.stalled_between(ideal, at);
            let own = at.saturating_sub(waited).max(ideal.min(at));
            own.abs_diff(ideal) > self.tolerance()
        });
        let drift = self.drift(&ticks);
        if !off && drift.is_none() {
            return Outcome::Pass;
        }
        let mut seen = self.listing(&ticks);
        if let Some(drift) = drift {
            seen.push(format!("trend: {drift:+.1} ms per tick"));
        }
        Outcome::Fail(Failure::timing(
            CheckKind::Period,
            format!(
                "tick k must come at k × {} ms (± {} ms), with no drift that accumulates{}",
                self.every_ms,
                self.tolerance_ms,
                self.max_drift_ms
                    .map_or(String::new(), |max| format!(" (at most {max} ms per tick)"))
            ),
            seen,
            match drift {
                Some(drift) => drift_hint(drift),
                None => "A tick came far from its time: compute each deadline from the start (start + k × period) and sleep until it.".to_string(),
            },
        ))
    }

    /// The failure of `count` ticks expected and `ticks` seen: a timing failure (retried)
    /// when ticks are missing at the end while the machine kept the program waiting after
    /// they were due, a logic one otherwise.
    fn miscounted(&self, run: &RunRecord, ticks: &[Duration], count: usize) -> Outcome {
        let tolerance = self.tolerance();
        let rule = format!(
            "there must be exactly {} lines matching {}",
            count, self.pattern
        );
        let mut seen = [
            vec![format!("there were {}", ticks.len())],
            self.listing(ticks),
        ]
        .concat();
        let hint = match self.drift(ticks) {
            Some(drift) => drift_hint(drift),
            None if ticks.len() > count => {
                "Stop the ticker when told, and not before: it ticked after main asked it to stop."
                    .to_string()
            }
            None => "Stop the ticker when told, and not before.".to_string(),
        };
        if ticks.len() < count {
            let due = self.ideal(ticks.len()).saturating_sub(tolerance);
            let stalled = run.sched.stalled_between(due, run.wall);
            if stalled >= tolerance {
                seen.push(format!(
                    "tick {} was due at {}; after that the machine kept the program waiting {} for a CPU with nothing of it running: the machine was busy",
                    ticks.len() + 1,
                    ms(self.ideal(ticks.len())),
                    ms(stalled)
                ));
                return Outcome::Fail(Failure::timing(CheckKind::Period, rule, seen, hint));
            }
        }
        Outcome::Fail(Failure::logic(CheckKind::Period, rule, seen, hint))
    }

    /// How far from its ideal time a tick may come.
    fn tolerance(&self) -> Duration {
        Duration::from_millis(self.tolerance_ms)
    }

    /// Each tick of `ticks` with its time and its ideal time.
    fn listing(&self, ticks: &[Duration]) -> Vec<String> {
        ticks
            .iter()
            .enumerate()
            .map(|(i, t)| format!("tick {} at {} (ideal {})", i + 1, ms(*t), ms(self.ideal(i))))
            .collect()
    }
}

/// The hint for ticks that drift by `drift` ms per tick.
fn drift_hint(drift: f64) -> String {
    format!(
        "The ticks drift by {drift:+.0} ms per tick: sleeping a fixed time after the work adds the work's time to every period. Compute each deadline from the start (start + k × period) and sleep until it."
    )
}

/// `completion_order`: the lines matching `pattern` come in exactly the order `expect`, an
/// order the scheduler decides by when work finishes (tasks of different lengths reporting as
/// they complete). The rule of `sequence`, judged as timing: a late wake-up on a loaded
/// machine can swap two results, so a failure is retried before it counts.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct CompletionOrder(Sequence);

impl CompletionOrder {
    /// Judges the order of completion.
    pub fn judge(&self, evidence: &Evidence) -> Outcome {
        match self.0.judge(evidence) {
            Outcome::Fail(failure) => Outcome::Fail(Failure {
                check: CheckKind::CompletionOrder,
                rule: format!("results must be reported in the order the work finishes: {}", failure.rule),
                hint: "Report each result as it arrives (a channel the workers send to, read in a loop), not in the order the work was started.".into(),
                timing: true,
                ..failure
            }),
            other => other,
        }
    }
}

/// A duration as milliseconds, for messages.
pub(crate) fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::test_support::run;

    fn evidence_judge(
        check: impl Fn(&Evidence) -> Outcome,
        lines: &[(&str, u64)],
        wall: u64,
    ) -> Outcome {
        Evidence::judge_alone(&run(lines, wall), check)
    }

    #[test]
    fn period_catches_accumulating_drift() {
        let check = Period {
            pattern: Pattern::new("^Tick$").unwrap(),
            every_ms: 500,
            count: 3,
            stop: None,
            tolerance_ms: 100,
            max_drift_ms: Some(5.0),
        };
        let on_time = [("Tick", 510), ("Tick", 1005), ("Tick", 1530)];
        let drifting = [("Tick", 600), ("Tick", 1200), ("Tick", 1800)];
        assert_eq!(
            evidence_judge(|e| check.judge(e), &on_time, 1600),
            Outcome::Pass
        );
        let Outcome::Fail(f) = evidence_judge(|e| check.judge(e), &drifting, 1900) else {
            panic!()
        };
        assert!(f.timing);
    }

    /// The ticker of `tick`: ten ticks every 500 ms ± 200 ms, drifting at most `max_drift_ms`.
    fn ten_ticks(max_drift_ms: f64) -> Period {
        Period {
            pattern: Pattern::new("^Tick$").unwrap(),
            every_ms: 500,
            count: 10,
            stop: None,
            tolerance_ms: 200,
            max_drift_ms: Some(max_drift_ms),
        }
    }

    #[test]
    fn the_stop_argument_sets_the_ticks_due_and_the_wall_time() {
        let stop = ArgMs {
            index: 0,
            default: 5250,
        };
        let check = Period {
            stop: Some(stop),
            ..ten_ticks(6.0)
        };
        let ticks = |n: u64| -> Vec<(&'static str, u64)> {
            (1..=n).map(|k| ("Tick", k * 500 + 5)).collect()
        };
        let judged = |n: u64, args: &[&str], wall: u64| {
            let mut record = run(&ticks(n), wall);
            record.args = args.iter().map(|a| a.to_string()).collect();
            Evidence::judge_alone(&record, |e| check.judge(e))
        };
        assert_eq!(
            judged(10, &[], 5300),
            Outcome::Pass,
            "the default: 10 ticks"
        );
        assert_eq!(
            judged(6, &["3250"], 3300),
            Outcome::Pass,
            "3250 ms: 6 ticks"
        );
        assert!(
            matches!(judged(10, &["3250"], 5300), Outcome::Fail(_)),
            "a ticker that ends by itself after ten ticks, told to stop at 3250 ms"
        );
        let wall = WallTime {
            max_ms: 220,
            plus: Some(stop),
        };
        let mut told = run(&ticks(6), 3300);
        told.args = vec!["3250".into()];
        assert_eq!(
            Evidence::judge_alone(&told, |e| wall.judge(e)),
            Outcome::Pass
        );
        told.wall = Duration::from_millis(5300);
        assert!(matches!(
            Evidence::judge_alone(&told, |e| wall.judge(e)),
            Outcome::Fail(_)
        ));
    }

    #[test]
    fn a_drift_within_the_tolerance_of_each_tick_is_caught_by_the_trend() {
        let check = ten_ticks(5.0);
        let ticks = |at: &dyn Fn(u64) -> u64| -> Vec<(&'static str, u64)> {
            (1..=10).map(|k| ("Tick", at(k))).collect()
        };
        let drifting = ticks(&|k| k * 510);
        let Outcome::Fail(f) = evidence_judge(|e| check.judge(e), &drifting, 5300) else {
            panic!("10 ms per tick passed")
        };
        assert!(f.hint.contains("+10 ms per tick"), "{}", f.hint);
        // Late wake-ups that do not accumulate, one of them very late: no trend.
        let jittery = ticks(&|k| k * 500 + [30, 5, 60, 10, 0, 40, 20, 190, 15, 25][k as usize - 1]);
        assert_eq!(
            evidence_judge(|e| check.judge(e), &jittery, 5300),
            Outcome::Pass
        );
    }

    #[test]
    fn the_starters_ticks_too_few_and_ever_later_are_named_as_a_drift_per_tick() {
        let check = ten_ticks(6.0);
        // The starter: a full period after each tick's 100 ms of work, 8 ticks by 5.25 s.
        let late: Vec<(&str, u64)> = (1..=8).map(|k| ("Tick", k * 600 - 100)).collect();
        let Outcome::Fail(f) = evidence_judge(|e| check.judge(e), &late, 5260) else {
            panic!("8 ticks passed")
        };
        assert_eq!(f.seen[0], "there were 8");
        assert!(
            f.hint.starts_with("The ticks drift by +100 ms per tick"),
            "{}",
            f.hint
        );
        // Too few ticks on time (stopped early) are no drift.
        let early: Vec<(&str, u64)> = (1..=8).map(|k| ("Tick", k * 500)).collect();
        let Outcome::Fail(f) = evidence_judge(|e| check.judge(e), &early, 4100) else {
            panic!("8 ticks passed")
        };
        assert_eq!(f.hint, "Stop the ticker when told, and not before.");
    }

    #[test]
    fn wall_time_discounts_only_the_waiting_that_pushed_the_end_past_the_bound() {
        use crate::supervise::SchedSample;
        let check = WallTime {
            max_ms: 500,
            plus: None,
        };
        let judge = |wall_ms: u64, stalled: &[(u64, u64)]| {
            let mut record = run(&[], wall_ms);
            record.sched.available = true;
            record.sched.samples = stalled
                .iter()
                .map(|&(at, total)| SchedSample {
                    at: Duration::from_millis(at),
                    stalled: Duration::from_millis(total),
                    ..SchedSample::default()
                })
                .collect();
            Evidence::judge_alone(&record, |e| check.judge(e))
        };
        // 300 ms of its own, then kept waiting from 500 to 760 ms: the machine's.
        assert_eq!(judge(760, &[(0, 0), (500, 0), (760, 260)]), Outcome::Pass);
        // Waiting early on does not excuse a program that ends by its own clock at 550 ms.
        let Outcome::Fail(failure) = judge(550, &[(0, 0), (100, 80), (550, 80)]) else {
            panic!("a late end is late")
        };
        assert_eq!(failure.seen, ["it took 550 ms"]);
    }

    #[test]
    fn overlap_and_wall_time() {
        let check = Overlap {
            start: Pattern::new("started").unwrap(),
            end: Pattern::new("finished").unwrap(),
        };
        let overlapping = [
            ("0 started", 0),
            ("1 started", 1),
            ("0 finished", 300),
            ("1 finished", 301),
        ];
        let sequential = [
            ("0 started", 0),
            ("0 finished", 300),
            ("1 started", 300),
            ("1 finished", 600),
        ];
        assert_eq!(
            evidence_judge(|e| check.judge(e), &overlapping, 310),
            Outcome::Pass
        );
        assert!(matches!(
            evidence_judge(|e| check.judge(e), &sequential, 610),
            Outcome::Fail(_)
        ));
        let wall = WallTime {
            max_ms: 450,
            plus: None,
        };
        assert!(matches!(
            evidence_judge(|e| wall.judge(e), &sequential, 610),
            Outcome::Fail(_)
        ));
    }
}
