//! Timestamps: instants in UTC with millisecond precision, as the exports give them.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// An instant, in milliseconds since the Unix epoch, UTC.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

/// A timestamp that could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error(
    "invalid timestamp {value:?}: expected RFC 3339 (2024-01-15T10:00:00Z), a naive ISO 8601 date-time or Unix seconds"
)]
pub struct TimestampError {
    value: String,
}

impl Timestamp {
    /// From Unix seconds.
    pub fn from_unix_seconds(secs: i64) -> Self {
        Timestamp(secs.saturating_mul(1000))
    }

    /// Parses RFC 3339 (`2024-01-15T10:00:00.000Z`), a naive ISO date-time taken as UTC
    /// (`2024-01-15T10:00:00`, Telegram's form, or with a space), or a decimal number of Unix seconds.
    pub fn parse(value: &str) -> Result<Self, TimestampError> {
        let v = value.trim();
        if let Some(t) = Self::parse_utc_fast(v) {
            return Ok(t);
        }
        let err = || TimestampError {
            value: value.chars().take(64).collect(),
        };
        if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
            return v
                .parse::<i64>()
                .map(Timestamp::from_unix_seconds)
                .map_err(|_| err());
        }
        if let Ok(t) = OffsetDateTime::parse(v, &Rfc3339) {
            return Ok(Self::from_datetime(t));
        }
        let naive = time::macros::format_description!(
            version = 2,
            "[year]-[month]-[day][first [T] [ ]][hour]:[minute]:[second][optional [.[subsecond]]]"
        );
        if let Ok(t) = PrimitiveDateTime::parse(v, naive) {
            return Ok(Self::from_datetime(t.assume_offset(UtcOffset::UTC)));
        }
        Err(err())
    }

    /// The form nearly every export uses, `YYYY-MM-DDTHH:MM:SS[.fff]Z`, parsed without the general parser
    /// (ingest parses one per post). Returns `None` for anything else, including out-of-range fields, which
    /// then go through the general parser and get its verdict.
    fn parse_utc_fast(v: &str) -> Option<Timestamp> {
        let b = v.as_bytes();
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || b[10] != b'T'
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            b[r].iter().try_fold(0i64, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0'))
            })
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let millis = match &b[19..] {
            [b'Z'] => 0,
            [b'.', a, b2, c, b'Z'] => num(20..23)
                .filter(|_| a.is_ascii_digit() && b2.is_ascii_digit() && c.is_ascii_digit())?,
            _ => return None,
        };
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days_in_month = [
            31,
            if leap { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month[(month - 1) as usize] {
            return None;
        }
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        // Days from the civil date (proleptic Gregorian), counted from 1970-01-01.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (month + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        Some(Timestamp(
            (days * 86_400 + hour * 3600 + minute * 60 + second) * 1000 + millis,
        ))
    }

    fn from_datetime(t: OffsetDateTime) -> Self {
        Timestamp((t.unix_timestamp_nanos() / 1_000_000) as i64)
    }

    /// Milliseconds since the epoch.
    pub fn millis(self) -> i64 {
        self.0
    }

    /// The current time.
    pub fn now() -> Self {
        Self::from_datetime(OffsetDateTime::now_utc())
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC, with milliseconds only when they are not zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = i128::from(self.0) * 1_000_000;
        match OffsetDateTime::from_unix_timestamp_nanos(nanos) {
            Ok(t) => {
                let (y, mo, d) = (t.year(), t.month() as u8, t.day());
                let (h, mi, s, ms) = (t.hour(), t.minute(), t.second(), t.millisecond());
                write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")?;
                if ms != 0 {
                    write!(f, ".{ms:03}")?;
                }
                f.write_str("Z")
            }
            Err(_) => write!(f, "@{}ms", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_export_forms() {
        let x = Timestamp::parse("2024-01-15T10:00:00.000Z").unwrap_or(Timestamp(0));
        assert_eq!(x.millis(), 1_705_312_800_000);
        assert_eq!(Timestamp::parse("2024-01-15T10:00:00").ok(), Some(x));
        assert_eq!(Timestamp::parse("2024-01-15 10:00:00").ok(), Some(x));
        assert_eq!(Timestamp::parse("1705312800").ok(), Some(x));
        assert_eq!(Timestamp::parse("2024-01-15T11:00:00+01:00").ok(), Some(x));
        assert_eq!(x.to_string(), "2024-01-15T10:00:00Z");
        assert_eq!(
            Timestamp(1_705_312_800_123).to_string(),
            "2024-01-15T10:00:00.123Z"
        );
    }

    #[test]
    fn fast_path_agrees_with_the_general_parser() {
        // Every 7,919,993 seconds from 1900 to 2100, with and without milliseconds.
        let mut t = -2_208_988_800i64;
        while t < 4_102_444_800 {
            for ms in [0i64, 7, 999] {
                let ts = Timestamp(t * 1000 + ms);
                let text = ts.to_string();
                let text = if ms == 0 {
                    text.replace('Z', ".000Z")
                } else {
                    text
                };
                let general = OffsetDateTime::parse(&text, &Rfc3339)
                    .map(Timestamp::from_datetime)
                    .ok();
                assert_eq!(Timestamp::parse_utc_fast(&text), general, "{text}");
                assert_eq!(Timestamp::parse_utc_fast(&text), Some(ts), "{text}");
            }
            t += 7_919_993;
        }
        for bad in [
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-13-01T00:00:00Z",
        ] {
            assert_eq!(Timestamp::parse_utc_fast(bad), None, "{bad}");
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Timestamp::parse_utc_fast("2024-02-29T23:59:59.123Z"),
            Some(Timestamp(1_709_251_199_123))
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01T00:00:00Z",
            "99999999999999999999999",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }
}
