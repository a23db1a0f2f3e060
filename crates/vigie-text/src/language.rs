//! Language identification for posts that carry no language tag.
//!
//! Vigie's working languages are French, English and Arabic; everything else is reported as `other`, not
//! guessed. The decision goes from cheap and certain to statistical:
//!
//! 1. Links, mentions and hashtag marks are dropped (a URL is not language), and letters are counted by
//!    script. Arabic script in the majority is Arabic unless letters that only Persian and Urdu use show it
//!    is one of those; any other non-Latin script in the majority is `other`.
//! 2. Function words that nearly every French or English sentence carries, and no other Latin-script
//!    language shares, settle clear texts (see [`FunctionWord`]).
//! 3. `whichlang`, a linear model over hashed character n-grams of 16 languages, gives the verdict for the
//!    rest (about two microseconds for a tweet).
//! 4. A long text for which `whichlang` says French or English while carrying no sign of that language may
//!    be a language `whichlang` does not know (Polish, Indonesian, Romanian...): `whatlang`, weighing the
//!    working languages against those, confirms it before it is reported as a working language.

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
/// Cost: one pass over the text and, for Latin-script text that function words do not settle, one
/// `whichlang` call (a few microseconds for a tweet); `whatlang` runs only on the rare long text that step 4
/// of the module description covers.
pub fn detect_language(text: &str) -> Language {
    let mut scan = Scan::default();
    scan.run(text);
    let letters = scan.arabic + scan.latin + scan.other_script;
    // One word ("ok", "lol", a name) is not enough to tell a language by.
    if letters < 2 || scan.word_count < 2 {
        return Language::Other;
    }
    if scan.arabic * 2 > letters {
        // Persian and Urdu write in Arabic script with letters Arabic does not use; a text that uses them
        // more than in a borrowed name is not Arabic.
        return if scan.persian_urdu >= 2 && scan.persian_urdu * 20 > scan.arabic {
            Language::Other
        } else {
            Language::Arabic
        };
    }
    if scan.latin * 2 <= letters {
        return Language::Other;
    }
    if let Some(language) = scan.settled() {
        return language;
    }
    let candidate = match whichlang::detect_language(&scan.words) {
        whichlang::Lang::Fra => Language::French,
        whichlang::Lang::Eng => Language::English,
        _ => return Language::Other,
    };
    let signs = match candidate {
        Language::French => scan.french_signs,
        _ => scan.english_signs,
    };
    if signs == 0 && scan.word_count >= CONFIRM_FROM_WORDS {
        static WIDE: OnceLock<Detector> = OnceLock::new();
        let wide = WIDE.get_or_init(|| Detector::with_allowlist(CONFIRMING.to_vec()));
        if let Some(info) = wide.detect(&scan.words)
            && info.is_reliable()
            && !matches!(info.lang(), Lang::Eng | Lang::Fra)
        {
            return Language::Other;
        }
    }
    candidate
}

/// From how many words a French or English verdict with none of that language's function words is
/// confirmed by the wider detector. Shorter texts (titles, captions, link posts) often have no function
/// word at all, and there the wider detector is no more reliable than `whichlang`.
const CONFIRM_FROM_WORDS: u32 = 8;

/// The profiles the wider detector weighs a doubtful French or English verdict against: the working
/// languages and the Latin-script languages that `whichlang` does not know (it knows Spanish, Portuguese,
/// Italian, German, Dutch, Swedish, Turkish and Vietnamese, and says so). Fewer profiles than all 69 make the
/// check several times cheaper.
const CONFIRMING: &[Lang] = &[
    Lang::Eng,
    Lang::Fra,
    Lang::Pol,
    Lang::Ces,
    Lang::Slk,
    Lang::Slv,
    Lang::Hrv,
    Lang::Ron,
    Lang::Hun,
    Lang::Fin,
    Lang::Est,
    Lang::Lav,
    Lang::Lit,
    Lang::Dan,
    Lang::Nob,
    Lang::Cat,
    Lang::Ind,
    Lang::Tgl,
    Lang::Afr,
    Lang::Aze,
    Lang::Uzb,
    Lang::Tuk,
    Lang::Epo,
    Lang::Zul,
    Lang::Sna,
    Lang::Aka,
    Lang::Lat,
];

/// What one pass over a post's text finds.
#[derive(Default)]
struct Scan {
    /// The text without links and mentions, hashtags as words: what the statistical models read.
    words: String,
    word_count: u32,
    arabic: usize,
    /// Arabic-script letters used by Persian or Urdu but not by Arabic.
    persian_urdu: usize,
    latin: usize,
    other_script: usize,
    /// Function words of [`FunctionWord::English`] and [`FunctionWord::French`].
    english_words: u32,
    french_words: u32,
    /// Signs of the language, broader than function words (see [`FunctionWord`]).
    english_signs: u32,
    french_signs: u32,
}

/// How one character counts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    /// A Latin letter French writes and English, Romanian and the Slavic languages do not.
    FrenchLatin,
    Arabic,
    PersianUrdu,
    /// A combining mark inside a word (Arabic vowel marks): part of the word, not counted.
    Mark,
    Other,
    NotLetter,
}

fn script(c: char) -> Script {
    match c as u32 {
        0x41..=0x5A | 0x61..=0x7A => Script::Latin,
        0..=0x7F | 0xD7 | 0xF7 => Script::NotLetter,
        // é è ê ë à â ç î ï ô û ù œ and their capitals.
        0xE9 | 0xE8 | 0xEA | 0xEB | 0xE0 | 0xE2 | 0xE7 | 0xEE | 0xEF | 0xF4 | 0xFB | 0xF9
        | 0xC9 | 0xC8 | 0xCA | 0xC0 | 0xC2 | 0xC7 | 0x153 | 0x152 => Script::FrenchLatin,
        0xC0..=0x24F | 0x1E00..=0x1EFF => Script::Latin,
        // پ چ ژ گ ک ی ے ٹ ڈ ڑ ں ھ
        0x067E | 0x0686 | 0x0698 | 0x06AF | 0x06A9 | 0x06CC | 0x06D2 | 0x0679 | 0x0688 | 0x0691
        | 0x06BA | 0x06BE => Script::PersianUrdu,
        0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED | 0x0640 => Script::Mark,
        0x0621..=0x064A
        | 0x066E..=0x06D3
        | 0x06D5
        | 0x06EE
        | 0x06EF
        | 0x06FA..=0x06FF
        | 0x0750..=0x077F
        | 0x08A0..=0x08FF
        | 0xFB50..=0xFDFF
        | 0xFE70..=0xFEFF => Script::Arabic,
        _ if c.is_alphabetic() => Script::Other,
        _ => Script::NotLetter,
    }
}

impl Scan {
    /// The working language that the words leave no doubt about: at least one function word of it, three
    /// signs in all (function words included), and no function word or sign of the other.
    fn settled(&self) -> Option<Language> {
        if self.english_words >= 1 && self.english_signs >= 3 && self.french_signs == 0 {
            Some(Language::English)
        } else if self.french_words >= 1 && self.french_signs >= 3 && self.english_signs == 0 {
            Some(Language::French)
        } else {
            None
        }
    }

    fn run(&mut self, text: &str) {
        self.words.reserve(text.len());
        for token in text.split_ascii_whitespace() {
            if token.starts_with('@') || token.starts_with("www.") || token.contains("://") {
                continue;
            }
            let token = token.trim_start_matches('#');
            if token.is_empty() {
                continue;
            }
            if !self.words.is_empty() {
                self.words.push(' ');
            }
            // Hashtags join words with underscores.
            if token.contains('_') {
                self.words
                    .extend(token.chars().map(|c| if c == '_' { ' ' } else { c }));
            } else {
                self.words.push_str(token);
            }
            if token.is_ascii() {
                self.ascii_token(token.as_bytes());
            } else {
                self.unicode_token(token);
            }
        }
    }

    fn ascii_token(&mut self, token: &[u8]) {
        for word in token.split(|b| !b.is_ascii_alphabetic()) {
            if word.is_empty() {
                continue;
            }
            self.word_count += 1;
            self.latin += word.len();
            if word.len() <= 6 {
                let mut buf = [0u8; 6];
                let lower = &mut buf[..word.len()];
                lower.copy_from_slice(word);
                lower.make_ascii_lowercase();
                self.function_word(lower);
            }
        }
    }

    fn unicode_token(&mut self, token: &str) {
        let mut start: Option<usize> = None;
        let mut latin_word = true;
        for (at, c) in token
            .char_indices()
            .chain(std::iter::once((token.len(), ' ')))
        {
            let class = script(c);
            if class == Script::NotLetter {
                if let Some(start) = start.take() {
                    self.word_count += 1;
                    // The function words are at most six bytes once lowercased (`être` is five).
                    if latin_word && at - start <= 6 {
                        self.unicode_function_word(&token[start..at]);
                    }
                }
                continue;
            }
            if start.is_none() {
                start = Some(at);
                latin_word = true;
            }
            match class {
                Script::Latin => self.latin += 1,
                Script::FrenchLatin => {
                    self.latin += 1;
                    self.french_signs += 1;
                }
                Script::Arabic => {
                    self.arabic += 1;
                    latin_word = false;
                }
                Script::PersianUrdu => {
                    self.arabic += 1;
                    self.persian_urdu += 1;
                    latin_word = false;
                }
                Script::Mark => latin_word = false,
                // `NotLetter` ended the word above.
                Script::Other | Script::NotLetter => {
                    self.other_script += 1;
                    latin_word = false;
                }
            }
        }
    }

    fn unicode_function_word(&mut self, word: &str) {
        let mut buf = [0u8; 6];
        let mut n = 0;
        for c in word.chars().flat_map(char::to_lowercase) {
            let width = c.len_utf8();
            if n + width > buf.len() {
                return;
            }
            c.encode_utf8(&mut buf[n..]);
            n += width;
        }
        self.function_word(&buf[..n]);
    }

    fn function_word(&mut self, lower: &[u8]) {
        match FunctionWord::of(lower) {
            Some(FunctionWord::English) => {
                self.english_words += 1;
                self.english_signs += 1;
            }
            Some(FunctionWord::French) => {
                self.french_words += 1;
                self.french_signs += 1;
            }
            Some(FunctionWord::EnglishSign) => self.english_signs += 1,
            Some(FunctionWord::FrenchSign) => self.french_signs += 1,
            None => {}
        }
    }
}

/// What a short lowercased word says about the language.
///
/// `English` and `French` are function words that occur in nearly every sentence of that language and
/// rarely in any other Latin-script language (words shared with Spanish, Italian, Portuguese, Dutch or
/// German are left out): three of them and none of the other language settle a text. The `Sign` words are
/// common in the language but shared with some language `whichlang` knows; they only confirm a verdict
/// (words of Polish, Czech, Romanian or Indonesian, which `whichlang` does not know, are left out).
enum FunctionWord {
    English,
    French,
    EnglishSign,
    FrenchSign,
}

impl FunctionWord {
    fn of(lower: &[u8]) -> Option<FunctionWord> {
        use FunctionWord::*;
        Some(match lower {
            b"the" | b"and" | b"of" | b"with" | b"this" | b"that" | b"you" | b"are" | b"was"
            | b"have" | b"from" | b"will" | b"which" | b"their" | b"what" | b"about" | b"they"
            | b"been" | b"were" | b"would" | b"should" | b"could" => English,
            b"is" | b"it" | b"its" | b"for" | b"our" | b"your" | b"now" | b"out" | b"new"
            | b"all" | b"has" | b"had" | b"just" | b"more" | b"most" | b"after" | b"before"
            | b"over" | b"into" | b"than" | b"there" | b"here" | b"when" | b"who" | b"how"
            | b"why" | b"get" | b"gets" | b"every" | b"up" | b"an" | b"my" | b"we" | b"us"
            | b"he" | b"she" | b"his" | b"her" | b"them" | b"can" | b"does" | b"did" | b"not"
            | b"said" | b"save" | b"share" | b"copy" | b"read" | b"only" | b"some" | b"any"
            | b"off" | b"down" | b"fast" | b"on" | b"until" | b"but" | b"if" | b"while"
            | b"during" | b"since" | b"also" | b"other" | b"these" | b"those" | b"where"
            | b"link" | b"links" | b"issue" | b"backup" => EnglishSign,
            b"le" | b"les" | b"des" | b"du" | b"et" | b"est" | b"une" | b"pour" | b"dans"
            | b"avec" | b"pas" | b"sur" | b"aux" | b"cette" | b"nous" | b"vous" | b"sont"
            | b"mais" | b"ont" | b"ils" | b"elles" | b"leur" | b"leurs" | b"selon" => French,
            _ if lower == "été".as_bytes()
                || lower == "être".as_bytes()
                || lower == "très".as_bytes() =>
            {
                French
            }
            b"au" | b"ce" | b"ces" | b"qui" | b"que" | b"qu" | b"avant" | b"tout" | b"tous"
            | b"toute" | b"plus" | b"par" | b"sans" | b"chez" | b"entre" | b"comme" | b"aussi"
            | b"notre" | b"votre" | b"nos" | b"vos" | b"ne" | b"lien" | b"liens" | b"suite"
            | b"autres" | b"miroir" | b"partie" | b"jusqu" | b"quand" | b"donc" => FrenchSign,
            _ => return None,
        })
    }
}

/// The language a text's function words leave no doubt about (at least three of one working language and
/// none of the other), or `None`.
#[cfg(test)]
fn by_function_words(text: &str) -> Option<Language> {
    let mut scan = Scan::default();
    scan.run(text);
    scan.settled()
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
        assert_eq!(detect_language("ok"), Language::Other);
        assert_eq!(detect_language("Merci !!"), Language::Other);
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
    fn links_are_not_language() {
        // The Latin letters of links once outnumbered the Arabic words of a post and made it `other`.
        assert_eq!(
            detect_language(
                "رابط مباشر: https://upload.example.org/f/vr4ST8V/statement_8.pdf?dl=1 \
                 تحميل: https://files.example.net/d/rvoBwEeopt #تحميل_مباشر"
            ),
            Language::Arabic
        );
        assert_eq!(
            detect_language(
                "Le marché ouvre demain https://example.org/a/very/long/path/with/english/words"
            ),
            Language::French
        );
        // Hashtag words count, their underscores read as spaces.
        assert_eq!(
            detect_language("#nouvelle_parution #liens_miroirs #parution_de_la_semaine"),
            Language::French
        );
    }

    #[test]
    fn other_scripts_and_languages_sharing_a_script_are_other() {
        for other in [
            // Persian and Urdu, in Arabic script.
            "بازار فردا صبح در میدان شهرداری باز می‌شود",
            "بازار کل صبح ٹاؤن ہال چوک پر کھلے گا",
            // Cyrillic.
            "Рынок откроется завтра утром на площади ратуши",
            // Latin-script languages, including ones the n-gram model does not know, once the text is long
            // enough for the wider detector to confirm.
            "El mercado abre mañana por la mañana en la plaza del ayuntamiento",
            "Targ otwiera się jutro rano na placu przed ratuszem dla wszystkich mieszkańców miasta",
            "Pasar dibuka besok pagi di alun-alun balai kota untuk semua warga yang datang",
            "Pazar yarın sabah belediye meydanında açılıyor",
        ] {
            assert_eq!(detect_language(other), Language::Other, "{other}");
        }
        // One Persian letter in a borrowed name does not make an Arabic text Persian.
        assert_eq!(
            detect_language("زار الوزير مدينة گرگان اليوم والتقى بالمسؤولين في المحافظة"),
            Language::Arabic
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
