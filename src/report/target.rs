//! Where reports go: the `--report FORMAT=PATH` options `verify` and `grade` share, and
//! writing one report (or any text) to its path. A report is written whole, and appended to
//! when the path is the job's step summary.
//!
//! Not here: what each report says (the other modules of [`report`](super)).

use std::path::{Path, PathBuf};

use crate::exit::Error;

use super::gradebook::Gradebook;
use super::scored::Scored;
use super::{gradescope, html, json, junit, markdown};

/// The options `verify` and `grade` share for CI.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Options {
    /// Write a report, FORMAT=PATH (repeatable): `json` (results.json v3 for Exercism and
    /// GitHub Classroom), `junit` (JUnit XML), `markdown` (for $GITHUB_STEP_SUMMARY),
    /// `gradescope` (Gradescope's results.json), `csv` (the gradebook: one row per
    /// submission, and NAME.status.csv beside it) or `html` (the class report). Grading several submissions, PATH of json, junit, markdown and
    /// gradescope is a folder that gets one report per submission (NAME.json, NAME.xml,
    /// NAME.md, NAME.gradescope.json); markdown to $GITHUB_STEP_SUMMARY gets the class table.
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report)]
    pub reports: Vec<ReportTarget>,
    /// Exit 0 whatever the verdict: the reports carry the score.
    #[arg(long)]
    pub exit_zero: bool,
}

/// One report to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportTarget {
    /// Its format.
    pub format: ReportFormat,
    /// Where to write it.
    pub path: PathBuf,
}

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// results.json, version 3, with scores.
    Json,
    /// JUnit XML.
    Junit,
    /// A Markdown table.
    Markdown,
    /// Gradescope's results.json.
    Gradescope,
    /// The gradebook, CSV.
    Csv,
    /// The class report, one self-contained HTML file.
    Html,
}

impl ReportFormat {
    /// How a failed write of this report begins its message: `cannot write the Json report to`.
    fn cannot_write(self) -> &'static str {
        match self {
            ReportFormat::Json => "cannot write the Json report to",
            ReportFormat::Junit => "cannot write the Junit report to",
            ReportFormat::Markdown => "cannot write the Markdown report to",
            ReportFormat::Gradescope => "cannot write the Gradescope report to",
            ReportFormat::Csv => "cannot write the Csv report to",
            ReportFormat::Html => "cannot write the Html report to",
        }
    }
}

/// Parses `FORMAT=PATH`.
fn parse_report(text: &str) -> Result<ReportTarget, String> {
    let (format, path) = text
        .split_once('=')
        .filter(|(_, path)| !path.is_empty())
        .ok_or("expected FORMAT=PATH, e.g. json=results.json")?;
    let format = match format {
        "json" => ReportFormat::Json,
        "junit" => ReportFormat::Junit,
        "markdown" => ReportFormat::Markdown,
        "gradescope" => ReportFormat::Gradescope,
        "csv" => ReportFormat::Csv,
        "html" => ReportFormat::Html,
        other => {
            return Err(format!(
                "unknown report format `{other}`: json, junit, markdown, gradescope, csv or html"
            ));
        }
    };
    let path = PathBuf::from(path);
    // Refused before grading, not after it: writing to a FIFO would block forever.
    super::file::check_target(&path).map_err(|e| e.to_string())?;
    Ok(ReportTarget { format, path })
}

impl ReportTarget {
    /// Writes `text` as this report (see [`write_text`]); the error names the report and its
    /// path.
    pub fn write(&self, text: &str, step_summary: Option<&Path>) -> Result<(), Error> {
        write_text(&self.path, text, step_summary).map_err(|source| Error::Path {
            doing: self.format.cannot_write(),
            path: self.path.clone(),
            source,
        })
    }
}

/// Writes the report `target` asks for of `scored`, the grading of submission `name`
/// (appended to `step_summary`, the job's step summary, when that is its path).
pub fn write_report(
    target: &ReportTarget,
    name: &str,
    scored: &Scored,
    step_summary: Option<&Path>,
) -> Result<(), Error> {
    let text = match target.format {
        ReportFormat::Json => json::render(scored),
        ReportFormat::Junit => junit::render(scored),
        ReportFormat::Markdown => markdown::render(scored),
        ReportFormat::Gradescope => gradescope::render(scored),
        ReportFormat::Csv => Gradebook::of(name, scored).to_csv(),
        ReportFormat::Html => html::render(&scored.course.title, &[(name, scored)]),
    };
    target.write(&text, step_summary)
}

/// Writes `text` to `path`, its folder made if needed; appends when `path` is `step_summary`,
/// the job's step summary ($GITHUB_STEP_SUMMARY, read at the edge), which other steps write
/// too.
pub fn write_text(path: &Path, text: &str, step_summary: Option<&Path>) -> std::io::Result<()> {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    if step_summary == Some(path) {
        use std::io::Write;
        super::file::check_target(path)?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?
            .write_all(text.as_bytes())
    } else {
        super::file::write_atomically(path, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_format_then_path() {
        assert_eq!(
            parse_report("json=out/results.json"),
            Ok(ReportTarget {
                format: ReportFormat::Json,
                path: "out/results.json".into()
            })
        );
        assert_eq!(
            parse_report("markdown=a=b.md").map(|t| t.path),
            Ok(PathBuf::from("a=b.md"))
        );
        assert!(
            parse_report("xml=x")
                .unwrap_err()
                .contains("json, junit, markdown, gradescope, csv or html")
        );
        assert!(parse_report("json=").is_err());
        assert!(parse_report("results.json").is_err());
        let device = parse_report("json=/dev/null").unwrap_err();
        assert!(device.contains("not a regular file"), "{device}");
    }
}
