//! How the learner types `learn`: `cargo run --` when cargo started this process (a fresh
//! clone, before `cargo install`), `learn` otherwise. Found once, at the edge, so that every
//! message names the command the learner can paste ("run `cargo run -- next` again").
//!
//! The same holds for `--unlock-all`: a command printed to paste keeps it.
//!
//! Not here: what the commands do.

use std::sync::OnceLock;

static COMMAND: OnceLock<&'static str> = OnceLock::new();

/// Whether this command was run with every exercise unlocked (`--unlock-all`).
static UNLOCKED: OnceLock<bool> = OnceLock::new();

/// Finds out once whether cargo started this process: `cargo run` on Linux replaces itself
/// with the program (so no process named `cargo` is left above it) and gives it the
/// package's variables (`CARGO_PKG_NAME` = `learn`, `CARGO`); elsewhere cargo waits as the
/// parent, named `cargo`.
pub fn detect() {
    let _ = COMMAND.set(if by_cargo() { "cargo run --" } else { "learn" });
}

/// Whether `cargo run` started this process (see [`detect`]).
fn by_cargo() -> bool {
    let run_by_cargo = std::env::var_os("CARGO").is_some()
        && std::env::var("CARGO_PKG_NAME").is_ok_and(|name| name == env!("CARGO_PKG_NAME"));
    run_by_cargo
        || std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|stat| parent_pid(&stat))
            .and_then(|ppid| std::fs::read_to_string(format!("/proc/{ppid}/comm")).ok())
            .is_some_and(|comm| comm.trim() == "cargo")
}

/// The command the learner types for `learn`: `learn` until [`detect`] says otherwise.
pub fn learn() -> &'static str {
    COMMAND.get().copied().unwrap_or("learn")
}

/// Records once that this command runs with every exercise unlocked, so that a command it
/// prints to paste (a replay) keeps `--unlock-all`.
pub fn opened_unlocked(unlock_all: bool) {
    let _ = UNLOCKED.set(unlock_all);
}

/// `--unlock-all ` (with its space) when this command runs with every exercise unlocked,
/// else nothing: to put after a subcommand that locks exercises.
pub fn unlock_flag() -> &'static str {
    if UNLOCKED.get().copied().unwrap_or(false) {
        "--unlock-all "
    } else {
        ""
    }
}

/// The parent pid in the text of `/proc/PID/stat` (the field after the state, which
/// follows the command name in parentheses, which may itself hold spaces and parentheses).
fn parent_pid(stat: &str) -> Option<u32> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parent_pid_is_read_past_a_command_name_with_spaces_and_parentheses() {
        assert_eq!(
            parent_pid("4242 (my (odd) prog) S 17 4242 4242 0"),
            Some(17)
        );
        assert_eq!(parent_pid("garbage"), None);
    }
}
