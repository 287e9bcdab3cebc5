//! What a run may use beyond files: sockets (only TCP and socketpairs), and the resources no
//! per-process limit bounds (the run folder's bytes and files, threads), each watched by the
//! supervisor and stopped with a message that names the bound. Hostile programs
//! (`tests/fixtures/hostile/`) attack each one under the real supervisor.
//!
//! Like `tests/sandbox.rs`, these tests need landlock ABI 6 and seccomp (Linux 6.12+): on an
//! older kernel they fail, saying which protection is missing, rather than pass unseen.

mod common;

use std::io::ErrorKind;
use std::net::{TcpListener, UdpSocket};
use std::os::unix::net::UnixListener;
use std::path::Path;

use common::{hostile, run_confined, stdout_of as stdout};
use learn::checks::judge_ending;
use learn::supervise::{self, Ending, Limits, RunRecord, RunRequest, SandboxRequest, StopReason};

/// Runs `exe` with `args` in the sandbox `sandbox` under `limits`, every protection in force.
fn run(exe: &Path, args: &[String], sandbox: SandboxRequest, limits: Limits) -> RunRecord {
    run_confined(&RunRequest {
        sandbox,
        limits,
        ..RunRequest::new(exe, args.to_vec())
    })
}

/// Whether nothing is waiting on `accept` (a listener or socket made non-blocking).
fn nothing_arrived<T>(result: std::io::Result<T>) -> bool {
    matches!(result, Err(e) if e.kind() == ErrorKind::WouldBlock)
}

#[test]
fn a_program_opens_no_socket_but_tcp_and_socketpairs() {
    let udp4 = UdpSocket::bind("127.0.0.1:0").unwrap();
    let udp6 = UdpSocket::bind("[::1]:0").expect("IPv6 on loopback");
    let hidden = tempfile::tempdir().unwrap();
    let path = hidden.path().join("outside.sock");
    let unix = UnixListener::bind(&path).unwrap();
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    for socket in [&udp4, &udp6] {
        socket.set_nonblocking(true).unwrap();
    }
    unix.set_nonblocking(true).unwrap();
    let port = |s: &UdpSocket| s.local_addr().unwrap().port().to_string();
    let tcp_port = tcp.local_addr().unwrap().port();
    let args = [
        port(&udp4),
        port(&udp6),
        path.display().to_string(),
        tcp_port.to_string(),
    ];
    let record = run(
        &hostile("opens_other_sockets"),
        &args,
        SandboxRequest {
            connect_port: Some(tcp_port),
            ..SandboxRequest::default()
        },
        Limits::default(),
    );
    let out = stdout(&record);
    eprintln!("{out}");
    assert!(!out.contains("LEAK"), "a socket was opened:\n{out}");
    for refused in [
        "udp over IPv4",
        "udp over IPv6",
        "unix stream to a pathname socket",
        "unix datagram to a pathname socket",
        "raw IPv4 (ICMP)",
        "raw IPv6 (ICMPv6)",
        "packet",
        "netlink (route)",
        "udp with SOCK_NONBLOCK|SOCK_CLOEXEC",
        "sctp stream",
        "unix stream socket",
        "io_uring",
    ] {
        assert!(
            out.contains(&format!("REFUSED {refused} (Operation not permitted")),
            "`{refused}` must be refused by seccomp (EPERM):\n{out}"
        );
    }
    for allowed in [
        "OK tcp to its own server",
        "OK tcp socket with flags and IPPROTO_TCP",
        "OK socketpair",
    ] {
        assert!(out.contains(allowed), "expected `{allowed}`:\n{out}");
    }
    let mut buf = [0u8; 64];
    assert!(
        nothing_arrived(udp4.recv(&mut buf)),
        "a UDP datagram over IPv4 arrived"
    );
    assert!(
        nothing_arrived(udp6.recv(&mut buf)),
        "a UDP datagram over IPv6 arrived"
    );
    assert!(
        nothing_arrived(unix.accept()),
        "the Unix socket was reached"
    );
}

/// Runs the attack `which` of `exhausts_the_run`, which must never get to its end: the run
/// must be stopped for a reason `stopped` accepts, and its first broken rule, in the words
/// of the report, must begin with `says`.
fn exhausted(which: &str, stopped: fn(&StopReason) -> bool, says: &str) {
    let record = run(
        &hostile("exhausts_the_run"),
        &[which.to_string()],
        SandboxRequest::default(),
        Limits::default(),
    );
    let out = stdout(&record);
    assert!(!out.contains("LEAK"), "the attack got to its end: {out}");
    assert!(
        matches!(&record.ending, Ending::Stopped(reason) if stopped(reason)),
        "{which}: {:?}",
        record.ending
    );
    let failure = judge_ending(&record).expect("a stopped run fails");
    let said = format!(
        "{} {}: {}",
        failure.check,
        failure.rule,
        failure.seen.join("; ")
    );
    eprintln!("{said}");
    assert!(said.starts_with(says), "{said}");
}

#[test]
fn a_program_that_fills_its_tmpdir_with_files_of_the_largest_size_is_stopped() {
    exhausted(
        "big",
        |r| matches!(r, StopReason::DiskFlood { .. }),
        "disk the program must not write more than 256 MiB in its folders: its folders held",
    );
}

#[test]
fn a_program_that_fills_its_tmpdir_with_files_it_deleted_but_keeps_open_is_stopped() {
    exhausted(
        "unlinked",
        |r| matches!(r, StopReason::DiskFlood { .. }),
        "disk the program must not write more than 256 MiB in its folders: its folders held",
    );
}

#[test]
fn a_program_that_creates_files_without_end_is_stopped() {
    exhausted(
        "many",
        |r| matches!(r, StopReason::FileFlood { .. }),
        "disk the program must not create more than 10000 files and folders",
    );
}

#[test]
fn a_program_that_starts_threads_without_end_is_stopped() {
    exhausted(
        "threads",
        |r| matches!(r, StopReason::ThreadFlood { .. }),
        "thread_flood the program must not run more than 512 threads at once",
    );
}

#[test]
fn a_program_reads_neither_the_command_line_nor_the_environment_of_the_runner() {
    // The runner here is this test process, as `learn` is in a grading: it hides its
    // command line as `learn`'s command line does once parsed.
    let own = std::fs::read("/proc/self/cmdline").unwrap();
    assert!(own.iter().any(|&b| b != 0), "a command line to hide");
    supervise::hide_command_line();
    let record = run(
        &hostile("reads_the_runner"),
        &[],
        SandboxRequest::default(),
        Limits::default(),
    );
    let out = stdout(&record);
    assert!(!out.contains("LEAK"), "the runner's secrets leaked:\n{out}");
    assert!(out.contains("BLANK cmdline"), "{out}");
    assert!(out.contains("REFUSED environ (Permission denied"), "{out}");
}

#[test]
fn a_learners_program_refused_a_socket_or_a_thread_is_told_which() {
    // Through `learn run`, whose build links the probe that records the refusals.
    let course = common::course_copy();
    for (fixture, says) in [
        (
            "learner_asks_for_udp",
            "the program tried to open a UDP socket (IPv4); only TCP to the download server is allowed",
        ),
        (
            "learner_starts_a_thread_per_item",
            "a process of the program asked for more than 512 threads running at once, and was refused one",
        ),
    ] {
        common::put_exercise(
            course.path(),
            "01_threads/spawn_join",
            &format!("tests/fixtures/hostile/{fixture}.rs"),
        );
        let output = common::learn(
            course.path(),
            &["run", "--unlock-all", "01_threads/spawn_join"],
        );
        let (stdout, stderr) = common::text(&output);
        assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
        assert!(
            stdout.contains(says),
            "{fixture}: expected `{says}`:\n{stdout}{stderr}"
        );
    }
}
