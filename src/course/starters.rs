//! The pristine starters, embedded at build time from `course/starters/` so `learn reset`
//! works without git or network.

include!(concat!(env!("OUT_DIR"), "/starters.rs"));

/// The embedded starter of exercise `id` (`CHAPTER/NAME`).
pub fn starter(id: &str) -> Option<&'static str> {
    STARTERS
        .iter()
        .find(|(starter_id, _)| *starter_id == id)
        .map(|(_, text)| *text)
}
