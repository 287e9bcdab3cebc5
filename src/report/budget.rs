//! A size budget for a JSON report: GitHub Classroom's grading reporter reads results.json
//! from one environment variable (base64), and Linux refuses one environment string over
//! 128 KiB (`env: Argument list too long`): a report over budget brings no points at all.
//!
//! [`fit`] cuts the longest texts (each failed test's message, each program's output) to a
//! fair share of what the rest of the document leaves, each cut saying so; short texts stay
//! whole. Not here: which fields a report has (`json.rs`) or what they say (`scored.rs`).

/// The most bytes results.json may take: its base64 (4/3 of it) stays well under 128 KiB.
pub const RESULTS_JSON_BUDGET: usize = 64 * 1024;

/// Cuts `texts` so that together they take at most `available` bytes as JSON strings: texts
/// that fit a fair share stay whole, and every longer one is cut to the share the others
/// leave, with a note saying why (the note counts towards the share).
pub fn fit(texts: &mut [&mut Option<String>], available: usize) {
    let mut order: Vec<usize> = (0..texts.len()).filter(|&i| texts[i].is_some()).collect();
    order.sort_by_key(|&i| json_len(texts[i].as_deref().unwrap_or_default()));
    let mut left = available;
    for (done, &i) in order.iter().enumerate() {
        let share = left / (order.len() - done);
        let text = texts[i].as_deref().unwrap_or_default();
        let cost = json_len(text);
        if cost <= share {
            left -= cost;
            continue;
        }
        let cut = cut_to(text, share);
        left -= json_len(&cut);
        *texts[i] = Some(cut);
    }
}

/// The note a cut text ends with.
const NOTE: &str = "\n… (cut to keep results.json under 64 KB, which GitHub Classroom reads from one environment variable; the whole text is in the job's log and in junit.xml)";

/// `text` cut so that, with [`NOTE`], it takes at most `cap` bytes as a JSON string (just
/// the note's start when even that does not fit).
fn cut_to(text: &str, cap: usize) -> String {
    let room = cap.saturating_sub(json_len(NOTE));
    let mut used = 2;
    let mut out = String::new();
    for c in text.chars() {
        used += char_json_len(c);
        if used > room {
            break;
        }
        out.push(c);
    }
    out.push_str(NOTE);
    if json_len(&out) > cap {
        out = NOTE.chars().take(cap.saturating_sub(2) / 6).collect();
    }
    out
}

/// The bytes `text` takes as a JSON string, quotes included (as serde_json escapes it).
pub fn json_len(text: &str) -> usize {
    2 + text.chars().map(char_json_len).sum::<usize>()
}

fn char_json_len(c: char) -> usize {
    match c {
        '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
        c if (c as u32) < 0x20 => 6,
        c => c.len_utf8(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lengths_agree_with_serde_json() {
        for text in ["plain", "a \"quote\" \\ and\nlines\t", "\u{1}\u{1f}é…🦀"] {
            assert_eq!(json_len(text), serde_json::to_string(text).unwrap().len());
        }
    }

    #[test]
    fn short_texts_stay_whole_and_long_ones_share_what_is_left() {
        let mut short = Some("short".to_string());
        let mut long = Some("x".repeat(50_000));
        let mut longer = Some("\u{1}".repeat(50_000));
        let mut none = None;
        fit(&mut [&mut short, &mut long, &mut none, &mut longer], 20_000);
        assert_eq!(short.as_deref(), Some("short"));
        assert_eq!(none, None);
        let (long, longer) = (long.unwrap(), longer.unwrap());
        assert!(long.ends_with(NOTE) && longer.ends_with(NOTE));
        let total = json_len("short") + json_len(&long) + json_len(&longer);
        assert!(total <= 20_000, "{total}");
        assert!(total > 19_000, "the budget is used, not wasted: {total}");
    }
}
