//! Language identification for posts that carry no language tag.
//!
//! Vigie's working languages are French, English and Arabic; everything else is reported as `other`, not
//! guessed. Arabic is recognized by script first (cheap and exact for the script), then `whatlang` decides
//! between the Latin-script languages.

use whatlang::{Detector, Lang};

/// A language as Vigie reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// French.
    French,
    /// English.
    English,
    /// Arabic.
    Arabic,
    /// Any other language, or text too short or mixed to tell.
    Other,
}

impl Language {
    /// The ISO 639-1 code, or `other`.
    pub fn code(self) -> &'static str {
        match self {
            Language::French => "fr",
            Language::English => "en",
            Language::Arabic => "ar",
            Language::Other => "other",
        }
    }
}

/// Detects the language of a post's text.
///
/// Cost: one pass over the characters, plus `whatlang`'s trigram scoring for Latin-script text (a few
/// microseconds for a tweet).
pub fn detect_language(text: &str) -> Language {
    let mut arabic = 0usize;
    let mut letters = 0usize;
    for c in text.chars() {
        if c.is_alphabetic() {
            letters += 1;
            if matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF)
            {
                arabic += 1;
            }
        }
    }
    if letters == 0 {
        return Language::Other;
    }
    if arabic * 2 > letters {
        return Language::Arabic;
    }
    // URLs and mentions are not language; a text that is only those is not in any language.
    let words: String = text
        .split_whitespace()
        .filter(|w| !w.contains("://") && !w.starts_with('@'))
        .collect::<Vec<_>>()
        .join(" ");
    if words.chars().filter(|c| c.is_alphabetic()).count() < 2 {
        return Language::Other;
    }
    // A confident verdict for another language wins; otherwise decide between the working languages, which
    // is reliable even on the short texts where a free choice among 69 languages is not.
    if let Some(info) = whatlang::detect(&words)
        && info.is_reliable()
        && !matches!(info.lang(), Lang::Eng | Lang::Fra)
    {
        return Language::Other;
    }
    match Detector::with_allowlist(vec![Lang::Eng, Lang::Fra]).detect(&words) {
        Some(info) if info.confidence() >= 0.1 && info.lang() == Lang::Fra => Language::French,
        Some(info) if info.confidence() >= 0.1 && info.lang() == Lang::Eng => Language::English,
        _ => Language::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_languages() {
        assert_eq!(
            detect_language("Le marché ouvre demain matin sur la place de la mairie"),
            Language::French
        );
        assert_eq!(
            detect_language("The market opens tomorrow morning on the town hall square"),
            Language::English
        );
        assert_eq!(
            detect_language("يفتح السوق صباح الغد في ساحة البلدية"),
            Language::Arabic
        );
        assert_eq!(
            detect_language("Bulletin météo du matin #meteo"),
            Language::French
        );
        assert_eq!(
            detect_language("Weather is fine today https://example.com/x"),
            Language::English
        );
    }

    #[test]
    fn others_are_not_guessed() {
        assert_eq!(detect_language(""), Language::Other);
        assert_eq!(detect_language("12345 !!! ..."), Language::Other);
        assert_eq!(
            detect_language("https://t.co/xyz @someone"),
            Language::Other
        );
        assert_eq!(
            detect_language("Der Markt öffnet morgen früh auf dem Rathausplatz"),
            Language::Other
        );
    }
}
