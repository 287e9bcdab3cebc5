//! The sandbox under attack: hostile programs (`tests/fixtures/hostile/`, each saying on its
//! first line what it attacks) run under the real supervisor and try to read or write the
//! grader's files, leave the run, signal or trace the runner, widen their CPU affinity and
//! reach the network. Each prints `LEAK …` for what worked: none may.
//!
//! The fixtures are compiled with plain rustc (std and libc symbols, `unsafe` allowed), not
//! through `learn`'s build, which forbids `unsafe` code: so they show what the kernel's
//! confinement holds even against a program that could make any system call.
//!
//! These tests need landlock ABI 6 and seccomp (Linux 6.12+; this machine has ABI 7). On an
//! older kernel they fail, saying which protection is missing, rather than pass unseen.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use common::{hostile, run_confined, stdout_of as stdout};
use learn::supervise::{
    self, Perturbation, RunRecord, RunRequest, SandboxRequest, SandboxSettings,
};

/// Runs `exe` with `args` in the sandbox `sandbox`, and says which protections are in force.
fn run(
    exe: &Path,
    args: &[String],
    perturbation: Perturbation,
    sandbox: SandboxRequest,
) -> RunRecord {
    run_confined(&RunRequest {
        env: vec![("LEARN_COURSE_SAYS".into(), "hello".into())],
        sandbox,
        perturbation,
        ..RunRequest::new(exe, args.to_vec())
    })
}

/// Fails with the whole output when any line says `LEAK`.
fn assert_no_leak(record: &RunRecord) {
    let out = stdout(record);
    eprintln!("{out}");
    assert!(
        !out.lines().any(|l| l.starts_with("LEAK")),
        "the sandbox leaked:\n{out}\nstderr: {:?}",
        record.stderr
    );
    assert!(
        out.lines().any(|l| l.starts_with("REFUSED")),
        "the program ran its attacks:\n{out}\nstderr: {:?}",
        record.stderr
    );
}

/// The SHA-like fingerprint of every file under `dir` (path, length, bytes), to see that
/// nothing changed.
fn tree_fingerprint(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                files.push((path.clone(), std::fs::read(&path).unwrap_or_default()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn a_program_reads_nothing_of_the_course_its_build_folder_or_the_runner() {
    let root = common::root();
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "the runner's own temporary file").unwrap();
    let given: Vec<String> = [
        root.join("course/snapshots/01_threads__join_results@default.snap"),
        root.join("solutions/01_threads/spawn_join.rs"),
        root.join("course/harness/03_shared_state/bank_account.rs"),
        root.join("course/chapters"),
        root.join("Cargo.toml"),
        root.join("target"),
        root.join(".github/workflows/classroom.yml"),
        secret.path().to_path_buf(),
        PathBuf::from("/etc/shadow"),
        PathBuf::from("/etc/passwd"),
    ]
    .iter()
    .map(|p| p.display().to_string())
    .collect();
    let record = run(
        &hostile("reads_grader_files"),
        &given,
        Perturbation::None,
        SandboxRequest::default(),
    );
    assert_no_leak(&record);
    let out = stdout(&record);
    assert!(
        out.contains("OK own binary readable"),
        "its own binary stays readable (process exercises re-execute it):\n{out}"
    );
    assert!(out.contains("REFUSED exec /bin/sh"), "{out}");
    for capabilities in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
        assert!(
            out.contains(&format!("STATUS {capabilities}:\t0000000000000000")),
            "no capability left in {capabilities}, even when the runner is root:\n{out}"
        );
    }
    assert!(out.contains("STATUS NoNewPrivs:\t1"), "{out}");
    let names: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("ENV ")).collect();
    for name in &names {
        assert!(
            ["PATH", "HOME", "LANG", "TMPDIR"].contains(name) || name.starts_with("LEARN_"),
            "{name} reached the program's environment: {names:?}"
        );
    }
    assert!(names.contains(&"LEARN_COURSE_SAYS"), "{names:?}");
    assert!(
        names.contains(&"LEARN_PROBE"),
        "the probe still knows where to write: {names:?}"
    );
}

#[test]
fn each_run_is_confined_by_the_settings_it_carries_whatever_ran_before_in_the_process() {
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "the runner's own temporary file").unwrap();
    let given = [secret.path().display().to_string()];
    let read_line = format!("LEAK given {}", secret.path().display());
    let files_off = SandboxRequest {
        settings: SandboxSettings::parse("filesystem").unwrap(),
        ..SandboxRequest::default()
    };
    // Switched off, on, off again, on again: a run's confinement is its own request's, not
    // the first one's.
    for (request, read) in [(&files_off, true), (&SandboxRequest::default(), false)].repeat(2) {
        let record = run(
            &hostile("reads_grader_files"),
            &given,
            Perturbation::None,
            request.clone(),
        );
        let out = stdout(&record);
        assert_eq!(
            out.lines().any(|l| l.starts_with(&read_line)),
            read,
            "with {:?} the runner's file is {}:\n{out}",
            request.settings,
            if read { "readable" } else { "refused" }
        );
    }
}

#[test]
fn a_program_writes_nothing_outside_its_own_folder_and_no_file_beyond_the_size_limit() {
    let course = common::course_copy();
    let snapshot = course
        .path()
        .join("course/snapshots/01_threads__join_results@default.snap");
    let built = course.path().join("target/learn/build/debug/harness-bank");
    std::fs::create_dir_all(built.parent().unwrap()).unwrap();
    std::fs::write(&built, "a built harness").unwrap();
    let progress = course.path().join(".learn-progress.toml");
    std::fs::write(&progress, "done = []\n").unwrap();
    let report = course.path().join("results.json");
    let targets: Vec<String> = [
        &snapshot,
        &built,
        &progress,
        &report,
        &course.path().join("course/snapshots/new.snap"),
    ]
    .iter()
    .map(|p| p.display().to_string())
    .collect();
    let before = tree_fingerprint(course.path());
    let record = run(
        &hostile("writes_grader_files"),
        &targets,
        Perturbation::None,
        SandboxRequest::default(),
    );
    assert_no_leak(&record);
    assert_eq!(
        tree_fingerprint(course.path()),
        before,
        "the course is byte-identical"
    );
    let out = stdout(&record);
    let big: u64 = out
        .lines()
        .find_map(|l| l.strip_prefix("BIG "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no BIG line:\n{out}"));
    assert!(
        big <= supervise::FILE_SIZE_BYTES,
        "a file of {big} bytes was written"
    );
    assert!(
        out.contains("REFUSED write /dev/shm/"),
        "shared memory files are outside its folder:\n{out}"
    );
}

#[test]
fn a_program_cannot_leave_its_run_signal_or_trace_the_runner_or_widen_a_pinned_run() {
    let marker = format!("learn-hostile-{}", std::process::id());
    let record = run(
        &hostile("escapes_the_run"),
        std::slice::from_ref(&marker),
        Perturbation::OneCore,
        SandboxRequest::default(),
    );
    assert_no_leak(&record);
    let out = stdout(&record);
    for refused in [
        "REFUSED setsid",
        "REFUSED setpgid",
        "REFUSED signal the runner",
        "REFUSED signal init",
        "REFUSED signal the runner's group",
        "REFUSED ptrace",
        "REFUSED process_vm_readv",
        "REFUSED widen the CPU affinity",
    ] {
        assert!(out.contains(refused), "expected `{refused}`:\n{out}");
    }
    assert!(
        out.contains("CPUS 1 1"),
        "the pinned run stays on one core:\n{out}"
    );
    assert!(out.contains("SPAWNED daemon"), "{out}");
    assert_eq!(
        common::processes_with(&[&marker]),
        Vec::<u32>::new(),
        "no process of the run outlives it"
    );
}

#[test]
fn a_program_connects_only_to_its_own_server_port_and_binds_nothing() {
    let allowed = TcpListener::bind("127.0.0.1:0").unwrap();
    let other = TcpListener::bind("127.0.0.1:0").unwrap();
    let ports = [&allowed, &other].map(|l| l.local_addr().unwrap().port().to_string());
    let record = run(
        &hostile("reaches_the_network"),
        &ports,
        Perturbation::None,
        SandboxRequest {
            connect_port: Some(allowed.local_addr().unwrap().port()),
            ..SandboxRequest::default()
        },
    );
    assert_no_leak(&record);
    let out = stdout(&record);
    assert!(
        out.contains("OK connect allowed port"),
        "its own server stays reachable:\n{out}"
    );
    assert!(out.contains("REFUSED connect other port"), "{out}");
    assert!(out.contains("REFUSED bind"), "{out}");
}
