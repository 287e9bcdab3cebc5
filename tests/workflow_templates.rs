//! The workflow templates in `.github/workflows/` call `learn` with arguments its real command
//! line accepts, so that renaming a flag cannot break every class's CI unseen. (They cannot
//! run here: GitHub Actions is the engine; this checks what they ask of `learn`.)

mod common;

use clap::Parser;
use learn::cli::{Cli, Command, GradebookAction};

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

/// The arguments given to `learn` in `command` (after `…/learn` or `cargo run … --`), split
/// as the shell splits words (`shlex`: quotes taken off, `"${{ matrix.chunk }}"` one word);
/// `None` when it does not run learn or is not one shell command.
fn learn_arguments(command: &str) -> Option<Vec<String>> {
    let words = shlex::split(command)?;
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
    Some(words[start..].to_vec())
}

#[test]
fn every_learn_command_of_the_workflow_templates_parses_and_leaves_the_score_to_the_report() {
    for (file, expected) in [("learn.yml", "verify"), ("classroom.yml", "verify")] {
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

/// The script of the `run: |` block of the step named `name` in `workflow`, dedented.
fn step_script(workflow: &str, name: &str) -> String {
    let lines: Vec<&str> = workflow.lines().collect();
    let step = lines
        .iter()
        .position(|l| l.trim() == format!("- name: {name}"))
        .unwrap_or_else(|| panic!("no step {name}"));
    let run = step
        + lines[step..]
            .iter()
            .position(|l| l.trim() == "run: |")
            .expect("a run block");
    let indent = lines[run].len() - lines[run].trim_start().len();
    let block: Vec<&str> = lines[run + 1..]
        .iter()
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
        .copied()
        .collect();
    let inner = block
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    block
        .iter()
        .map(|l| l.get(inner..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the roster-splitting step of grade-class.yml on `roster`, in chunks of `size`; the
/// chunks it plans, each a list of repositories.
fn planned_chunks(roster: &str, size: usize) -> Vec<Vec<String>> {
    let workflow =
        std::fs::read_to_string(common::root().join(".github/workflows/grade-class.yml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("roster.txt"), roster).unwrap();
    let output = dir.path().join("output");
    let run = std::process::Command::new("bash")
        .arg("-c")
        .arg(step_script(&workflow, "Split the roster into chunks"))
        .current_dir(dir.path())
        .env("ROSTER", "roster.txt")
        .env("CHUNK_SIZE", size.to_string())
        .env("GITHUB_OUTPUT", &output)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    let written = std::fs::read_to_string(output).unwrap();
    let json = written.trim().strip_prefix("chunks=").expect("chunks=…");
    let chunks: serde_json::Value = serde_json::from_str(json).expect("a JSON matrix");
    chunks
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, c)| {
            assert_eq!(c["chunk"], i, "chunks numbered in order");
            c["repos"]
                .as_str()
                .unwrap()
                .split(' ')
                .map(str::to_string)
                .collect()
        })
        .collect()
}

#[test]
fn the_class_workflow_splits_the_roster_within_the_matrix_limit_and_loses_no_repository() {
    let small = "# the class\norg/ann\n\norg/bo\r\norg/cy  \n";
    assert_eq!(
        planned_chunks(small, 2),
        [vec!["org/ann", "org/bo"], vec!["org/cy"]]
    );
    let roster: Vec<String> = (0..3000).map(|i| format!("org/student-{i}")).collect();
    let chunks = planned_chunks(&roster.join("\n"), 10);
    assert!(chunks.len() <= 256, "{} jobs", chunks.len());
    assert_eq!(chunks.concat(), roster, "every repository once, in order");
}

#[test]
fn the_class_workflow_grades_each_chunk_and_merges_the_gradebooks_with_real_learn_commands() {
    let workflow =
        std::fs::read_to_string(common::root().join(".github/workflows/grade-class.yml")).unwrap();
    let calls: Vec<Vec<String>> = run_commands(&workflow)
        .iter()
        .filter_map(|c| learn_arguments(c))
        .filter(|a| !a.is_empty())
        .collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let parse = |arguments: &[String]| {
        Cli::try_parse_from(std::iter::once("learn".to_string()).chain(arguments.iter().cloned()))
            .unwrap_or_else(|e| panic!("learn {arguments:?} does not parse:\n{e}"))
    };
    match parse(&calls[0]).command {
        Some(Command::Grade {
            submissions: Some(_),
            ci,
            class,
            ids,
            ..
        }) => {
            assert!(ci.exit_zero);
            assert!(
                ids.is_empty(),
                "every exercise; no word split apart: {ids:?}"
            );
            assert!(
                class.deadline.is_some() && class.roster.is_some(),
                "graded at the deadline, rows with the roster's identifiers"
            );
            assert!(
                ci.reports
                    .iter()
                    .any(|r| r.format == learn::report::target::ReportFormat::Csv),
                "the chunk's gradebook"
            );
        }
        other => panic!("grade-class.yml grades with --submissions: {other:?}"),
    }
    assert!(
        matches!(
            parse(&calls[1]).command,
            Some(Command::Gradebook {
                action: GradebookAction::Merge { .. }
            })
        ),
        "the last job merges: {:?}",
        calls[1]
    );
    assert!(
        workflow.contains("needs: grade"),
        "the merge waits for every chunk"
    );
    for trigger in ["workflow_dispatch:", "schedule:", "- cron:"] {
        assert!(workflow.contains(trigger), "graded on {trigger}");
    }
    assert!(
        workflow.contains("/statuses/") && workflow.contains("context=learn/grade"),
        "each grade is reported to the commit graded"
    );
}

/// actionlint, where it is installed (it is not part of the toolchain): every workflow
/// template is clean.
#[test]
fn the_workflow_templates_are_actionlint_clean_where_actionlint_is_installed() {
    let Ok(run) = std::process::Command::new("actionlint")
        .current_dir(common::root())
        .output()
    else {
        eprintln!("actionlint is not installed: skipped (see README, Teaching a class)");
        return;
    };
    assert!(
        run.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn the_class_workflow_reports_each_grade_to_the_commit_graded() {
    let workflow =
        std::fs::read_to_string(common::root().join(".github/workflows/grade-class.yml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("reports")).unwrap();
    std::fs::write(
        out.join("gradebook-0.csv"),
        "submission,total,max,a/x,a/y\nhw-ann,3,3,1,2\nhw-bo,1,3,1,0\n",
    )
    .unwrap();
    std::fs::write(
        out.join("gradebook-0.status.csv"),
        "submission,identifier,commit,committed,chosen_by,late_commits,a/x,a/y\nhw-ann,\"Doe, Ann\",aaa111,2026-12-07T23:00:00Z,HEAD,,passed,passed\nhw-bo,,bbb222,2026-12-07T22:00:00Z,HEAD,,passed,failed: output\n",
    )
    .unwrap();
    for name in ["hw-ann", "hw-bo"] {
        std::fs::write(out.join(format!("reports/{name}.md")), "| report |").unwrap();
    }
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = dir.path().join("gh.log");
    std::fs::write(
        bin.join("gh"),
        format!(
            "#!/bin/sh\nprintf '%s|' \"$@\" >> {}\necho >> {}\n",
            log.display(),
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        bin.join("gh"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let run = std::process::Command::new("bash")
        .arg("-c")
        .arg(step_script(
            &workflow,
            "Report each grade to the student's commit",
        ))
        .current_dir(dir.path())
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .env("REPOS", "org/hw-ann org/hw-bo org/hw-cy")
        .env("CHUNK", "0")
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(
        calls.contains("api|repos/org/hw-ann/statuses/aaa111|-f|state=success|-f|context=learn/grade|-f|description=3/3 points; 2 passed|"),
        "{calls}"
    );
    assert!(
        calls.contains("api|repos/org/hw-bo/statuses/bbb222|-f|state=failure|-f|context=learn/grade|-f|description=1/3 points; 1 passed, 1 failed|"),
        "{calls}"
    );
    assert!(
        calls
            .contains("api|repos/org/hw-bo/commits/bbb222/comments|-F|body=@out/reports/hw-bo.md|"),
        "{calls}"
    );
    assert!(
        printed.contains("::warning::org/hw-cy: no graded commit to report to"),
        "{printed}"
    );
}
