//! Programs that misbehave, under the real supervisor: each ends within its limit with the
//! right verdict, and no process is left behind.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::eventually;
use learn::checks::judge_ending;
use learn::supervise::{
    self, Affinity, Ending, HangKind, Limits, Perturbation, RunRecord, RunRequest, SandboxRequest,
    StopReason,
};

fn sh(script: &str, limits: Limits) -> RunRecord {
    sh_perturbed(script, limits, Perturbation::None)
}

fn sh_perturbed(script: &str, limits: Limits, perturbation: Perturbation) -> RunRecord {
    let request = RunRequest {
        sandbox: SandboxRequest::system_programs(),
        limits,
        perturbation,
        ..RunRequest::new("/bin/sh", vec!["-c".into(), script.into()])
    };
    supervise::run(&request).expect("sh starts")
}

fn quick(timeout_ms: u64) -> Limits {
    Limits {
        timeout: Duration::from_millis(timeout_ms),
        ..Limits::default()
    }
}

/// Whether any process of a pid list is still alive (and not a zombie).
fn any_alive(pids: &[u32]) -> bool {
    pids.iter().any(|pid| {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
    })
}

fn all_pids(record: &RunRecord) -> Vec<u32> {
    record
        .processes
        .children
        .iter()
        .map(|c| c.pid)
        .chain([record.processes.root])
        .collect()
}

#[test]
fn a_program_that_hangs_is_stopped_at_its_time_limit() {
    let started = Instant::now();
    let record = sh("echo before; sleep 30", quick(800));
    assert!(started.elapsed() < Duration::from_secs(5));
    let Ending::Stopped(StopReason::TimedOut { diagnosis, .. }) = &record.ending else {
        panic!("{:?}", record.ending)
    };
    assert_eq!(diagnosis.kind, HangKind::Blocked);
    assert_eq!(record.stdout[0].text, "before");
    assert!(judge_ending(&record).unwrap().seen[0].contains("timed out after 0.8 s"));
    assert!(!any_alive(&all_pids(&record)));
}

#[test]
fn a_busy_loop_is_stopped_and_called_one() {
    let record = sh("while :; do :; done", quick(1500));
    let Ending::Stopped(StopReason::TimedOut { diagnosis, .. }) = &record.ending else {
        panic!("{:?}", record.ending)
    };
    assert_eq!(diagnosis.kind, HangKind::BusyLoop);
}

#[test]
fn a_thread_spinning_on_a_flag_is_reported_as_busy_waiting_not_as_quiet() {
    let record = rust_fixture("spins_on_a_flag", quick(1500));
    let Ending::Stopped(StopReason::TimedOut { diagnosis, .. }) = &record.ending else {
        panic!("{:?}", record.ending)
    };
    assert_eq!(diagnosis.kind, HangKind::BusyLoop);
    let failure = judge_ending(&record).unwrap();
    assert!(
        failure.seen[0].contains("still using CPU (busy)") && !failure.seen[0].contains("no CPU"),
        "{:?}",
        failure.seen
    );
    assert!(
        failure
            .seen
            .iter()
            .any(|l| l.contains("'spinner': running")),
        "the spinning thread is listed as running: {:?}",
        failure.seen
    );
    assert!(failure.hint.contains("busy-waiting"), "{}", failure.hint);
}

#[test]
fn a_program_that_prints_forever_is_cut_and_the_runner_keeps_little() {
    let limits = Limits {
        max_output_bytes: 64 * 1024,
        ..quick(10_000)
    };
    let started = Instant::now();
    let record = sh("yes flood", limits);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopped on the flood, not the time limit"
    );
    assert!(matches!(
        record.ending,
        Ending::Stopped(StopReason::OutputFlood { .. })
    ));
    let kept: usize = record.stdout.iter().map(|l| l.text.len() + 1).sum();
    assert!(kept <= 64 * 1024 + 8192, "kept {kept} bytes");
}

#[test]
fn a_panic_is_a_failed_exit_with_its_message() {
    let record = sh(
        "echo \"thread 'main' panicked at src/main.rs:3:5:\" >&2; exit 101",
        quick(5000),
    );
    let failure = judge_ending(&record).expect("a failure");
    assert_eq!(failure.check, "exit_status");
    assert!(
        failure
            .seen
            .iter()
            .any(|s| s.contains("panicked at src/main.rs:3:5")),
        "{failure:?}"
    );
}

#[test]
fn a_program_reading_stdin_gets_end_of_file_at_once() {
    let started = Instant::now();
    let record = sh("read line; echo \"read returned $?\"", quick(5000));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(record.stdout[0].text, "read returned 1");
}

#[test]
fn a_fork_flood_is_stopped_with_the_whole_tree() {
    let limits = Limits {
        max_processes: 12,
        ..quick(10_000)
    };
    let record = sh("while :; do sleep 5 & done", limits);
    assert!(
        matches!(record.ending, Ending::Stopped(StopReason::ForkFlood { .. })),
        "{:?}",
        record.ending
    );
    let pids = all_pids(&record);
    eventually(Duration::from_secs(5), || {
        if any_alive(&pids) {
            Err("every process of the flood to end")
        } else {
            Ok(())
        }
    });
}

#[test]
fn a_memory_hog_is_stopped() {
    let limits = Limits {
        max_memory_bytes: 64 << 20,
        ..quick(10_000)
    };
    // Grows a shell string by doubling until stopped: hundreds of MiB within seconds.
    let record = sh("x=0123456789abcdef; while :; do x=$x$x; done", limits);
    assert!(
        matches!(
            record.ending,
            Ending::Stopped(StopReason::MemoryHog { .. }) | Ending::Exited(_) | Ending::Signaled(_)
        ),
        "{:?}",
        record.ending
    );
    assert!(judge_ending(&record).is_some(), "a memory hog cannot pass");
}

#[test]
fn children_left_running_after_the_parent_exits_are_stopped_and_reported() {
    let record = sh("sleep 30 & sleep 30 & echo spawned", quick(5000));
    assert_eq!(record.orphans.len(), 2, "{record:?}");
    assert_eq!(judge_ending(&record).unwrap().check, "orphans");
    eventually(Duration::from_secs(5), || {
        if any_alive(&record.orphans) {
            Err("the orphans to end")
        } else {
            Ok(())
        }
    });
}

#[test]
fn each_line_is_stamped_with_its_arrival_time() {
    let record = sh("echo first; sleep 0.3; echo second", quick(5000));
    let gap = record.stdout[1].at - record.stdout[0].at;
    assert!(gap >= Duration::from_millis(250), "{gap:?}");
}

#[test]
fn child_processes_are_observed() {
    let record = sh("sleep 0.2 & sleep 0.2 & wait", quick(5000));
    assert_eq!(record.processes.children.len(), 2, "{:?}", record.processes);
    assert_eq!(record.processes.max_alive_children, 2);
    assert!(record.orphans.is_empty());
}

/// Builds `tests/fixtures/faults/NAME.rs` with the real build step and runs it supervised.
fn rust_fixture(name: &str, limits: Limits) -> RunRecord {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let unit = learn::build::Unit {
        id: format!("faults/{name}"),
        source: root.join(format!("tests/fixtures/faults/{name}.rs")),
        harness: None,
        shuttle: false,
    };
    let cargo = learn::build::Cargo {
        root: root.clone(),
        target_dir: root.join("target/learn-tests"),
        toolchain: learn::build::Toolchain::default(),
    };
    let built = cargo
        .build_quietly(std::slice::from_ref(&unit))
        .expect("cargo runs");
    let exe = built[&unit].clone().expect("the fixture compiles").exe;
    let request = RunRequest {
        limits,
        ..RunRequest::new(exe, Vec::new())
    };
    supervise::run(&request).unwrap()
}

#[test]
fn a_rust_panic_is_reported_with_where_it_happened() {
    let record = rust_fixture("panics", quick(10_000));
    assert!(
        matches!(record.ending, Ending::Exited(101)),
        "{:?}",
        record.ending
    );
    let failure = judge_ending(&record).unwrap();
    assert!(
        failure
            .seen
            .iter()
            .any(|s| s.contains("panicked at") && s.contains("panics.rs:5:14")),
        "{failure:?}"
    );
    assert!(failure.hint.contains("panic"));
}

#[test]
fn a_deadlock_is_diagnosed_before_the_time_limit_with_each_threads_state() {
    let started = Instant::now();
    let record = rust_fixture("deadlock", quick(20_000));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped as a deadlock, not at the 20 s limit"
    );
    let Ending::Stopped(StopReason::Deadlock(diagnosis)) = &record.ending else {
        panic!("{:?}", record.ending)
    };
    let lines = diagnosis.thread_lines().join("\n");
    assert_eq!(diagnosis.threads.len(), 2, "{lines}");
    assert!(
        lines.contains("'b-then-a': blocked on a lock, condvar, channel or join"),
        "{lines}"
    );
    let failure = judge_ending(&record).unwrap();
    assert_eq!(failure.check, "deadlock");
    assert!(failure.rule.contains("must not deadlock"));
}

#[test]
fn instant_children_are_counted_exactly_by_the_probe() {
    for _ in 0..10 {
        let record = rust_fixture("instant_children", quick(10_000));
        assert!(
            record.processes.probed,
            "the probe is linked into exercise binaries"
        );
        assert_eq!(record.processes.children.len(), 2, "{:?}", record.processes);
        assert_eq!(
            record.processes.max_alive_children, 1,
            "they ran one after the other"
        );
        assert!(
            record
                .processes
                .children
                .iter()
                .all(|c| c.parent == record.processes.root)
        );
    }
}

#[test]
fn a_quiet_wait_with_a_timeout_is_not_called_a_deadlock() {
    let record = rust_fixture("timed_wait", quick(20_000));
    assert!(
        matches!(record.ending, Ending::Exited(0)),
        "{:?}",
        record.ending
    );
    assert_eq!(record.stdout[0].text, "woke after the timeout: true");
}

/// Busy processes per core beside the runs of the tests about load.
const LOAD_PER_CORE: usize = 4;

#[test]
fn children_run_one_after_another_are_never_counted_at_once_beside_busy_processes() {
    let load = common::Load::per_core(LOAD_PER_CORE);
    let started = Instant::now();
    for _ in 0..10 {
        let record = rust_fixture("instant_children", quick(30_000));
        assert_eq!(record.processes.children.len(), 2, "{:?}", record.processes);
        assert_eq!(
            record.processes.max_alive_children, 1,
            "probed children that ran one after the other: {:?}",
            record.processes
        );
        // Not probed: /proc's stamps alone must not make them overlap.
        let record = sh("for i in 1 2 3 4 5 6; do sleep 0.03; done", quick(30_000));
        assert_eq!(record.processes.children.len(), 6, "{:?}", record.processes);
        assert!(
            record.processes.max_alive_children <= 1,
            "sleeps one after the other: {:?}",
            record.processes
        );
    }
    let record = sh("sleep 0.3 & sleep 0.3 & wait", quick(30_000));
    assert_eq!(
        record.processes.max_alive_children, 2,
        "children alive together are still seen together under load"
    );
    load.assert_it_loaded(started.elapsed());
}

#[test]
fn a_pinned_run_is_verified_to_run_on_its_core() {
    let record = sh_perturbed("sleep 0.1", quick(10_000), Perturbation::OneCore);
    assert_eq!(record.affinity, Affinity::Held, "{:?}", record.affinity);
    assert!(judge_ending(&record).is_none());
}

#[test]
fn a_program_that_widens_its_own_affinity_fails() {
    // Tries to allow itself every core, then says what it got: refused (a sandbox may forbid
    // it) or done, the verdict must follow what really happened.
    let record = sh_perturbed(
        "taskset -pc 0-1023 $$ >/dev/null 2>&1; grep Cpus_allowed_list /proc/$$/status; sleep 0.2",
        quick(10_000),
        Perturbation::OneCore,
    );
    let got = record.stdout[0]
        .text
        .split_whitespace()
        .last()
        .unwrap()
        .to_string();
    let pinned = got.parse::<usize>().is_ok();
    if pinned {
        assert_eq!(record.affinity, Affinity::Held, "refused: {got}");
        assert!(judge_ending(&record).is_none());
    } else {
        assert!(
            matches!(&record.affinity, Affinity::Widened { seen, .. } if *seen == got),
            "widened to {got}: {:?}",
            record.affinity
        );
        let failure = judge_ending(&record).expect("a failure");
        assert_eq!(failure.check, "affinity");
        assert!(failure.seen[0].contains(&got), "{failure:?}");
    }
}

#[test]
fn a_time_limit_counts_the_programs_own_time_not_its_wait_for_a_cpu() {
    // Pinned to one core beside busy processes pinned there too, a thread that computes for
    // about half a second of CPU waits for most of its life; a 2 s limit of its own time lets
    // it finish.
    let load = common::Load::per_core(LOAD_PER_CORE);
    let started = Instant::now();
    let record = sh_perturbed(
        "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; echo done",
        quick(2_000),
        Perturbation::OneCore,
    );
    load.assert_it_loaded(started.elapsed());
    assert!(
        matches!(record.ending, Ending::Exited(0)),
        "{:?} after {:?}, {:?} of it stalled",
        record.ending,
        record.wall,
        record.sched.stalled()
    );
    assert!(record.sched.stalled() > Duration::ZERO);
}
