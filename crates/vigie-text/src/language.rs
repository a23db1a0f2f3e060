//! Language identification for posts that carry no language tag.
//!
//! Vigie's working languages are French, English and Arabic; everything else is reported as `other`, not
//! guessed. Arabic is recognized by script first (cheap and exact for the script), then `whatlang` decides
//! between the Latin-script languages.

use std::sync::OnceLock;
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
    if let Some(language) = by_function_words(&words) {
        return language;
    }
    // A confident verdict for another language wins; otherwise decide between the working languages, which
    // is reliable even on the short texts where a free choice among many languages is not. The "other"
    // candidates are the Latin-script languages these sources carry most: scoring ten profiles instead of
    // whatlang's 69 keeps the same verdicts on them at a fraction of the cost.
    static OTHERS: OnceLock<Detector> = OnceLock::new();
    static WORKING: OnceLock<Detector> = OnceLock::new();
    let others = OTHERS.get_or_init(|| {
        Detector::with_allowlist(vec![
            Lang::Eng,
            Lang::Fra,
            Lang::Spa,
            Lang::Ita,
            Lang::Por,
            Lang::Deu,
            Lang::Nld,
            Lang::Tur,
            Lang::Ind,
            Lang::Pol,
        ])
    });
    match others.detect(&words) {
        // When the wider choice already picks a working language, the narrow one would agree: one call.
        Some(info) if info.confidence() >= 0.1 && info.lang() == Lang::Fra => {
            return Language::French;
        }
        Some(info) if info.confidence() >= 0.1 && info.lang() == Lang::Eng => {
            return Language::English;
        }
        Some(info) if info.is_reliable() => return Language::Other,
        _ => {}
    }
    let working = WORKING.get_or_init(|| Detector::with_allowlist(vec![Lang::Eng, Lang::Fra]));
    match working.detect(&words) {
        Some(info) if info.confidence() >= 0.1 && info.lang() == Lang::Fra => Language::French,
        Some(info) if info.confidence() >= 0.1 && info.lang() == Lang::Eng => Language::English,
        _ => Language::Other,
    }
}

/// Function words that occur in nearly every sentence of one working language and rarely in any other
/// Latin-script language (words shared with Spanish, Italian, Portuguese, Dutch or German are left out).
const ENGLISH_WORDS: &[&str] = &[
    "the", "and", "of", "with", "this", "that", "you", "are", "was", "have", "from", "will",
    "which", "their", "what", "about", "they", "been", "were", "would", "should", "could",
];
const FRENCH_WORDS: &[&str] = &[
    "le", "les", "des", "du", "et", "est", "une", "pour", "dans", "avec", "pas", "sur", "aux",
    "cette", "nous", "vous", "sont", "mais", "ont", "ils", "elles", "leur", "leurs", "été", "être",
    "très", "selon",
];

/// The language of a text whose function words leave no doubt: at least three of one working language and
/// none of the other. `None` sends the text to the statistical detector. Two orders of magnitude cheaper than
/// trigram scoring over every language, and decides most posts.
fn by_function_words(words: &str) -> Option<Language> {
    let (mut en, mut fr) = (0u32, 0u32);
    for word in words.split(|c: char| !c.is_alphabetic()) {
        if word.is_empty() || word.len() > 7 {
            continue;
        }
        let lower = word.to_lowercase();
        en += u32::from(ENGLISH_WORDS.contains(&lower.as_str()));
        fr += u32::from(FRENCH_WORDS.contains(&lower.as_str()));
    }
    match (en, fr) {
        (e, 0) if e >= 3 => Some(Language::English),
        (0, f) if f >= 3 => Some(Language::French),
        _ => None,
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

    #[test]
    fn function_words_decide_only_clear_cases() {
        assert_eq!(
            by_function_words(
                "The council said that the new market will open with stalls from the region"
            ),
            Some(Language::English)
        );
        assert_eq!(
            by_function_words(
                "Le conseil a dit que les marchés sont ouverts dans la ville avec des stands"
            ),
            Some(Language::French)
        );
        // Other Latin-script languages share none of the listed words, or too few: the detector decides.
        for other in [
            "El mercado abre mañana por la mañana en la plaza del ayuntamiento y los vecinos",
            "Il mercato apre domani mattina nella piazza del municipio per tutti i cittadini",
            "O mercado abre amanhã de manhã na praça da câmara para os moradores",
            "Die Stadt öffnet den Markt morgen früh auf dem Platz vor dem Rathaus",
            "De markt gaat morgen vroeg open op het plein voor het stadhuis",
        ] {
            assert_eq!(by_function_words(other), None, "{other}");
        }
        // A mixed text is left to the detector.
        assert_eq!(by_function_words("the and of le les des"), None);
    }
}
