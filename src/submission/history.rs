//! A submission as it was at a deadline: its git repository's last commit dated before it,
//! written out as files (`git archive`, never a checkout in the learner's repository), and the
//! commits after it listed apart as late. Commits are chosen by their committer date, the only
//! time a clone knows: where GitHub knows when a commit was pushed, that is better, and the
//! gradebook says which was used ([`CHOSEN_BY`]).
//!
//! Not here: grading what is written out, or fetching the repository.

use std::path::Path;
use std::process::{Command, Stdio};

/// How the commit graded was chosen, for the gradebook.
pub const CHOSEN_BY: &str = "commit date";

/// One commit: its hash and its committer date (ISO 8601).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// The full hash.
    pub hash: String,
    /// The committer date, ISO 8601 with its offset.
    pub date: String,
}

/// A repository at a deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AtDeadline {
    /// The last commit dated before the deadline; `None` when every commit is later.
    pub graded: Option<Commit>,
    /// The commits after it (or every commit, when none is before), newest first.
    pub late: Vec<Commit>,
}

/// Checks that `deadline` is a date and time with its zone (`2026-12-08T23:59:00Z`,
/// `2026-12-08T23:59+01:00`): git would read a date without a zone in the grader's own.
pub fn check_deadline(deadline: &str) -> Result<(), String> {
    use std::sync::LazyLock;
    static FORM: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:\d{2})$")
            .expect("valid")
    });
    if FORM.is_match(deadline) {
        Ok(())
    } else {
        Err(format!(
            "--deadline `{deadline}` is not a date and time with its zone: write it as 2026-12-08T23:59:00Z (UTC) or 2026-12-08T23:59:00+01:00"
        ))
    }
}

/// `repo` (a git repository's folder) at `deadline` (checked by [`check_deadline`]); the
/// files of the commit graded are written into `into`, which must not exist.
pub fn at_deadline(repo: &Path, deadline: &str, into: &Path) -> Result<AtDeadline, String> {
    let before = git(repo, &["rev-list", "-1", "--before", deadline, "HEAD"])?;
    let graded = match before.trim() {
        "" => None,
        hash => Some(commit(repo, hash)?),
    };
    let range = graded
        .as_ref()
        .map_or_else(|| "HEAD".to_string(), |c| format!("{}..HEAD", c.hash));
    let late = git(repo, &["log", "--format=%H %cI", &range])?
        .lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(hash, date)| Commit {
            hash: hash.to_string(),
            date: date.to_string(),
        })
        .collect();
    std::fs::create_dir_all(into).map_err(|e| format!("{}: {e}", into.display()))?;
    if let Some(graded) = &graded {
        write_out(repo, &graded.hash, into)?;
    }
    Ok(AtDeadline { graded, late })
}

/// The commit `repo` has checked out, when it is a git repository.
pub fn head(repo: &Path) -> Option<Commit> {
    if !repo.join(".git").exists() {
        return None;
    }
    let hash = git(repo, &["rev-parse", "HEAD"]).ok()?;
    commit(repo, hash.trim()).ok()
}

/// The commit `hash` of `repo` with its date.
fn commit(repo: &Path, hash: &str) -> Result<Commit, String> {
    let date = git(repo, &["show", "-s", "--format=%cI", hash])?;
    Ok(Commit {
        hash: hash.to_string(),
        date: date.trim().to_string(),
    })
}

/// The files of commit `hash` of `repo` written into `into`: `git archive` piped into `tar`.
fn write_out(repo: &Path, hash: &str, into: &Path) -> Result<(), String> {
    let failed = |e: std::io::Error| format!("cannot write out {hash} of {}: {e}", repo.display());
    let mut archive = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["archive", "--format=tar", hash])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(failed)?;
    let tar = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(into)
        .stdin(archive.stdout.take().expect("piped"))
        .output()
        .map_err(failed)?;
    let archived = archive.wait_with_output().map_err(failed)?;
    if !archived.status.success() || !tar.status.success() {
        return Err(format!(
            "cannot write out {hash} of {}: {}{}",
            repo.display(),
            String::from_utf8_lossy(&archived.stderr).trim(),
            String::from_utf8_lossy(&tar.stderr).trim()
        ));
    }
    Ok(())
}

/// What `git -C repo ARGS` printed; an error naming the repository when it fails.
fn git(repo: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git in {}: {e}", repo.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} is not a git repository git can read (`git {}`: {})",
            repo.display(),
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A commit of `file` holding `text`, dated `date`.
    fn commit_at(repo: &Path, file: &str, text: &str, date: &str) {
        std::fs::write(repo.join(file), text).unwrap();
        for args in [
            &["add", "."][..],
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "commit",
                "-qm",
                file,
            ],
        ] {
            let status = Command::new("git")
                .arg("-C")
                .arg(repo)
                .args(args)
                .env("GIT_COMMITTER_DATE", date)
                .env("GIT_AUTHOR_DATE", date)
                .status()
                .unwrap();
            assert!(status.success());
        }
    }

    #[test]
    fn the_last_commit_before_the_deadline_is_written_out_and_later_ones_listed_late() {
        let repo = tempfile::tempdir().unwrap();
        let status = Command::new("git")
            .args(["init", "-q"])
            .arg(repo.path())
            .status()
            .unwrap();
        assert!(status.success());
        commit_at(repo.path(), "a.rs", "first", "2026-12-01T10:00:00Z");
        commit_at(repo.path(), "a.rs", "on time", "2026-12-07T23:00:00Z");
        commit_at(repo.path(), "a.rs", "late", "2026-12-08T01:00:00Z");
        commit_at(repo.path(), "b.rs", "later", "2026-12-09T01:00:00Z");
        let out = tempfile::tempdir().unwrap();
        let into = out.path().join("x");
        let at = at_deadline(repo.path(), "2026-12-08T00:00:00Z", &into).unwrap();
        let graded = at.graded.unwrap();
        assert_eq!(graded.date, "2026-12-07T23:00:00Z");
        assert_eq!(
            std::fs::read_to_string(into.join("a.rs")).unwrap(),
            "on time"
        );
        assert!(!into.join("b.rs").exists());
        let late: Vec<&str> = at.late.iter().map(|c| c.date.as_str()).collect();
        assert_eq!(late, ["2026-12-09T01:00:00Z", "2026-12-08T01:00:00Z"]);

        let early =
            at_deadline(repo.path(), "2026-11-01T00:00:00Z", &out.path().join("y")).unwrap();
        assert_eq!((early.graded, early.late.len()), (None, 4));
        assert!(check_deadline("2026-12-08T00:00:00Z").is_ok());
        assert!(check_deadline("2026-12-08T00:00+01:00").is_ok());
        let why = check_deadline("tomorrow").unwrap_err();
        assert!(why.contains("2026-12-08T23:59:00Z"), "{why}");
    }
}
