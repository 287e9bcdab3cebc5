//! The manifest schema: what `course/course.toml` and `course/chapters/*.toml` may say.
//!
//! Only the shape of the files lives here (serde types, `deny_unknown_fields` everywhere);
//! checking that the files agree with each other and with the disk is `validate.rs`'s job.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

use crate::checks::CheckSpec;
use crate::lines::normalize::Normalize;
use crate::lines::pattern::Pattern;
use crate::supervise::Perturbation;

/// `course/course.toml`: the course title and its chapters in course order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CourseFile {
    /// Shown at the top of `learn list`.
    pub title: String,
    /// Chapter names; each is a file `course/chapters/NAME.toml`. At least one, none twice.
    #[serde(deserialize_with = "chapter_list")]
    pub chapters: Vec<String>,
}

/// `course/chapters/NAME.toml`: one chapter and its exercises in order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChapterFile {
    /// The chapter heading.
    pub title: String,
    /// Numbers of the seed lessons (`shared/seeds/NNN_*.txt`) this chapter draws on.
    #[serde(default)]
    pub seeds: Vec<u32>,
    /// One line on what the chapter teaches (the README's course map).
    #[serde(default)]
    pub summary: String,
    /// The exercises, in course order.
    #[serde(rename = "exercise", default)]
    pub exercises: Vec<ExerciseSpec>,
}

/// One `[[exercise]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExerciseSpec {
    /// The file stem; the id is `CHAPTER/NAME`.
    pub name: String,
    /// A short human title.
    pub title: String,
    /// Points towards the grade.
    #[serde(default = "one_point")]
    pub points: u32,
    /// What `learn next` shows.
    pub lesson: String,
    /// What `learn hint` shows: one text, or a list of levels (a nudge first, the code
    /// last), one more each time the learner asks.
    pub hint: Hints,
    /// Time limit of one run, in seconds: more than 0, at most [`MAX_TIMEOUT_SECS`] (when
    /// unset, the supervisor's `DEFAULT_TIMEOUT`).
    #[serde(default, deserialize_with = "timeout")]
    pub timeout_secs: Option<f64>,
    /// How many runs per argument set: 1 to [`MAX_RUNS`].
    #[serde(default, deserialize_with = "run_count")]
    pub runs: Option<u32>,
    /// The schedules the runs cycle through (at least one).
    #[serde(default, deserialize_with = "schedules")]
    pub perturb: Option<Vec<Perturbation>>,
    /// Why a pass on one core proves nothing: the wrong answers of the lesson are races that
    /// need two threads running at once to show. On a machine with a single core, an
    /// exercise whose runs all pass is *not judged* (with this reason) instead of passed.
    #[serde(default, deserialize_with = "reason")]
    pub needs_two_cores: Option<String>,
    /// The rules the starter may fail by (a check kind, `compile`, `deadlock`, …): what
    /// `learn dev check` holds the starter to. Empty: any failure will do.
    #[serde(default)]
    pub starter_fails_by: Vec<String>,
    /// An API exercise graded by `course/harness/CHAPTER/NAME.rs`.
    #[serde(default)]
    pub harness: bool,
    /// Start the download server for this exercise.
    #[serde(default)]
    pub server: bool,
    /// How stdout is normalised before comparison.
    #[serde(default)]
    pub normalize: Normalize,
    /// Argument sets; none means one set named `default` with no arguments.
    #[serde(default)]
    pub args: Vec<ArgSet>,
    /// The checks run on every run.
    #[serde(rename = "check", default)]
    pub checks: Vec<CheckSpec>,
    /// How the timeline groups stdout lines into lanes: the first capture group (or the
    /// whole match) of this pattern names the lane of a line; other lines go to `main`.
    pub lanes: Option<Pattern>,
    /// Schedule exploration under shuttle (`[exercise.explore]`): only for exercises whose
    /// outcome no clock, process or network decides (see course/README.md).
    pub explore: Option<Explore>,
}

/// `[exercise.explore]`: the learner's unchanged file, built against shuttle's `thread` and
/// `sync`, run under shuttle's scheduler for many schedules (see `src/grade/explore.rs`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Explore {
    /// Which scheduler picks the schedules.
    pub scheduler: Scheduler,
    /// How many schedules (executions) one exploration tries: 1 to [`MAX_SCHEDULES`].
    #[serde(deserialize_with = "schedule_count")]
    pub schedules: u32,
    /// PCT's bug depth (the number of priority changes per schedule; default 3).
    #[serde(default)]
    pub depth: Option<u32>,
    /// The argument set explored (its snapshot is the expected output); default `default`.
    #[serde(default = "default_set_name")]
    pub args: String,
    /// Cut an execution after this many scheduling steps, judging only what happened until
    /// then (deadlocks, panics) and not its output: for programs too long to explore whole.
    #[serde(default)]
    pub max_steps: Option<u64>,
}

/// A shuttle scheduler.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Scheduler {
    /// Uniformly random choice at every scheduling point (`check_random`).
    Random,
    /// Probabilistic concurrency testing (`check_pct`): a bound of `depth` priority changes.
    Pct,
}

impl Scheduler {
    /// The manifest's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Scheduler::Random => "random",
            Scheduler::Pct => "pct",
        }
    }
}

/// The most schedules one exploration may try: each costs the learner time.
pub const MAX_SCHEDULES: u32 = 100_000;

fn default_set_name() -> String {
    "default".into()
}

fn schedule_count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let schedules = i64::deserialize(d)?;
    if !(1..=i64::from(MAX_SCHEDULES)).contains(&schedules) {
        return Err(D::Error::custom(format!(
            "`schedules = {schedules}`: an exploration tries 1 to {MAX_SCHEDULES} schedules"
        )));
    }
    Ok(schedules as u32)
}

/// One set of command-line arguments an exercise is run with.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ArgSet {
    /// Names the snapshot file `CHAPTER__NAME@ARGSET.snap`.
    pub name: String,
    /// The arguments.
    #[serde(default)]
    pub values: Vec<String>,
    /// Graded, but its expected output is never shown to the learner.
    #[serde(default)]
    pub hidden: bool,
}

impl ArgSet {
    /// The set every exercise without `[[exercise.args]]` gets.
    pub fn default_set() -> ArgSet {
        ArgSet {
            name: "default".into(),
            values: Vec::new(),
            hidden: false,
        }
    }

    /// The pseudo-set of an API exercise's harness runs (so `--replay harness:PERTURBATION`
    /// replays a harness run); no exercise may name an argument set so.
    pub fn harness_set() -> ArgSet {
        ArgSet {
            name: "harness".into(),
            values: Vec::new(),
            hidden: false,
        }
    }
}

/// An exercise's hints, from the first nudge to the last (at least one, none empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hints(Vec<String>);

impl Hints {
    /// Every level, the first nudge first.
    pub fn levels(&self) -> &[String] {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Hints {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum OneOrLevels {
            One(String),
            Levels(Vec<String>),
        }
        let levels = match OneOrLevels::deserialize(d).map_err(|_| {
            D::Error::custom(
                "hint must be a text, or a list of texts (a nudge first, the code last)",
            )
        })? {
            OneOrLevels::One(text) => vec![text],
            OneOrLevels::Levels(levels) => levels,
        };
        if levels.is_empty() || levels.iter().any(|l| l.trim().is_empty()) {
            return Err(D::Error::custom(
                "hint must have at least one level, and no level may be empty",
            ));
        }
        Ok(Hints(levels))
    }
}

fn one_point() -> u32 {
    1
}

/// The longest time limit a run may have: an exercise is a small program, and a learner
/// waits for every run of it; longer is a typo (and past `u64::MAX` seconds it cannot even
/// be a `Duration`).
pub const MAX_TIMEOUT_SECS: f64 = 600.0;

/// The most runs per argument set: each run is a program the learner waits for.
pub const MAX_RUNS: u32 = 1000;

fn chapter_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let chapters = Vec::<String>::deserialize(d)?;
    if chapters.is_empty() {
        return Err(D::Error::custom(
            "`chapters` is empty: a course needs at least one chapter",
        ));
    }
    for (i, name) in chapters.iter().enumerate() {
        if chapters[..i].contains(name) {
            return Err(D::Error::custom(format!(
                "chapter `{name}` is listed twice in `chapters`"
            )));
        }
    }
    Ok(chapters)
}

fn timeout<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let secs = f64::deserialize(d)?;
    if !(secs > 0.0 && secs <= MAX_TIMEOUT_SECS) {
        return Err(D::Error::custom(format!(
            "`timeout_secs = {secs:?}`: a time limit is a number of seconds above 0 and at most {MAX_TIMEOUT_SECS}"
        )));
    }
    Ok(Some(secs))
}

fn run_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let runs = i64::deserialize(d)?;
    if !(1..=i64::from(MAX_RUNS)).contains(&runs) {
        return Err(D::Error::custom(format!(
            "`runs = {runs}`: an exercise is run 1 to {MAX_RUNS} times per argument set (with 0 runs, any program would pass)"
        )));
    }
    Ok(Some(runs as u32))
}

fn reason<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let why = String::deserialize(d)?;
    if why.trim().is_empty() {
        return Err(D::Error::custom(format!(
            "`needs_two_cores = {why:?}`: say why one core cannot show the races of the lesson (the learner reads it)"
        )));
    }
    Ok(Some(why))
}

fn schedules<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Perturbation>>, D::Error> {
    let schedules = Vec::<Perturbation>::deserialize(d)?;
    if schedules.is_empty() {
        return Err(D::Error::custom(
            "`perturb = []`: name at least one schedule (\"none\", \"one_core\", \"busy\"), or leave `perturb` out for all three",
        ));
    }
    Ok(Some(schedules))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct WithHint {
        hint: Hints,
    }

    fn hint(toml_text: &str) -> Result<Vec<String>, String> {
        toml::from_str::<WithHint>(toml_text)
            .map(|w| w.hint.levels().to_vec())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn a_hint_is_one_text_or_a_list_of_levels_and_never_empty() {
        assert_eq!(hint("hint = \"look\"").unwrap(), ["look"]);
        assert_eq!(
            hint("hint = [\"nudge\", \"code\"]").unwrap(),
            ["nudge", "code"]
        );
        assert!(
            hint("hint = []")
                .unwrap_err()
                .contains("at least one level")
        );
        assert!(
            hint("hint = [\"a\", \" \"]")
                .unwrap_err()
                .contains("no level may be empty")
        );
        assert!(hint("hint = 3").unwrap_err().contains("a list of texts"));
    }
}
