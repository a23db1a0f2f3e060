//! Character tables of the normalization: what is invisible, how Arabic letters, typography and
//! special Latin letters fold, and which Cyrillic and Greek letters pass for Latin ones.
//!
//! Kept apart from the pipeline in `normalize.rs` so that an analyst reviewing what Vigie folds reads
//! one list per rule. Every table is a `match`: the compiler turns it into range checks, with no
//! allocation and no lookup structure to build.

/// What one character becomes once folded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fold {
    /// The character is removed.
    Drop,
    /// The character is replaced by one character (possibly itself).
    One(char),
    /// The character is replaced by two characters (`æ` → `ae`).
    Two(char, char),
}

/// Characters that render as nothing and are used to split words invisibly: zero-width spaces and
/// joiners, bidirectional controls, the soft hyphen, the combining grapheme joiner, the Arabic letter
/// mark, variation selectors, Hangul fillers and tag characters (Unicode's default-ignorable code
/// points, less the few that are spaces).
#[inline]
pub(super) fn is_ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F | 0x1160 | 0x17B4 | 0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

/// Arabic-script folding, for the characters of the Arabic block that need no decomposition:
/// `Some(None)` removes the character, `Some(Some(x))` replaces it, `None` leaves it to the general path.
///
/// Removed: harakat and other diacritics (U+064B..U+065F, superscript alef U+0670, Quranic marks
/// U+06D6..U+06ED) and tatweel (U+0640). Folded: alef with hamza or madda and alef wasla → `ا`;
/// hamza on waw `ؤ` → `و`; hamza on yeh `ئ`, alef maqsura `ى` and Farsi yeh `ی` → `ي`; teh marbuta
/// `ة`, heh goal `ہ` and heh doachashmee `ھ` → `ه`; keheh `ک` and swash kaf `ڪ` → `ك`; Arabic-Indic
/// and Extended Arabic-Indic digits → ASCII digits; Arabic comma, semicolon and question mark → ASCII.
#[inline]
pub(super) fn arabic_fast(c: char) -> Option<Option<char>> {
    let code = (c as u32).wrapping_sub(0x0600);
    match ARABIC_FOLD.get(code as usize).copied().unwrap_or(NOT_FAST) {
        NOT_FAST => None,
        DROP => Some(None),
        folded => Some(char::from_u32(u32::from(folded))),
    }
}

/// [`ARABIC_FOLD`] entry of a character left to the general path.
const NOT_FAST: u16 = 0;
/// [`ARABIC_FOLD`] entry of a removed character.
const DROP: u16 = 1;

/// What [`arabic_fast`] does with each character of U+0600..U+06FF, as one table lookup.
static ARABIC_FOLD: [u16; 256] = {
    let mut table = [NOT_FAST; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = arabic_fold_entry(0x0600 + i as u32);
        i += 1;
    }
    table
};

const fn arabic_fold_entry(code: u32) -> u16 {
    let folded: u32 = match code {
        0x0622 | 0x0623 | 0x0625 | 0x0671..=0x0673 => 0x0627,
        0x0624 => 0x0648,
        0x0626 | 0x0649 | 0x06CC => 0x064A,
        0x0629 | 0x06C1 | 0x06BE => 0x0647,
        0x06A9 | 0x06AA => 0x0643,
        0x0660..=0x0669 => code - 0x0660 + b'0' as u32,
        0x06F0..=0x06F9 => code - 0x06F0 + b'0' as u32,
        0x060C => b',' as u32,
        0x061B => b';' as u32,
        0x061F => b'?' as u32,
        0x0640 | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED => return DROP,
        0x0621 | 0x0627..=0x063A | 0x0641..=0x064A => code,
        _ => return NOT_FAST,
    };
    folded as u16
}

/// Latin-1 and Latin Extended-A letters, folded as the general path folds them (decomposed, lowercased,
/// marks removed, special letters folded): `é` → `e`, `Œ` → `oe`. `None` for the few that the general
/// path must handle (`ĸ ŀ ŉ ŋ`) and for everything else.
#[inline]
pub(super) fn latin_fast(c: char) -> Option<Fold> {
    if !('\u{00C0}'..='\u{017F}').contains(&c) {
        return None;
    }
    let folded = match c {
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'Ā' | 'ā' | 'Ă'
        | 'ă' | 'Ą' | 'ą' => Fold::One('a'),
        'Æ' | 'æ' => Fold::Two('a', 'e'),
        'Ç' | 'ç' | 'Ć' | 'ć' | 'Ĉ' | 'ĉ' | 'Ċ' | 'ċ' | 'Č' | 'č' => Fold::One('c'),
        'Ð' | 'ð' | 'Ď' | 'ď' | 'Đ' | 'đ' => Fold::One('d'),
        'È' | 'É' | 'Ê' | 'Ë' | 'è' | 'é' | 'ê' | 'ë' | 'Ē' | 'ē' | 'Ĕ' | 'ĕ' | 'Ė' | 'ė' | 'Ę'
        | 'ę' | 'Ě' | 'ě' => Fold::One('e'),
        'Ĝ' | 'ĝ' | 'Ğ' | 'ğ' | 'Ġ' | 'ġ' | 'Ģ' | 'ģ' => Fold::One('g'),
        'Ĥ' | 'ĥ' | 'Ħ' | 'ħ' => Fold::One('h'),
        'Ì' | 'Í' | 'Î' | 'Ï' | 'ì' | 'í' | 'î' | 'ï' | 'Ĩ' | 'ĩ' | 'Ī' | 'ī' | 'Ĭ' | 'ĭ' | 'Į'
        | 'į' | 'İ' | 'ı' => Fold::One('i'),
        'Ĳ' | 'ĳ' => Fold::Two('i', 'j'),
        'Ĵ' | 'ĵ' => Fold::One('j'),
        'Ķ' | 'ķ' => Fold::One('k'),
        'Ĺ' | 'ĺ' | 'Ļ' | 'ļ' | 'Ľ' | 'ľ' | 'Ł' | 'ł' => Fold::One('l'),
        'Ñ' | 'ñ' | 'Ń' | 'ń' | 'Ņ' | 'ņ' | 'Ň' | 'ň' => Fold::One('n'),
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ō' | 'ō' | 'Ŏ'
        | 'ŏ' | 'Ő' | 'ő' => Fold::One('o'),
        'Œ' | 'œ' => Fold::Two('o', 'e'),
        'Ŕ' | 'ŕ' | 'Ŗ' | 'ŗ' | 'Ř' | 'ř' => Fold::One('r'),
        'Ś' | 'ś' | 'Ŝ' | 'ŝ' | 'Ş' | 'ş' | 'Š' | 'š' | 'ſ' => Fold::One('s'),
        'ß' => Fold::Two('s', 's'),
        'Ţ' | 'ţ' | 'Ť' | 'ť' | 'Ŧ' | 'ŧ' => Fold::One('t'),
        'Þ' | 'þ' => Fold::Two('t', 'h'),
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'ù' | 'ú' | 'û' | 'ü' | 'Ũ' | 'ũ' | 'Ū' | 'ū' | 'Ŭ' | 'ŭ' | 'Ů'
        | 'ů' | 'Ű' | 'ű' | 'Ų' | 'ų' => Fold::One('u'),
        'Ŵ' | 'ŵ' => Fold::One('w'),
        'Ý' | 'ý' | 'ÿ' | 'Ŷ' | 'ŷ' | 'Ÿ' => Fold::One('y'),
        'Ź' | 'ź' | 'Ż' | 'ż' | 'Ž' | 'ž' => Fold::One('z'),
        _ => return None,
    };
    Some(folded)
}

/// Folds one character of a decomposed, lowercased segment (see the module documentation of
/// `normalize` for the order of the steps).
///
/// Besides [`arabic_fast`] and [`is_ignorable`]: control characters other than whitespace are removed;
/// typographic apostrophes and primes → `'`, typographic double quotes → `"`, hyphens and dashes
/// (U+2010..U+2015, minus U+2212) → `-`; Latin letters without a decomposition fold to their plain
/// letter (`ø ł đ ð ħ ı ŧ ƀ ɨ ƶ ƒ ɡ ɑ ɩ` and the small capitals `ᴀ ʙ ᴄ …`), and `æ œ ß þ` to two letters.
pub(super) fn fold_char(c: char) -> Fold {
    if c.is_ascii() {
        return if c.is_ascii_control() && !c.is_ascii_whitespace() && c != '\u{0B}' {
            Fold::Drop
        } else {
            Fold::One(c)
        };
    }
    if let Some(arabic) = arabic_fast(c) {
        return arabic.map_or(Fold::Drop, Fold::One);
    }
    if is_ignorable(c) || (c.is_control() && !c.is_whitespace()) {
        return Fold::Drop;
    }
    let one = match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' => '"',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        'ø' => 'o',
        'đ' | 'ð' => 'd',
        'ħ' => 'h',
        'ı' | 'ɨ' | 'ɩ' => 'i',
        'ł' => 'l',
        'ŧ' => 't',
        'ƀ' => 'b',
        'ƶ' => 'z',
        'ƒ' => 'f',
        'ɡ' => 'g',
        'ɑ' => 'a',
        'ᴀ' => 'a',
        'ʙ' => 'b',
        'ᴄ' => 'c',
        'ᴅ' => 'd',
        'ᴇ' => 'e',
        'ꜰ' => 'f',
        'ɢ' => 'g',
        'ʜ' => 'h',
        'ɪ' => 'i',
        'ᴊ' => 'j',
        'ᴋ' => 'k',
        'ʟ' => 'l',
        'ᴍ' => 'm',
        'ɴ' => 'n',
        'ᴏ' => 'o',
        'ᴘ' => 'p',
        'ʀ' => 'r',
        'ꜱ' => 's',
        'ᴛ' => 't',
        'ᴜ' => 'u',
        'ᴠ' => 'v',
        'ᴡ' => 'w',
        'ʏ' => 'y',
        'ᴢ' => 'z',
        'æ' => return Fold::Two('a', 'e'),
        'œ' => return Fold::Two('o', 'e'),
        'ß' => return Fold::Two('s', 's'),
        'þ' => return Fold::Two('t', 'h'),
        _ => c,
    };
    Fold::One(one)
}

/// The Latin letter that a lowercase Cyrillic or Greek letter passes for, if any.
///
/// Cyrillic: `а в е ё ѐ і ї ј к м н о п р с т у ү х ѕ ԁ һ ԛ ԝ ӏ ь` → `a b e e e i i j k m h o n p c t y
/// y x s d h q w l b`. Greek: `α β γ ε ζ η ι κ μ ν ο ρ τ υ χ ω ς ϳ` → `a b y e z h i k m v o p t u x w c
/// j`, and the accented `ά έ ή ί ό ύ ώ ϊ ϋ ΐ ΰ` like their plain letters. Uppercase look-alikes (`А В Е
/// Н К М О Р С Т Х`, `Α Β Ε Η Ι Κ Μ Ν Ο Ρ Τ Χ`) are covered through case folding; where a capital and
/// its small letter look like different Latin letters, the capital wins for `Η`/`η` (H), `Μ`/`μ` (M) and
/// `Н`/`н` (H), the small letter for `ν` (v) and `υ` (u).
#[inline]
pub(super) fn lookalike(c: char) -> Option<char> {
    let latin = match c {
        'а' | 'α' | 'ά' => 'a',
        'в' | 'ь' | 'β' => 'b',
        'с' | 'ς' => 'c',
        'ԁ' => 'd',
        'е' | 'ё' | 'ѐ' | 'ε' | 'έ' => 'e',
        'н' | 'һ' | 'η' | 'ή' => 'h',
        'і' | 'ї' | 'ι' | 'ί' | 'ϊ' | 'ΐ' => 'i',
        'ј' | 'ϳ' => 'j',
        'к' | 'κ' => 'k',
        'ӏ' => 'l',
        'м' | 'μ' => 'm',
        'п' => 'n',
        'о' | 'ο' | 'ό' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'υ' | 'ύ' | 'ϋ' | 'ΰ' => 'u',
        'ν' => 'v',
        'ԝ' | 'ω' | 'ώ' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'ү' | 'γ' => 'y',
        'ζ' => 'z',
        _ => return None,
    };
    Some(latin)
}

/// The letter that a leetspeak digit stands for: `0 1 3 4 5 7` → `o i e a s t`.
pub(super) fn leet_digit(c: char) -> Option<char> {
    let letter = match c {
        '0' => 'o',
        '1' => 'i',
        '3' => 'e',
        '4' => 'a',
        '5' => 's',
        '7' => 't',
        _ => return None,
    };
    Some(letter)
}

/// Separators that evaders put between the letters of a word (`a.m.a.q`, `a-m-a-q`).
#[inline]
pub(super) fn is_separator(c: char) -> bool {
    matches!(c, '.' | '-' | '_' | '*' | '\u{00B7}' | '\u{2022}')
}

/// Whether `c` is a letter of the Latin script (ASCII or not).
#[inline]
pub(super) fn is_latin_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    matches!(c as u32,
        0x00AA | 0x00BA | 0x00C0..=0x024F | 0x0250..=0x02AF | 0x1D00..=0x1DBF | 0x1E00..=0x1EFF
        | 0x2071 | 0x207F | 0x2090..=0x209C | 0x2C60..=0x2C7F | 0xA720..=0xA7FF | 0xAB30..=0xAB6F
        | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A | 0x10780..=0x107BF | 0x1DF00..=0x1DFFF)
        && c.is_alphabetic()
}

/// Whether `c` belongs to the Arabic script blocks (after compatibility decomposition, presentation
/// forms are gone).
pub(super) fn is_arabic(c: char) -> bool {
    matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F | 0x0870..=0x08FF)
}

/// Combining marks that belong to no script (diacritics, enclosing circles, half marks): they are
/// removed even where no base letter carries them.
pub(super) fn is_generic_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_digits_fold_to_ascii() {
        assert_eq!(arabic_fast('\u{0660}'), Some(Some('0')));
        assert_eq!(arabic_fast('\u{0669}'), Some(Some('9')));
        assert_eq!(arabic_fast('\u{06F4}'), Some(Some('4')));
    }

    #[test]
    fn lookalikes_are_lowercase_letters() {
        for c in "авеёѐіїјкмнопрстуүхѕԁһԛԝӏьαβγεζηικμνορτυχωςϳάέήίόύώϊϋΐΰ".chars()
        {
            assert!(c.is_lowercase() || !c.is_uppercase(), "{c}");
            assert!(lookalike(c).is_some_and(|l| l.is_ascii_lowercase()), "{c}");
        }
    }
}
