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
}
