//! Every cause a check can name, one snapshot each: the failure built from hand-made evidence
//! and rendered as the learner reads it (rule, what was seen, hint), so that a hint paired with
//! the wrong cause shows in review.
//!
//! Not here: whether a check fails (each check's own tests), nor the rest of a verdict.

use std::time::Duration;

use crate::checks::{CheckSpec, Evidence, Outcome};
use crate::supervise::test_support::{probed, run};
use crate::supervise::{Ending, Line, RunRecord};

const MS: u64 = 1_000_000;

/// The text a learner reads for the failure of `check` (the manifest's TOML) on `record`.
fn rendered(check: &str, record: &RunRecord) -> String {
    let spec: CheckSpec = toml::from_str(check).expect("a check of the manifest");
    match Evidence::judge_alone(record, |e| spec.judge(e)) {
        Outcome::Fail(failure) => {
            anstream::adapter::strip_str(&super::terminal::failure_text(&failure)).to_string()
        }
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// A run of a harness that exited 1 after printing `stderr`.
fn harness_run(stderr: &[&str]) -> RunRecord {
    let mut record = run(
        &[(
            "ok: BankAccount is Send + Sync (checked at compile time)",
            5,
        )],
        900,
    );
    record.stderr = stderr
        .iter()
        .map(|text| Line {
            text: text.to_string(),
            at: Duration::from_millis(800),
            writer: None,
        })
        .collect();
    record.ending = Ending::Exited(1);
    record
}

const PING_PONG_WALL_TIME: &str = "kind = \"wall_time\"\nmax_ms = 3000";
const SLEEPERS_OVERLAP: &str =
    "kind = \"overlap\"\nstart = '^Task \\d+ started'\nend = '^Task \\d+ woke up'";

#[test]
fn wall_time_of_threads_spinning_on_a_flag_is_busy_waiting() {
    let mut spinning = run(&[("Ping", 3), ("Pong", 1500)], 3_600);
    spinning.cpu = Duration::from_millis(3_550);
    insta::assert_snapshot!(rendered(PING_PONG_WALL_TIME, &spinning));
}

#[test]
fn wall_time_of_sleeps_one_after_another_says_to_wait_at_the_same_time() {
    insta::assert_snapshot!(rendered(PING_PONG_WALL_TIME, &run(&[("Ping", 3)], 3_600)));
}

#[test]
fn wall_time_of_threads_joined_one_by_one_is_joined_too_early() {
    let records = format!(
        "start 10 1 0\nthread 11 10 10 1 {}\nthread 12 10 10 2 {}\njoin 1 10 {} {}\njoin 2 10 {} {}\n",
        MS,
        1600 * MS,
        2 * MS,
        1500 * MS,
        1601 * MS,
        3100 * MS
    );
    insta::assert_snapshot!(rendered(
        PING_PONG_WALL_TIME,
        &probed(run(&[], 3_200), &records)
    ));
}

/// The async_sleepers starter: `std::thread::sleep` in every task, on the one thread.
fn blocking_sleepers() -> RunRecord {
    let lines = [
        ("Task 1 started, sleeping 1 s", 1),
        ("Task 1 woke up after 1 s", 1001),
        ("Task 2 started, sleeping 3 s", 1002),
        ("Task 2 woke up after 3 s", 4002),
        ("Task 3 started, sleeping 2 s", 4003),
    ];
    // The five sleeps (1, 3, 2, 1 and 2 s), one after another on the main thread.
    let records: String = [
        (1, 1001),
        (1002, 4002),
        (4003, 6003),
        (6004, 7004),
        (7005, 9005),
    ]
    .iter()
    .map(|(from, to)| format!("sleep 10 {} {}\n", from * MS, to * MS))
    .collect();
    let records = format!("start 10 1 0\n{records}");
    probed(run(&lines, 9_010), &records)
}

#[test]
fn overlap_of_an_async_program_blocking_its_only_thread_speaks_of_tasks_and_await() {
    insta::assert_snapshot!(rendered(SLEEPERS_OVERLAP, &blocking_sleepers()));
}

#[test]
fn wall_time_of_an_async_program_blocking_its_only_thread_speaks_of_tasks_and_await() {
    insta::assert_snapshot!(rendered(
        "kind = \"wall_time\"\nmax_ms = 4500",
        &blocking_sleepers()
    ));
}

#[test]
fn overlap_without_evidence_of_the_cause_says_to_start_everything_first() {
    let lines = [
        ("Task 1 started", 1),
        ("Task 1 woke up", 1001),
        ("Task 2 started", 1002),
    ];
    insta::assert_snapshot!(rendered(SLEEPERS_OVERLAP, &run(&lines, 1_100)));
}

#[test]
fn a_bank_account_race_gets_the_harness_hint_of_its_rule() {
    insta::assert_snapshot!(rendered(
        "kind = \"harness\"",
        &harness_run(&[
            "RULE: exactly min(N, B / amount) withdrawals succeed when N threads race",
            "HINT: Two withdrawals both saw enough money, then both took it: the check (is there enough?) and the subtraction must happen as one step, under one lock held across both.",
            "10 threads each withdraw 150 once from a balance of 1000 (round 3): 7 succeeded, expected min(10, 1000 / 150) = 6; new balances returned: [850, 700, 550, 400, 250, 100, 100]",
        ])
    ));
}

#[test]
fn a_lost_withdrawal_gets_the_harness_hint_of_its_rule() {
    insta::assert_snapshot!(rendered(
        "kind = \"harness\"",
        &harness_run(&[
            "RULE: no successful withdrawal is lost",
            "HINT: A withdrawal wrote back a balance computed from a stale read, undoing another thread's update: read and write the balance in one step (one lock guard for both, or an atomic read-modify-write), never a load then a store.",
            "6 threads withdraw 1 to 4 at a time (round 1): the successful withdrawals took 5000, so the final balance should be 1000000000000, but balance() returned 1000000000042 (off by 42)",
        ])
    ));
}

#[test]
fn a_harness_that_gives_no_hint_gets_the_general_one() {
    insta::assert_snapshot!(rendered(
        "kind = \"harness\"",
        &harness_run(&[
            "RULE: results in input order",
            "12 tasks finishing in reverse order"
        ])
    ));
}

#[test]
fn alternation_broken_says_to_wait_for_the_turn() {
    insta::assert_snapshot!(rendered(
        "kind = \"alternation\"\npatterns = ['^Ping$', '^Pong$']",
        &run(&[("Ping", 1), ("Ping", 2), ("Pong", 3)], 10)
    ));
}

#[test]
fn before_broken_says_to_wait_for_the_work() {
    insta::assert_snapshot!(rendered(
        "kind = \"before\"\nfirst = '^Hello from the thread'\nthen = '^Main done'",
        &run(&[("Main done.", 1), ("Hello from the thread", 2)], 10)
    ));
}

#[test]
fn sequence_broken_shows_the_lines_in_their_order() {
    insta::assert_snapshot!(rendered(
        "kind = \"sequence\"\npattern = '^Square'\nexpect = ['Square of 0 is 0', 'Square of 1 is 1', 'Square of 2 is 4']",
        &run(
            &[
                ("Square of 1 is 1", 1),
                ("Square of 0 is 0", 2),
                ("Square of 2 is 4", 3)
            ],
            10
        )
    ));
}

#[test]
fn completion_order_broken_says_to_report_results_as_they_arrive() {
    insta::assert_snapshot!(rendered(
        "kind = \"completion_order\"\npattern = '^Result'\nexpect = ['Result 3', 'Result 1', 'Result 2']",
        &run(
            &[("Result 1", 300), ("Result 2", 301), ("Result 3", 302)],
            310
        )
    ));
}

#[test]
fn last_line_broken_names_the_line_that_came_last() {
    insta::assert_snapshot!(rendered(
        "kind = \"last_line\"\nline = 'Main done.'",
        &run(&[("Main done.", 1), ("Thread running...", 2)], 10)
    ));
}

#[test]
fn a_ticker_that_drifts_is_told_by_how_much_per_tick() {
    let ticks: Vec<(String, u64)> = (1..=8).map(|k| (format!("tick {k}"), k * 110)).collect();
    let lines: Vec<(&str, u64)> = ticks.iter().map(|(t, at)| (t.as_str(), *at)).collect();
    insta::assert_snapshot!(rendered(
        "kind = \"period\"\npattern = '^tick'\nevery_ms = 100\ncount = 8\ntolerance_ms = 50\nmax_drift_ms = 2.0",
        &run(&lines, 900)
    ));
}

#[test]
fn no_thread_started_says_to_spawn_one() {
    insta::assert_snapshot!(rendered(
        "kind = \"threads_started\"\nmin = 1",
        &probed(run(&[("Main done.", 1)], 10), "start 10 1 0\n")
    ));
}

/// A run of main process 10 that printed `line` at `at` ms and started thread 11 at 1 ms,
/// which nobody joined.
fn one_thread_left(line: &str, at: u64) -> RunRecord {
    let records = format!("start 10 1 0\nthread 11 10 10 1 {MS}\n");
    probed(run(&[(line, at)], at + 10), &records)
}

#[test]
fn a_thread_where_none_may_be_says_which_was_started() {
    insta::assert_snapshot!(rendered(
        "kind = \"threads_started\"\nmin = 0\nmax = 0",
        &one_thread_left("All done in 3.0 s", 3000)
    ));
}

#[test]
fn a_thread_never_joined_is_named_with_when_it_was_started() {
    insta::assert_snapshot!(rendered(
        "kind = \"threads_joined\"\nbefore = '^Main done'",
        &one_thread_left("Main done.", 5)
    ));
}

#[test]
fn no_child_process_says_to_start_one() {
    insta::assert_snapshot!(rendered(
        "kind = \"child_processes\"\nmin = 1\nmax = 4",
        &run(&[("done", 1)], 10)
    ));
}
