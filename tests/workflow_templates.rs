//! The workflow templates in `.github/workflows/` call `learn` with arguments its real command
//! line accepts, so that renaming a flag cannot break every class's CI unseen. (They cannot
//! run here: GitHub Actions is the engine; this checks what they ask of `learn`.)

mod common;

use clap::Parser;
use learn::cli::{Cli, Command};

/// The shell commands of every `run:` step of `workflow`: a folded block (`>-`) is one
/// command, a literal block (`|`) one per line with `\` continuations joined.
fn run_commands(workflow: &str) -> Vec<String> {
    let lines: Vec<&str> = workflow.lines().collect();
    let mut commands = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(value) = line.trim_start().strip_prefix("run:").map(str::trim) else {
            continue;
        };
        let indent = line.len() - line.trim_start().len();
        let block: Vec<&str> = lines[i + 1..]
            .iter()
            .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
            .map(|l| l.trim())
            .collect();
        match value {
            ">-" | ">" => commands.push(block.join(" ")),
            "|" | "|-" => commands.extend(
                block
                    .join("\n")
                    .replace("\\\n", " ")
                    .lines()
                    .map(str::to_string),
            ),
            inline => commands.push(inline.to_string()),
        }
    }
    commands
}

/// The arguments given to `learn` in `command` (after `…/learn` or `cargo run … --`), quotes
/// taken off; `None` when it does not run learn.
fn learn_arguments(command: &str) -> Option<Vec<String>> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let start = words
        .iter()
        .position(|w| w.ends_with("/learn") || *w == "learn")
        .map(|i| i + 1)
        .or_else(|| {
            let cargo_run = words.windows(2).position(|w| w == ["cargo", "run"])?;
            words[cargo_run..]
                .iter()
                .position(|w| *w == "--")
                .map(|i| cargo_run + i + 1)
        })?;
    Some(words[start..].iter().map(|w| w.replace('"', "")).collect())
}

#[test]
fn every_learn_command_of_the_workflow_templates_parses_and_leaves_the_score_to_the_report() {
    for (file, expected) in [("learn.yml", "verify"), ("classroom.yml", "grade")] {
        let workflow =
            std::fs::read_to_string(common::root().join(".github/workflows").join(file)).unwrap();
        let calls: Vec<Vec<String>> = run_commands(&workflow)
            .iter()
            .filter_map(|c| learn_arguments(c))
            .filter(|a| !a.is_empty())
            .collect();
        assert_eq!(
            calls.len(),
            1,
            "{file} grades with one learn command: {calls:?}"
        );
        let arguments = &calls[0];
        let cli = Cli::try_parse_from(
            std::iter::once("learn".to_string()).chain(arguments.iter().cloned()),
        )
        .unwrap_or_else(|e| panic!("{file}: learn {arguments:?} does not parse:\n{e}"));
        let subcommand = match cli.command {
            Some(Command::Verify { .. }) => "verify",
            Some(Command::Grade { .. }) => "grade",
            other => panic!("{file} runs {other:?}"),
        };
        assert_eq!(subcommand, expected, "{file}");
        assert!(
            arguments.iter().any(|a| a == "--exit-zero"),
            "{file}: the job stays green and the report carries the score"
        );
        assert!(
            arguments.iter().any(|a| a.starts_with("json=")),
            "{file}: results.json is written"
        );
    }
}
