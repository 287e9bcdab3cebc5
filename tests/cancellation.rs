//! Cancelling work in progress, as watch mode does when a file is saved again: the run is
//! killed at once (its whole tree) and grading stops without a verdict on the old version.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use learn::grade::{GradeOutcome, Grader, Source};
use learn::supervise::{self, Ending, RunRequest, SandboxRequest, StopReason};

#[test]
fn a_raised_cancel_flag_stops_a_running_program_and_its_children() {
    let cancel = Arc::new(AtomicBool::new(false));
    let request = RunRequest {
        sandbox: SandboxRequest::system_programs(),
        cancel: Some(Arc::clone(&cancel)),
        ..RunRequest::new("/bin/sh", vec!["-c".into(), "sleep 30 & sleep 30".into()])
    };
    let raiser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        cancel.store(true, Ordering::Relaxed);
    });
    let started = Instant::now();
    let record = supervise::run(&request).expect("sh starts");
    raiser.join().unwrap();
    assert!(
        matches!(record.ending, Ending::Stopped(StopReason::Cancelled)),
        "{:?}",
        record.ending
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopped at once, not after the sleeps: {:?}",
        started.elapsed()
    );
}

#[test]
fn grading_with_a_raised_cancel_flag_concludes_nothing() {
    let course = common::course();
    let exercise = course.exercise("01_threads/spawn_join").unwrap();
    let cancel = Arc::new(AtomicBool::new(true));
    let grader = Grader::new(&course, common::target_dir()).cancel(cancel);
    let verdicts = grader
        .grade(&[(exercise, Source::Solution)])
        .expect("cargo runs");
    assert!(
        matches!(verdicts[0].outcome, GradeOutcome::Cancelled),
        "{:?}",
        verdicts[0].outcome
    );
    assert_eq!(verdicts[0].runs, 0);
}
