//! A moment as a readable UTC date and time for file names (`2026-12-01T18-42-03`, with
//! dashes where ISO 8601 has colons, which some file systems refuse), computed from the Unix
//! time with the civil-from-days algorithm of Howard Hinnant's date library.
//!
//! Not a calendar library: no time zones, no parsing.

use std::time::{SystemTime, UNIX_EPOCH};

/// `YYYY-MM-DDTHH-MM-SS` in UTC of `moment` (the epoch for moments before it).
pub fn file_stamp(moment: SystemTime) -> String {
    let secs = moment
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}-{:02}-{:02}",
        day_secs / 3600,
        day_secs % 3600 / 60,
        day_secs % 60
    )
}

/// The proleptic Gregorian (year, month, day) of `days` since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(secs: u64) -> String {
        file_stamp(UNIX_EPOCH + Duration::from_secs(secs))
    }

    #[test]
    fn known_moments_are_written_as_their_utc_date_and_time() {
        assert_eq!(at(0), "1970-01-01T00-00-00");
        // `date -u -d @1796150523`: Tue Dec  1 18:42:03 UTC 2026.
        assert_eq!(at(1_796_150_523), "2026-12-01T18-42-03");
        // A leap day, and the day after the end of a century that is not a leap year.
        assert_eq!(at(951_782_400), "2000-02-29T00-00-00");
        assert_eq!(at(4_107_542_400), "2100-03-01T00-00-00");
        assert_eq!(at(1_704_067_199), "2023-12-31T23-59-59");
    }

    #[test]
    fn every_day_for_four_centuries_follows_the_one_before() {
        let mut previous = civil_from_days(-1);
        for days in 0..146_097 {
            let (y, m, d) = civil_from_days(days);
            let (py, pm, pd) = previous;
            let next_day = (y, m, d) == (py, pm, pd + 1);
            let next_month = (y, m, d) == (py, pm + 1, 1);
            let next_year = (y, m, d) == (py + 1, 1, 1) && (pm, pd) == (12, 31);
            assert!(
                next_day || next_month || next_year,
                "{previous:?} → {y}-{m}-{d}"
            );
            assert!(d <= 31 && (1..=12).contains(&m));
            previous = (y, m, d);
        }
    }
}
