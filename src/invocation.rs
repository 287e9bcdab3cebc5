//! How the learner types `learn`: `cargo run --` when cargo started this process (a fresh
//! clone, before `cargo install`), `learn` otherwise; and whether `--unlock-all` opened the
//! session. A value, found once at the edge (`cli`) and carried in the settings to what
//! prints messages, so that every message names the command the learner can paste ("run
//! `cargo run -- next` again"), and a command printed to paste (a replay) keeps
//! `--unlock-all`.
//!
//! Not here: finding out how this process was started (the command line's edge reads the
//! environment and `/proc`), what the commands do.

/// How the learner typed this command.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Invocation {
    /// Whether cargo started this process (`cargo run --`), rather than the learner typing
    /// `learn`.
    pub by_cargo: bool,
    /// Whether this command runs with every exercise unlocked (`--unlock-all`).
    pub unlock_all: bool,
}

impl Invocation {
    /// The command the learner types for `learn`: `cargo run --` or `learn`.
    pub fn learn(&self) -> &'static str {
        if self.by_cargo {
            "cargo run --"
        } else {
            "learn"
        }
    }

    /// `--unlock-all ` (with its space) when this command runs with every exercise unlocked,
    /// else nothing: to put after a subcommand that locks exercises.
    pub fn unlock_flag(&self) -> &'static str {
        if self.unlock_all { "--unlock-all " } else { "" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_to_paste_is_the_one_the_learner_typed_with_its_unlock_flag() {
        let typed = Invocation::default();
        assert_eq!((typed.learn(), typed.unlock_flag()), ("learn", ""));
        let cloned = Invocation {
            by_cargo: true,
            unlock_all: true,
        };
        assert_eq!(
            (cloned.learn(), cloned.unlock_flag()),
            ("cargo run --", "--unlock-all ")
        );
    }
}
