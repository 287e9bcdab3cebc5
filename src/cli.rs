//! The command line: parses with clap, builds the settings once, dispatches to
//! [`commands`](crate::commands), [`watch`](crate::watch) and [`ci`](crate::ci), and reports
//! an error once.
//! Exit codes: 0 success, 1 a check failed, 2 a usage or course error.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use anstream::println;

use crate::class;
use crate::commands;
use crate::course::CourseError;
use crate::dev;
use crate::exit::{Error, Exit, Outcome};
use crate::grade::Source;
use crate::grading;
use crate::invocation::Invocation;
use crate::report::gradebook;
use crate::report::target;
use crate::session::Session;
use crate::settings::Settings;
use crate::supervise::SandboxSettings;
use crate::template;
use crate::watch;

mod environment;

/// A graded course on concurrency in Rust.
#[derive(Debug, Parser)]
#[command(name = "learn", version, about, long_about = None)]
pub struct Cli {
    /// The course folder (default: the nearest folder above with course/course.toml).
    #[arg(long, global = true, env = "LEARN_COURSE")]
    pub course: Option<PathBuf>,
    /// When to use colours (NO_COLOR is honoured in `auto`).
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// For `learn` alone (watch mode); the commands that lock exercises take it after their
    /// name.
    #[command(flatten)]
    pub unlock: Unlock,
    /// What to do.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The unlock policy, on the commands that consult it: run, hint, list, solution, watch.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct Unlock {
    /// Teacher or course-author mode: every exercise is unlocked (LEARN_UNLOCK_ALL=1, true,
    /// yes or on does the same).
    #[arg(long, env = "LEARN_UNLOCK_ALL", value_parser = clap::builder::BoolishValueParser::new())]
    pub unlock_all: bool,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Color {
    /// Colours on a terminal unless NO_COLOR is set.
    Auto,
    /// Always colours.
    Always,
    /// Never colours.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the current exercise; if it passes, record it and show the next one.
    Next,
    /// Build, run and check an exercise (default: the current one).
    Run {
        /// The exercise id, e.g. 01_threads/spawn_join.
        id: Option<String>,
        /// Repeat one run configuration ARGSET:PERTURBATION, as a failure report prints it,
        /// until it fails (up to 20 runs); or `shuttle:SCHEDULE`, the exact schedule of an
        /// explored exercise that failed under shuttle, replayed once.
        #[arg(long)]
        replay: Option<String>,
        /// Draw the run's timeline under the verdict (one lane per thread or process).
        #[arg(long)]
        timeline: bool,
        /// The unlock policy.
        #[command(flatten)]
        unlock: Unlock,
    },
    /// Re-check the current exercise on every save, in a full-screen view (the default on a
    /// terminal).
    Watch {
        /// Poll the files for changes instead of waiting for file events (WSL, network drives).
        #[arg(long, conflicts_with = "manual")]
        poll: bool,
        /// Do not watch files: press Enter (or r) to re-check.
        #[arg(long)]
        manual: bool,
        /// The unlock policy.
        #[command(flatten)]
        unlock: Unlock,
    },
    /// Show the hint of an exercise (default: the current one).
    Hint {
        /// The exercise id.
        id: Option<String>,
        /// The unlock policy.
        #[command(flatten)]
        unlock: Unlock,
    },
    /// List every exercise with its status and your progress.
    List {
        /// The unlock policy.
        #[command(flatten)]
        unlock: Unlock,
    },
    /// Restore an exercise's starter (default: the current one); your version is backed up
    /// first.
    Reset {
        /// The exercise id.
        id: Option<String>,
    },
    /// Show the reference solution of an exercise you have finished.
    Solution {
        /// The exercise id.
        id: String,
        /// The unlock policy.
        #[command(flatten)]
        unlock: Unlock,
    },
    /// Check every exercise (or those named) in course order, whatever your progress.
    Verify {
        /// Exercise ids; none means all.
        ids: Vec<String>,
        /// Which files to grade (course authors: solutions must pass, starters must fail).
        #[arg(long, value_enum, default_value_t = Files::Exercises)]
        files: Files,
        /// Run every argument set N times instead of what the course says (e.g. 20, to see
        /// that a solution passes every time).
        #[arg(long, value_name = "N")]
        runs: Option<u32>,
        /// Reports for CI, and the exit code.
        #[command(flatten)]
        ci: target::Options,
    },
    /// Grade a learner's submission with a pristine course (`--course DIR`, required): only
    /// the submission's exercises/ files are read; changed protected files are listed. Several
    /// submissions (a class) are built once and graded at once.
    Grade {
        /// Exercise ids; none means all.
        ids: Vec<String>,
        /// The pristine course to grade with (required; no default, so that a submission
        /// is never graded with its own, editable, course).
        #[arg(long, value_name = "DIR", env = "LEARN_COURSE")]
        course: PathBuf,
        /// A learner's repository (its exercises/CHAPTER/NAME.rs are graded); repeat it to
        /// grade a class, each submission named by its folder's name.
        #[arg(long, value_name = "DIR", required_unless_present = "submissions")]
        submission: Vec<PathBuf>,
        /// A folder whose every subfolder (but those starting with `.`) is a submission: graded
        /// as a class, even of one.
        #[arg(long, value_name = "DIR")]
        submissions: Option<PathBuf>,
        /// Refuse to grade (exit 2) unless every protection of the sandbox is in force
        /// (landlock files, network and signals, seccomp): for graders that must be sure.
        #[arg(long)]
        require_sandbox: bool,
        /// Reports for CI, and the exit code.
        #[command(flatten)]
        ci: target::Options,
        /// A class's deadline and roster.
        #[command(flatten)]
        class: class::ClassOptions,
    },
    /// Write the student template of this course into DIR (empty or new): the starters as
    /// exercises, the runner and checks, the learner's workflows, no reference solutions.
    Template {
        /// Where to write it.
        dir: PathBuf,
    },
    /// Course authors: scaffold an exercise, regenerate derived files, check the course
    /// (see course/README.md, "Adding an exercise"). Hidden from the learner's --help.
    #[command(hide = true)]
    Dev {
        /// What to do.
        #[command(subcommand)]
        action: DevAction,
    },
    /// Work with gradebooks (`--report csv=PATH` of `learn grade`).
    Gradebook {
        /// What to do.
        #[command(subcommand)]
        action: GradebookAction,
    },
}

/// What `learn gradebook` does.
#[derive(Debug, Subcommand)]
pub enum GradebookAction {
    /// Join the gradebooks of a class graded in chunks into OUT (which must not exist).
    Merge {
        /// The merged gradebook.
        out: PathBuf,
        /// The chunks' gradebooks, in order.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
    },
}

/// What `learn dev` does.
#[derive(Debug, Subcommand)]
pub enum DevAction {
    /// Scaffold exercise CHAPTER/NAME in every place it needs: its manifest entry, starter
    /// (and its copy in exercises/), solution stub, snapshot and [[bin]]s. Overwrites nothing.
    New {
        /// The new exercise's id, in a chapter the course has.
        id: String,
    },
    /// Regenerate what is derived: course/Cargo.toml's [[bin]]s and exercises/, the copies of
    /// course/starters/ (a copy that differs is backed up first).
    Update,
    /// Check the course as CI would: solutions pass, starters fail as declared, snapshots and
    /// derived files in sync, the README's course map complete. Exit 1 on any problem.
    Check {
        /// Grade only these exercises (the file checks cover the whole course).
        ids: Vec<String>,
    },
}

/// Which files `verify` grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Files {
    /// The learner's files in exercises/.
    Exercises,
    /// The reference solutions.
    Solutions,
    /// The pristine starters.
    Starters,
}

impl Files {
    fn source(self) -> Source {
        match self {
            Files::Exercises => Source::Exercise,
            Files::Solutions => Source::Solution,
            Files::Starters => Source::Starter,
        }
    }
}

/// Parses the command line and runs it; the one place that prints an error.
pub fn main() -> ExitCode {
    let by_cargo = environment::by_cargo();
    let learn = Invocation {
        by_cargo,
        unlock_all: false,
    }
    .learn();
    // Usage lines name the command as the learner typed it (`cargo run --` in a clone).
    let command = || Cli::command().bin_name(learn);
    let matches = command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // Parsed: the paths it names are no business of the programs learn runs.
    crate::supervise::hide_command_line();
    if matches.subcommand_name().is_some()
        && matches.value_source("unlock_all") == Some(ValueSource::CommandLine)
    {
        command()
            .error(
                clap::error::ErrorKind::ArgumentConflict,
                format!(
                    "--unlock-all goes after the command that uses it: `{learn} run --unlock-all ID` (run, hint, list, solution, watch)"
                ),
            )
            .exit();
    }
    let choice = match cli.color {
        Color::Auto => anstream::ColorChoice::Auto,
        Color::Always => anstream::ColorChoice::Always,
        Color::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    match dispatch(cli, by_cargo) {
        Ok(exit) => exit.into(),
        Err(error) => {
            // The list to look in is the learner's command, which only the edge knows.
            let see = match &error {
                Error::Course(CourseError::UnknownExercise { .. }) => {
                    format!(" (see `{learn} list`)")
                }
                _ => String::new(),
            };
            anstream::eprintln!("error: {error}{see}");
            Exit::Usage.into()
        }
    }
}

/// The learner's session on the course of `settings`; a corrupt progress file is rebuilt first.
fn open_session(settings: Settings) -> Result<Session, Error> {
    let (session, corrupt) = Session::open(settings)?;
    if let Some(corrupt) = corrupt {
        commands::recover_progress(&session, &corrupt)?;
    }
    Ok(session)
}

/// Runs the command of `cli`, typed through cargo when `by_cargo`: the sandbox set up first,
/// then the commands without a session (gradebook merge, verify, grade, template), then those
/// of the learner's session.
fn dispatch(cli: Cli, by_cargo: bool) -> Outcome {
    let sandbox = prepare_sandbox(cli.command.as_ref())?;
    if let Some(Command::Gradebook {
        action: GradebookAction::Merge { out, inputs },
    }) = &cli.command
    {
        return merge_gradebooks(out, inputs);
    }
    let course = match &cli.command {
        Some(Command::Grade { course, .. }) => Some(course.clone()),
        _ => cli.course,
    };
    let unlock_all = match &cli.command {
        None => cli.unlock,
        Some(
            Command::Run { unlock, .. }
            | Command::Watch { unlock, .. }
            | Command::Hint { unlock, .. }
            | Command::List { unlock }
            | Command::Solution { unlock, .. },
        ) => *unlock,
        // The others never look at locks.
        Some(_) => Unlock::default(),
    }
    .unlock_all;
    let invocation = Invocation {
        by_cargo,
        unlock_all,
    };
    let settings = environment::settings(course, sandbox, invocation)?;
    match cli.command {
        Some(Command::Verify {
            ids,
            files,
            runs,
            ci,
        }) => {
            return commands::verify(&settings, &ids, files.source(), runs, &ci);
        }
        Some(Command::Grade {
            ids,
            course: _,
            submission,
            submissions,
            require_sandbox,
            ci,
            class: class_options,
        }) => {
            let submissions = (submission, submissions);
            return grade(
                &settings,
                &ids,
                submissions,
                require_sandbox,
                (&ci, &class_options),
            );
        }
        Some(Command::Template { dir }) => {
            return template::command(&settings.course, &dir);
        }
        Some(Command::Dev { action }) => {
            return match action {
                DevAction::New { id } => dev::new(&settings, &id),
                DevAction::Update => dev::update(&settings),
                DevAction::Check { ids } => dev::check(&settings, &ids),
            };
        }
        _ => {}
    }
    let session = open_session(settings)?;
    in_session(&session, cli.command)
}

/// Reads, once, here at the edge, which protections of the sandbox to switch off (to
/// simulate an older kernel), for the settings. Which protections the kernel offers is found
/// (and any missing one said, here, once) now, before watch mode takes the terminal, by every
/// command that runs programs.
fn prepare_sandbox(command: Option<&Command>) -> Result<SandboxSettings, Error> {
    let sandbox = environment::sandbox()?;
    if !matches!(
        command,
        Some(
            Command::Hint { .. }
                | Command::List { .. }
                | Command::Reset { .. }
                | Command::Solution { .. }
                | Command::Dev {
                    action: DevAction::New { .. } | DevAction::Update
                }
        )
    ) {
        for missing in sandbox.missing() {
            anstream::eprintln!("warning: {missing}");
        }
    }
    Ok(sandbox)
}

/// `learn gradebook merge OUT IN…`: the only command without a course, so without
/// `Settings`: the CI job is read here.
fn merge_gradebooks(out: &std::path::Path, inputs: &[PathBuf]) -> Outcome {
    let ci = environment::ci();
    let rows = gradebook::merge_files(out, inputs, ci.step_summary())?;
    println!(
        "Wrote {} with {}",
        out.display(),
        crate::plural::of(rows, "submission", "submissions")
    );
    Ok(Exit::Success)
}

/// `learn grade`: the `--submission` folders, and every folder of `--submissions`, graded
/// with the course of `settings`; refused at once with `require_sandbox` on a machine that
/// cannot sandbox fully.
fn grade(
    settings: &Settings,
    ids: &[String],
    (mut submission, submissions): (Vec<PathBuf>, Option<PathBuf>),
    require_sandbox: bool,
    (ci, class_options): (&target::Options, &class::ClassOptions),
) -> Outcome {
    let protections = settings.sandbox.protections();
    if require_sandbox && !protections.complete() {
        return Err(Error::usage(format!(
            "--require-sandbox: this machine cannot sandbox the learner's programs fully ({}); grade on a kernel with landlock ABI 6 or later (Linux 6.12+) and seccomp, or drop --require-sandbox and read the report's sandbox line",
            protections.summary()
        )));
    }
    // A class is graded as one whatever its size (a chunk of one, in CI).
    let as_class = submissions.is_some() || submission.len() > 1;
    if let Some(dir) = submissions {
        submission.extend(class::submissions_in(&dir)?);
    }
    grading::grade(settings, ids, &submission, as_class, ci, class_options)
}

/// The commands of the learner's session (`command`; `None`: `learn` alone).
fn in_session(session: &Session, command: Option<Command>) -> Outcome {
    match command {
        None if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() => {
            watch::run(session, watch::Mode::Notify)
        }
        None => commands::status(session),
        Some(Command::Next) => commands::next(session),
        Some(Command::Run {
            id,
            replay,
            timeline,
            ..
        }) => commands::run(session, id.as_deref(), replay, timeline),
        Some(Command::Watch { poll, manual, .. }) => {
            watch::run(session, watch::Mode::from_flags(poll, manual))
        }
        Some(Command::Hint { id, .. }) => commands::hint(session, id.as_deref()),
        Some(Command::List { .. }) => commands::list(session),
        Some(Command::Reset { id }) => commands::reset(session, id.as_deref()),
        Some(Command::Solution { id, .. }) => commands::solution(session, &id),
        Some(
            Command::Verify { .. }
            | Command::Grade { .. }
            | Command::Template { .. }
            | Command::Dev { .. }
            | Command::Gradebook { .. },
        ) => {
            unreachable!("dispatched above")
        }
    }
}
