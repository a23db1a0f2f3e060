//! Calendar arithmetic and the timestamp spellings of each export format, written here rather than pulled
//! from a date crate because the generator only needs UTC civil dates and fixed layouts.

use crate::rng::Rng;

/// 2024-01-01T00:00:00Z, the start of the corpus period.
pub(crate) const CORPUS_START: i64 = 1_704_067_200;
/// 2024-04-01T00:00:00Z, the end (exclusive) of the corpus period.
pub(crate) const CORPUS_END: i64 = 1_711_929_600;

/// A UTC civil date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

/// The UTC civil time of a Unix timestamp.
pub(crate) fn civil(unix: i64) -> Civil {
    let (year, month, day) = civil_from_days(unix.div_euclid(86_400));
    let secs = unix.rem_euclid(86_400);
    Civil {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: (secs % 3600 / 60) as u32,
        second: (secs % 60) as u32,
    }
}

/// `2024-01-15T10:00:00.000Z`, the X API v2 spelling.
pub(crate) fn x_timestamp(unix: i64) -> String {
    let c = civil(unix);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// `2024-01-15T10:00:00Z`.
pub(crate) fn rfc3339_utc(unix: i64) -> String {
    let c = civil(unix);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// `2024-01-15T11:00:00+01:00`: the same instant written in a zone `offset_minutes` east of UTC.
pub(crate) fn rfc3339_offset(unix: i64, offset_minutes: i32) -> String {
    let c = civil(unix + i64::from(offset_minutes) * 60);
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let off = offset_minutes.unsigned_abs();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        off / 60,
        off % 60
    )
}

/// `2024-01-15T10:00:00`, Telegram Desktop's `date` (local time of the exporting machine, here UTC).
pub(crate) fn telegram_date(unix: i64) -> String {
    let c = civil(unix);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// `15-01-2024_10-00-00`, the stamp in Telegram Desktop's photo file names.
pub(crate) fn telegram_photo_stamp(unix: i64) -> String {
    let c = civil(unix);
    format!(
        "{:02}-{:02}-{:04}_{:02}-{:02}-{:02}",
        c.day, c.month, c.year, c.hour, c.minute, c.second
    )
}

/// The time of record `index` of `count` spread over `start..end`: record times increase strictly with
/// the index when the period has at least one second per record, so replies always follow what they answer.
pub(crate) fn spread(index: usize, count: usize, start: i64, end: i64, rng: &mut Rng) -> i64 {
    let count = count.max(1) as i128;
    let span = i128::from((end - start).max(1));
    let slot = span * index as i128 / count;
    let step = (span / count).max(1) as u64;
    start + slot as i64 + rng.below(step) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(x_timestamp(CORPUS_START), "2024-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_utc(CORPUS_END), "2024-04-01T00:00:00Z");
        assert_eq!(telegram_date(1_705_312_800), "2024-01-15T10:00:00");
        assert_eq!(telegram_photo_stamp(1_705_312_800), "15-01-2024_10-00-00");
        assert_eq!(
            rfc3339_offset(1_705_312_800, 60),
            "2024-01-15T11:00:00+01:00"
        );
        assert_eq!(
            rfc3339_offset(1_705_312_800, -300),
            "2024-01-15T05:00:00-05:00"
        );
        assert_eq!(x_timestamp(951_782_400), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn spread_is_strictly_increasing() {
        let mut last = i64::MIN;
        for i in 0..5000 {
            let mut rng = Rng::derive(1, 2, i as u64);
            let t = spread(i, 5000, CORPUS_START, CORPUS_END, &mut rng);
            assert!(t > last && (CORPUS_START..CORPUS_END).contains(&t));
            last = t;
        }
    }
}
