//! Programs that misbehave, under the real supervisor: each ends within its limit with the
//! right verdict, and no process is left behind.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use learn::checks::judge_ending;
use learn::supervise::{
    self, Ending, HangKind, Limits, RunRecord, RunRequest, SandboxRequest, StopReason,
};

fn sh(script: &str, limits: Limits) -> RunRecord {
    let request = RunRequest {
        sandbox: SandboxRequest::system_programs(),
        limits,
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
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !any_alive(&all_pids(&record)),
        "a process of the flood survived"
    );
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
    std::thread::sleep(Duration::from_millis(200));
    assert!(!any_alive(&record.orphans));
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
    };
    let built = learn::build::build(
        &root,
        &root.join("target/learn-tests"),
        std::slice::from_ref(&unit),
    )
    .expect("cargo runs");
    let exe = built[&unit].clone().expect("the fixture compiles");
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
