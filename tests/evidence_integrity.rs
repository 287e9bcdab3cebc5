//! The evidence of processes cannot be forged, and nothing a run starts outlives `learn`:
//! records a program appends to the probe's file for processes that never ran fail the run,
//! and when `learn` is killed (SIGKILL, no chance to clean up) every copy of the program it
//! was running dies too, grandchildren included (the probe's PR_SET_PDEATHSIG).

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use learn::checks::judge_ending;
use learn::supervise::{self, RunRequest, SandboxRequest};

#[test]
fn killing_learn_mid_run_leaves_no_process_of_the_run_behind() {
    let marker = "learn-pdeathsig-marker-5b7e";
    let course = common::course_copy();
    common::put_exercise(
        course.path(),
        "06_processes/separate_memory",
        "tests/fixtures/faults/grandchild_sleeper.rs",
    );
    let mut learn = Command::new(env!("CARGO_BIN_EXE_learn"))
        .args(["run", "06_processes/separate_memory"])
        .current_dir(course.path())
        .env("LEARN_TARGET_DIR", common::target_dir())
        .env("LEARN_UNLOCK_ALL", "1")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("learn starts");
    // The build may take a while; the run has started once child and grandchild are there.
    let deadline = Instant::now() + Duration::from_secs(240);
    while common::processes_with(&[marker]).len() < 2 {
        assert!(
            Instant::now() < deadline,
            "the run never started its child and grandchild"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    learn.kill().expect("SIGKILL learn");
    learn.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !common::processes_with(&[marker]).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        common::processes_with(&[marker]),
        Vec::<u32>::new(),
        "processes of the run outlived learn"
    );
}

#[test]
fn records_of_a_process_that_never_ran_fail_the_run_as_tampered() {
    let request = RunRequest {
        sandbox: SandboxRequest::system_programs(),
        ..RunRequest::new(
            "/bin/sh",
            vec![
                "-c".into(),
                "echo \"start 4000001 $$ 0\" >> \"$LEARN_PROBE\"; sleep 0.5".into(),
            ],
        )
    };
    let record = supervise::run(&request).expect("sh starts");
    let failure = judge_ending(&record).expect("the run fails");
    assert_eq!(failure.check, "tampered_evidence");
    assert!(
        failure.seen[0].contains("pid 4000001 was never a process of this run"),
        "{:?}",
        failure.seen
    );
}

#[test]
fn a_run_that_leaves_the_records_alone_is_not_called_tampered() {
    let request = RunRequest {
        sandbox: SandboxRequest::system_programs(),
        ..RunRequest::new("/bin/sh", vec!["-c".into(), "sleep 0.3 & wait".into()])
    };
    let record = supervise::run(&request).expect("sh starts");
    assert_eq!(record.processes.probe.tampered, None);
    assert!(
        judge_ending(&record).is_none(),
        "{:?}",
        judge_ending(&record)
    );
}
