//! Timestamps: instants in UTC with millisecond precision, as the exports give them.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// An instant, in milliseconds since the Unix epoch, UTC.
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
