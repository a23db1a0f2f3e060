//! Platforms: the services a post or account was published on.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A platform name, lower-case (`x`, `telegram`, `facebook`, ...).
///
/// Kept as an open set: generic imports may name any platform. Identity of accounts and posts is always
/// scoped by platform.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Platform(String);

impl Platform {
    /// X, formerly Twitter.
    pub fn x() -> Self {
        Platform("x".to_owned())
    }
    /// Telegram.
    pub fn telegram() -> Self {
        Platform("telegram".to_owned())
    }
    /// Records whose platform the input did not say (generic imports without a `platform` field).
    pub fn generic() -> Self {
        Platform("generic".to_owned())
    }
    /// Loose media files, which belong to no platform.
    pub fn files() -> Self {
        Platform("files".to_owned())
    }
    /// A platform by name; the name is trimmed and lower-cased, and `twitter` is folded into `x`.
    pub fn new(name: &str) -> Self {
        let name = name.trim().to_lowercase();
        match name.as_str() {
            "twitter" | "x.com" | "twitter.com" => Platform::x(),
            "" => Platform::generic(),
            _ => Platform(name),
        }
    }
    /// A platform named by input (an export's `platform` field, a command-line option): as [`Platform::new`],
    /// but only a name of 1 to 40 lower-case ASCII letters, digits, `.`, `-` and `_` (after lower-casing), so that
    /// a name such as `x<script>` or one with spaces or control characters is refused with the reason.
    ///
    /// # Errors
    /// The reason, in words, when the name is not one.
    pub fn parse(name: &str) -> Result<Self, String> {
        let platform = Platform::new(name);
        let ok = platform.0.len() <= 40
            && platform.0.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
            });
        if ok {
            Ok(platform)
        } else {
            Err(format!(
                "platform {name:?} is not a platform name (1 to 40 lower-case letters, digits, '.', '-' or '_')"
            ))
        }
    }

    /// The platform's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_folded() {
        assert_eq!(Platform::new(" Twitter "), Platform::x());
        assert_eq!(Platform::new("TeleGram").as_str(), "telegram");
        assert_eq!(Platform::new(""), Platform::generic());
    }

    #[test]
    fn regression_19_platform_names_from_input_are_plain_names() {
        assert_eq!(Platform::parse("Twitter"), Ok(Platform::x()));
        assert_eq!(Platform::parse(" Telegram "), Ok(Platform::telegram()));
        assert_eq!(
            Platform::parse("vk.com").map(|p| p.0),
            Ok("vk.com".to_owned())
        );
        assert_eq!(Platform::parse(""), Ok(Platform::generic()));
        for bad in [
            "x<script>",
            "face book",
            "x\u{0}",
            "tele\ngram",
            &"a".repeat(41),
            "téléphone",
        ] {
            assert!(Platform::parse(bad).is_err(), "{bad:?}");
        }
    }
}
