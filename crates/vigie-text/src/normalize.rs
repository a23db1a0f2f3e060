//! Text normalization for matching, with a map back to what the user wrote.
//!
//! Term lists match normalized text, so that evasive spellings (zero-width characters, Arabic
//! diacritics and tatweel, Cyrillic look-alikes, leetspeak, odd case, spaced-out letters) meet the same
//! plain spelling. Every normalized byte remembers the span of the original text it came from, so a
//! match is shown to reviewers as the exact characters of the post.
//!
//! # Rules, in order
//!
//! The input is cut into *segments*: a character plus the combining characters that follow it
//! (canonical combining class other than 0; ignorable characters between a letter and its marks are
//! skipped). Each segment becomes zero or more output characters, all mapped to the segment's span.
//!
//! 1. **Invisible characters are removed**: zero-width spaces and joiners (U+200B..U+200F), bidi
//!    controls (U+202A..U+202E, U+2066..U+2069), U+2060..U+206F, U+FEFF, the soft hyphen U+00AD, the
//!    combining grapheme joiner U+034F, the Arabic letter mark U+061C, variation selectors, Hangul
//!    fillers, tag characters, and control characters other than whitespace.
//! 2. **Compatibility decomposition and case folding**: each character is decomposed (NFKD: fullwidth,
//!    mathematical, circled and superscript letters, ligatures and Arabic presentation forms become
//!    plain characters) and lowercased (Unicode lowercase mapping, then decomposed again).
//! 3. **Arabic**: harakat and other diacritics (U+064B..U+065F, U+0670, U+06D6..U+06ED) and tatweel
//!    U+0640 are removed; `أ إ آ ٱ` → `ا`, `ؤ` → `و`, `ئ ى ی` → `ي`, `ة ہ ھ` → `ه`, `ک ڪ` → `ك`;
//!    Arabic-Indic and Extended Arabic-Indic digits → ASCII digits; `، ؛ ؟` → `, ; ?`.
//! 4. **Typography and Latin**: curly apostrophes and quotes → `'` and `"`, hyphens and dashes → `-`;
//!    Latin letters without a decomposition fold (`ø ł đ ı ɡ`, small capitals; `æ œ ß þ` → `ae oe ss
//!    th`).
//! 5. **Marks**: in a segment whose base is a Latin letter, an Arabic character or not a letter at all,
//!    every combining mark is removed (`é` → `e`). In other scripts (Cyrillic `й`, Greek, Indic, …) the
//!    marks are kept and the segment is recomposed (NFC). A mark with no base is removed when it belongs
//!    to no script (U+0300..U+036F and the other generic combining blocks).
//! 6. **Whitespace**: runs of whitespace become one space; leading and trailing whitespace is removed.
//! 7. **Spaced-out words**: `a.m.a.q`, `a-m-a-q` and the like lose their separators: three or more
//!    single letters or digits, at least one of them a letter, separated by the same one of
//!    `. - _ * · •`, not preceded by a letter, digit or that separator, and not followed by a letter or
//!    digit (`a.m.a.q.` at the end of a sentence qualifies; `a.b.c.de`, `ab.c.d.e` and `1.2.3` do not).
//! 8. **Words with Latin letters** (a *word* here is a run of letters, digits, combining marks, `@` and
//!    `$`): when a word contains at least one Latin letter, its Cyrillic and Greek look-alikes become
//!    Latin letters (`а е о р с у х і ј ѕ ԁ` → `a e o p c y x i j s d`, `α ν ο ρ τ` → `a v o p t`, … see
//!    the table in `normalize/fold.rs`; marks on them are dropped), the digits `0 1 3 4 5 7` become `o i
//!    e a s t`, and `@` and `$` become `a` and `s` when the character before them is a letter or a digit
//!    (so a mention `@name` or a price `$5` keeps its sign). A word without a Latin letter (all
//!    Cyrillic, all Arabic, a number) is left as it is.
//!
//! `#` is kept, so hashtags stay recognizable. The result is idempotent: normalizing normalized text
//! changes nothing.
//!
//! # Cost
//!
//! One pass over the input, plus one pass over the output for each of rules 7 and 8 when a word needs
//! them. ASCII text skips all Unicode tables, and ASCII text that loses no character (no control
//! characters or whitespace runs) keeps no offset map at all, since offsets are unchanged; accented
//! Latin letters and Arabic letters take tables of their own. Buffers are reused by [`normalize_into`].
//! Memory: the text, plus 16 bytes of offsets per normalized byte when the offsets change.

mod fold;

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{
    canonical_combining_class, decompose_compatible, is_combining_mark,
};

use fold::Fold;

/// The span of the original text that produced a normalized byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Span {
    start: usize,
    end: usize,
}

/// Normalized text, with the original span of each of its bytes.
///
/// Build it with [`normalize`], or reuse one across posts with [`normalize_into`] (the fast way: no
/// allocation once the buffers have grown to the longest post).
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    text: String,
    /// One span per byte of `text`; every byte of a character has the same span. Empty when
    /// `identity` holds.
    spans: Vec<Span>,
    /// Each byte of `text` comes from the byte at the same offset of the input (ASCII text that needed
    /// no removal): `spans` is not filled.
    identity: bool,
    input_len: usize,
    scratch: Scratch,
}

/// Buffers reused from one call to the next.
#[derive(Debug, Clone, Default)]
struct Scratch {
    chars: Vec<char>,
    compose: String,
    text: String,
    spans: Vec<Span>,
}

impl Normalized {
    /// An empty normalized text, to be filled by [`normalize_into`].
    pub fn new() -> Normalized {
        Normalized::default()
    }

    /// The normalized text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The byte range of the original text that produced the byte range `normalized` of the normalized
    /// text.
    ///
    /// The result starts where the original character of the first normalized byte starts and ends
    /// where the original character (with its combining marks) of the last normalized byte ends, so it
    /// lies on character boundaries of the original text and covers everything the user wrote for the
    /// match, including invisible characters between its letters. Bounds past the end are clamped; an
    /// empty range maps to an empty range. The mapping is monotonic in both bounds. Cost: O(1).
    pub fn original_range(&self, normalized: Range<usize>) -> Range<usize> {
        if self.identity {
            let len = self.text.len();
            let start = normalized.start.min(len);
            return start..normalized.end.min(len).max(start);
        }
        let len = self.spans.len();
        let start = normalized.start.min(len);
        let end = normalized.end.min(len);
        if start >= end {
            let at = match self.spans.get(start) {
                Some(span) => span.start,
                None => self.spans.last().map_or(0, |span| span.end),
            };
            return at..at;
        }
        let first = self.spans[start];
        let last = self.spans[end - 1];
        first.start..last.end.max(first.start)
    }

    /// The length in bytes of the original text.
    pub fn original_len(&self) -> usize {
        self.input_len
    }
}

/// Normalizes `input` for matching (see the module documentation for the rules).
pub fn normalize(input: &str) -> Normalized {
    let mut out = Normalized::new();
    normalize_into(input, &mut out);
    out
}

/// Normalizes `input` into `out`, reusing its buffers.
///
/// Cost: about a microsecond for a 200-character ASCII post, a few for Arabic or mixed text.
pub fn normalize_into(input: &str, out: &mut Normalized) {
    if !(input.is_ascii() && normalize_ascii_identity(input, out)) {
        normalize_with_spans(input, out);
    }
}

/// The fast path for ASCII text that loses no character (no control characters, no leading
/// whitespace, no run of whitespace, no spaced-out word): rules 6 and 8 on bytes, without spans.
/// Returns `false`, leaving `out` to be refilled, when the text does not qualify.
fn normalize_ascii_identity(input: &str, out: &mut Normalized) -> bool {
    let mut bytes = std::mem::take(&mut out.text).into_bytes();
    bytes.clear();
    let mut previous_space = true;
    let mut word_run = 0u8;
    let mut latin = false;
    let mut leet = false;
    let mut qualifies = true;
    for &b in input.as_bytes() {
        let class = ASCII_CLASS[usize::from(b & 0x7F)];
        if class & WS != 0 {
            if previous_space {
                qualifies = false;
                break;
            }
            bytes.push(b' ');
            previous_space = true;
            word_run = 0;
            continue;
        }
        if class & CONTROL != 0 || (word_run == 1 && class & SEPARATOR != 0) {
            qualifies = false;
            break;
        }
        previous_space = false;
        latin |= class & ALPHA != 0;
        leet |= class & LEET != 0;
        word_run = if class & (ALPHA | DIGIT) != 0 {
            (word_run + 1).min(2)
        } else {
            0
        };
        bytes.push(b.to_ascii_lowercase());
    }
    if bytes.last() == Some(&b' ') {
        bytes.pop();
    }
    if qualifies && latin && leet {
        fold_words_ascii(&mut bytes);
    }
    // All bytes are ASCII, so the conversion cannot fail; the fallback only keeps the buffer.
    out.text = String::from_utf8(bytes).unwrap_or_else(|e| {
        let mut bytes = e.into_bytes();
        bytes.clear();
        String::from_utf8(bytes).unwrap_or_default()
    });
    if !qualifies {
        out.text.clear();
        return false;
    }
    out.spans.clear();
    out.identity = true;
    out.input_len = input.len();
    true
}

/// Rule 8 on ASCII bytes, in place (ASCII has no look-alikes and leetspeak keeps the length).
fn fold_words_ascii(bytes: &mut [u8]) {
    let is_token = |b: u8| b.is_ascii_alphanumeric() || b == b'@' || b == b'$';
    let mut i = 0;
    while i < bytes.len() {
        if !is_token(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && is_token(bytes[i]) {
            i += 1;
        }
        let word = &mut bytes[start..i];
        if !word.iter().any(u8::is_ascii_lowercase) {
            continue;
        }
        let mut after_word_char = false;
        for b in word.iter_mut() {
            *b = match *b {
                b'0' => b'o',
                b'1' => b'i',
                b'3' => b'e',
                b'4' => b'a',
                b'5' => b's',
                b'7' => b't',
                b'@' if after_word_char => b'a',
                b'$' if after_word_char => b's',
                other => other,
            };
            after_word_char = b.is_ascii_alphanumeric();
        }
    }
}

/// The general path: every rule, with a span for each normalized byte.
fn normalize_with_spans(input: &str, out: &mut Normalized) {
    out.text.clear();
    out.spans.clear();
    out.identity = false;
    out.input_len = input.len();
    let mut emitter = Emitter {
        text: &mut out.text,
        spans: &mut out.spans,
        word_run: 0,
        word_latin: false,
        word_foldable: false,
        flags: Flags::default(),
    };
    if input.is_ascii() {
        for (i, &b) in input.as_bytes().iter().enumerate() {
            emitter.push_ascii(
                b,
                Span {
                    start: i,
                    end: i + 1,
                },
            );
        }
    } else {
        segments(
            input,
            &mut emitter,
            &mut out.scratch.chars,
            &mut out.scratch.compose,
        );
    }
    emitter.end_word();
    let flags = emitter.flags;
    if out.text.ends_with(' ') {
        out.text.pop();
        out.spans.pop();
    }
    if flags.spaced {
        join_spaced(
            &out.text,
            &out.spans,
            &mut out.scratch.text,
            &mut out.scratch.spans,
        );
        std::mem::swap(&mut out.text, &mut out.scratch.text);
        std::mem::swap(&mut out.spans, &mut out.scratch.spans);
    }
    // Joining spaced-out letters can make a word that needs folding ("x.a.0" becomes "xa0"), so a join always
    // runs the fold after it: otherwise a second pass would fold it, and normalizing would not be idempotent.
    if flags.fold || flags.spaced {
        fold_words(
            &out.text,
            &out.spans,
            &mut out.scratch.text,
            &mut out.scratch.spans,
        );
        std::mem::swap(&mut out.text, &mut out.scratch.text);
        std::mem::swap(&mut out.spans, &mut out.scratch.spans);
    }
}

/// Whether `c` is part of a word for matching: a letter, a digit or a combining mark.
pub(crate) fn is_word_char(c: char) -> bool {
    match c as u32 {
        0..=0x7F => c.is_ascii_alphanumeric(),
        // Latin-1 letters (less `×` and `÷`), Latin Extended-A and B, Arabic letters and digits: the
        // common cases, without the Unicode tables.
        0xC0..=0x24F => c != '×' && c != '÷',
        0x0621..=0x064A | 0x0660..=0x0669 => true,
        _ => crate::chars::is_alphanumeric(c) || is_combining_mark(c),
    }
}

/// What the first pass saw, to skip the later passes when they cannot change anything.
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    /// A word with a Latin letter and a leetspeak digit, `@` or `$` after a letter, or a look-alike.
    fold: bool,
    /// A separator right after a one-character word.
    spaced: bool,
}

/// Appends normalized characters with their spans, collapsing whitespace.
struct Emitter<'a> {
    text: &'a mut String,
    spans: &'a mut Vec<Span>,
    /// Word characters just pushed, up to 2.
    word_run: u8,
    /// The current word (rule 8) holds a Latin letter.
    word_latin: bool,
    /// The current word holds something rule 8 may change.
    word_foldable: bool,
    flags: Flags,
}

/// Classes of ASCII bytes, for the byte loops.
const WS: u8 = 1;
const CONTROL: u8 = 2;
const ALPHA: u8 = 4;
const DIGIT: u8 = 8;
const LEET: u8 = 16;
const SEPARATOR: u8 = 32;

const ASCII_CLASS: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = match c {
            b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ' => WS,
            0..=0x1F | 0x7F => CONTROL,
            b'a'..=b'z' | b'A'..=b'Z' => ALPHA,
            b'0' | b'1' | b'3' | b'4' | b'5' | b'7' => DIGIT | LEET,
            b'2' | b'6' | b'8' | b'9' => DIGIT,
            b'@' | b'$' => LEET,
            b'.' | b'-' | b'_' | b'*' => SEPARATOR,
            _ => 0,
        };
        b += 1;
    }
    table
};

impl Emitter<'_> {
    /// Pushes an ASCII byte: whitespace collapses, control characters vanish, letters are lowercased.
    #[inline(always)]
    fn push_ascii(&mut self, b: u8, span: Span) {
        let class = ASCII_CLASS[usize::from(b & 0x7F)];
        if class & (WS | CONTROL) != 0 {
            if class & WS != 0 {
                self.end_word();
                self.push_space(span);
            }
            return;
        }
        if class & (ALPHA | DIGIT) != 0 {
            self.word_latin |= class & ALPHA != 0;
            self.word_foldable |= class & LEET != 0;
            self.word_run = (self.word_run + 1).min(2);
        } else if class & LEET != 0 {
            // `@` and `$`: leetspeak after a letter or digit, a sign before a word.
            self.word_foldable |= self.word_run > 0;
            self.word_run = 0;
        } else {
            self.flags.spaced |= self.word_run == 1 && class & SEPARATOR != 0;
            self.end_word();
        }
        self.text.push(char::from(b.to_ascii_lowercase()));
        self.spans.push(span);
    }

    /// Closes the current word of rule 8.
    #[inline(always)]
    fn end_word(&mut self) {
        self.flags.fold |= self.word_latin && self.word_foldable;
        self.word_latin = false;
        self.word_foldable = false;
        self.word_run = 0;
    }

    fn push_space(&mut self, span: Span) {
        match self.text.as_bytes().last() {
            None => {}
            Some(b' ') => {
                if let Some(last) = self.spans.last_mut() {
                    last.end = span.end;
                }
            }
            Some(_) => {
                self.text.push(' ');
                self.spans.push(span);
            }
        }
    }

    /// Pushes a normalized character.
    #[inline(always)]
    fn push_char(&mut self, c: char, span: Span) {
        if c.is_ascii() {
            self.push_ascii(c as u8, span);
        } else if matches!(c as u32, 0x0621..=0x064A) {
            // Arabic letters: neither spaces, nor Latin, nor look-alikes, nor separators.
            self.word_run = (self.word_run + 1).min(2);
            self.text.push(c);
            self.spans.push(span);
            self.spans.push(span);
        } else {
            self.push_other(c, span);
        }
    }

    #[inline(never)]
    fn push_other(&mut self, c: char, span: Span) {
        if c.is_whitespace() {
            self.end_word();
            self.push_space(span);
            return;
        }
        if is_word_char(c) {
            if fold::lookalike(c).is_some() {
                self.word_foldable = true;
            } else if fold::is_latin_letter(c) {
                self.word_latin = true;
            }
            self.word_run = (self.word_run + 1).min(2);
        } else {
            self.flags.spaced |= self.word_run == 1 && fold::is_separator(c);
            self.end_word();
        }
        self.text.push(c);
        self.spans.extend(std::iter::repeat_n(span, c.len_utf8()));
    }

    fn push_folded(&mut self, c: char, span: Span) {
        self.push_fold(fold::fold_char(c), span);
    }

    fn push_fold(&mut self, folded: Fold, span: Span) {
        match folded {
            Fold::Drop => {}
            Fold::One(x) => self.push_char(x, span),
            Fold::Two(x, y) => {
                self.push_char(x, span);
                self.push_char(y, span);
            }
        }
    }
}

/// Whether `c` joins the segment of the character before it.
#[inline]
fn attaches(c: char) -> bool {
    match c as u32 {
        // Below the combining diacritics, and the Arabic letters and digits: all starters.
        0..=0x02FF | 0x0621..=0x064A | 0x0660..=0x066F | 0x0671..=0x06D5 => false,
        _ => {
            canonical_combining_class(c) != 0
                // These have combining class 0 but decompose to combining characters.
                || matches!(c, '\u{0F73}' | '\u{0F75}' | '\u{0F81}' | '\u{FF9E}' | '\u{FF9F}')
        }
    }
}

/// The first character of `s` at byte `i`, if any.
#[inline(always)]
fn char_at(s: &str, i: usize) -> Option<char> {
    s.get(i..).and_then(|rest| rest.chars().next())
}

/// Whether `c` certainly neither joins the segment before it nor vanishes: decided without the
/// Unicode tables for ASCII, Latin-1 (but the soft hyphen), Latin Extended and Arabic letters.
#[inline(always)]
fn is_plain_starter(c: char) -> bool {
    matches!(c as u32, 0..=0xAC | 0xAE..=0x02FF | 0x0621..=0x064A)
}

/// [`is_plain_starter`] for the character at byte `i` of `bytes` (true at the end), read from its
/// UTF-8 bytes: ASCII and the two-byte forms below U+0300 (but the soft hyphen), and the Arabic
/// letters U+0621..U+064A.
#[inline(always)]
fn plain_starter_at(bytes: &[u8], i: usize) -> bool {
    let next = bytes.get(i + 1).copied().unwrap_or(0);
    match bytes.get(i).copied() {
        None => true,
        Some(0xC2) => next != 0xAD,
        Some(b) if b < 0xCC => true,
        Some(0xD8) => next >= 0xA1,
        Some(0xD9) => next <= 0x8A,
        Some(_) => false,
    }
}

/// The first pass over non-ASCII input: rules 1 to 6.
fn segments(input: &str, emitter: &mut Emitter<'_>, chars: &mut Vec<char>, compose: &mut String) {
    let bytes = input.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // A run of ASCII bytes, but the last one when a non-ASCII character follows: it may carry
        // combining marks.
        let run = bytes[i..].iter().take_while(|b| b.is_ascii()).count();
        let run_end = if i + run < bytes.len() {
            i + run.saturating_sub(1)
        } else {
            i + run
        };
        for (k, &b) in bytes[i..run_end].iter().enumerate() {
            emitter.push_ascii(
                b,
                Span {
                    start: i + k,
                    end: i + k + 1,
                },
            );
        }
        i = run_end;
        let Some(c) = char_at(input, i) else { break };
        let start = i;
        i += c.len_utf8();
        if !is_plain_starter(c) && fold::is_ignorable(c) {
            continue;
        }
        // The characters that join this one's segment.
        while !plain_starter_at(bytes, i) {
            let Some(d) = char_at(input, i) else { break };
            if attaches(d) {
                i += d.len_utf8();
                continue;
            }
            if !fold::is_ignorable(d) {
                break;
            }
            // Invisible characters between a letter and its marks belong to the letter.
            let mut ahead = i + d.len_utf8();
            while let Some(e) = char_at(input, ahead).filter(|&e| fold::is_ignorable(e)) {
                ahead += e.len_utf8();
            }
            match char_at(input, ahead) {
                Some(e) if attaches(e) => i = ahead + e.len_utf8(),
                _ => break,
            }
        }
        let span = Span { start, end: i };
        if c.is_ascii() {
            // An ASCII base loses its combining marks.
            emitter.push_ascii(c as u8, span);
        } else if let Some(folded) = fold::arabic_fast(c) {
            // An Arabic base loses its combining marks.
            if let Some(x) = folded {
                emitter.push_char(x, span);
            }
        } else if let Some(folded) = fold::latin_fast(c) {
            // So does a Latin one.
            emitter.push_fold(folded, span);
        } else {
            push_segment(&input[start..i], span, emitter, chars, compose);
        }
    }
}

/// Rules 1 to 5 for one segment through the Unicode tables.
fn push_segment(
    segment: &str,
    span: Span,
    emitter: &mut Emitter<'_>,
    chars: &mut Vec<char>,
    compose: &mut String,
) {
    chars.clear();
    for c in segment.chars().filter(|&c| !fold::is_ignorable(c)) {
        decompose_compatible(c, |d| {
            for lower in d.to_lowercase() {
                if lower == d {
                    chars.push(d);
                } else {
                    decompose_compatible(lower, |e| chars.push(e));
                }
            }
        });
    }
    let Some(&base) = chars.first() else { return };
    let strip_marks = if is_combining_mark(base) {
        // No base. Right after a character whose marks go (a Latin letter, an Arabic one, a space, a symbol), marks
        // that a compatibility character decomposed to (U+FF9E) would attach to it in a second pass: they go,
        // as that base's own marks would. After any character, a segment opened by a mark of no script goes
        // whole: that mark goes (an enclosing circle, U+20DD), and the marks after it, no longer separated from
        // the character or the marks before, would be attached, reordered or composed by a second pass.
        // Otherwise each mark that belongs to no script goes and a script's mark stays, whatever their order
        // (composing reorders marks by combining class, and a second pass must find the same ones).
        if emitter.text.chars().next_back().is_some_and(|p| {
            p.is_ascii()
                || fold::is_latin_letter(p)
                || fold::is_arabic(p)
                || !p.is_alphanumeric()
                || fold::is_generic_mark(base)
        }) {
            return;
        }
        chars.retain(|&c| !(is_combining_mark(c) && fold::is_generic_mark(c)));
        false
    } else {
        base.is_ascii()
            || fold::is_latin_letter(base)
            || fold::is_arabic(base)
            || !base.is_alphanumeric()
    };
    if strip_marks {
        for &c in chars.iter().filter(|&&c| !is_combining_mark(c)) {
            emitter.push_folded(c, span);
        }
        return;
    }
    compose.clear();
    for &c in chars.iter() {
        match fold::fold_char(c) {
            Fold::Drop => {}
            Fold::One(x) => compose.push(x),
            Fold::Two(x, y) => {
                compose.push(x);
                compose.push(y);
            }
        }
    }
    if compose.chars().nth(1).is_some() {
        for c in compose.nfc() {
            emitter.push_char(c, span);
        }
    } else {
        for c in compose.chars() {
            emitter.push_char(c, span);
        }
    }
}

/// Appends `c` with the span of the original byte `at` of `spans`.
fn copy_char(c: char, span: Span, dst: &mut String, dst_spans: &mut Vec<Span>) {
    dst.push(c);
    dst_spans.extend(std::iter::repeat_n(span, c.len_utf8()));
}

/// Rule 7: removes the separators of spaced-out words.
fn join_spaced(src: &str, spans: &[Span], dst: &mut String, dst_spans: &mut Vec<Span>) {
    dst.clear();
    dst_spans.clear();
    let mut prev: Option<char> = None;
    let mut i = 0;
    while let Some(c) = char_at(src, i) {
        if crate::chars::is_alphanumeric(c)
            && prev.is_none_or(|p| !is_word_char(p))
            && let Some((end, sep)) = spaced_run(src, i, prev)
        {
            for (k, d) in src[i..end].char_indices() {
                if d != sep {
                    copy_char(d, spans[i + k], dst, dst_spans);
                    prev = Some(d);
                }
            }
            i = end;
            continue;
        }
        copy_char(c, spans[i], dst, dst_spans);
        prev = Some(c);
        i += c.len_utf8();
    }
}

/// The end and separator of the spaced-out word starting at byte `start` of `s`, if one does.
fn spaced_run(s: &str, start: usize, prev: Option<char>) -> Option<(usize, char)> {
    let first = char_at(s, start)?;
    let sep = char_at(s, start + first.len_utf8())?;
    if !fold::is_separator(sep) || prev == Some(sep) {
        return None;
    }
    let mut pieces = 0usize;
    let mut alphabetic = false;
    let mut run_end = start;
    let mut at = start;
    // A separator after the last piece ends the run (`a.m.a.q.` at the end of a sentence).
    while let Some(piece) = char_at(s, at).filter(|c| c.is_alphanumeric()) {
        let after = at + piece.len_utf8();
        pieces += 1;
        alphabetic |= piece.is_alphabetic();
        run_end = after;
        match char_at(s, after) {
            // A longer word after a separator (`a.b.c.de`): not a spaced-out word.
            Some(next) if is_word_char(next) => return None,
            Some(next) if next == sep => at = after + sep.len_utf8(),
            _ => break,
        }
    }
    (pieces >= 3 && alphabetic).then_some((run_end, sep))
}

/// Whether `c` belongs to a word for rule 8.
fn is_token_char(c: char) -> bool {
    is_word_char(c) || c == '@' || c == '$'
}

/// Rule 8: look-alikes and leetspeak in words that contain a Latin letter.
fn fold_words(src: &str, spans: &[Span], dst: &mut String, dst_spans: &mut Vec<Span>) {
    dst.clear();
    dst_spans.clear();
    let mut i = 0;
    while let Some(c) = char_at(src, i) {
        if !is_token_char(c) {
            copy_char(c, spans[i], dst, dst_spans);
            i += c.len_utf8();
            continue;
        }
        let rest = &src[i..];
        let len = rest.find(|d: char| !is_token_char(d)).unwrap_or(rest.len());
        let word = &rest[..len];
        if word.chars().any(fold::is_latin_letter) {
            fold_word(word, &spans[i..i + len], dst, dst_spans);
        } else {
            dst.push_str(word);
            dst_spans.extend_from_slice(&spans[i..i + len]);
        }
        i += len;
    }
}

/// Rule 8 for one word that contains a Latin letter.
fn fold_word(word: &str, spans: &[Span], dst: &mut String, dst_spans: &mut Vec<Span>) {
    let mut after_word_char = false;
    let mut after_lookalike = false;
    for (k, c) in word.char_indices() {
        let span = spans[k];
        if after_lookalike && is_combining_mark(c) {
            continue;
        }
        after_lookalike = false;
        let folded = if let Some(latin) = fold::lookalike(c) {
            after_lookalike = true;
            latin
        } else if let Some(letter) = fold::leet_digit(c) {
            letter
        } else if c == '@' && after_word_char {
            'a'
        } else if c == '$' && after_word_char {
            's'
        } else {
            c
        };
        after_word_char = is_word_char(folded);
        copy_char(folded, span, dst, dst_spans);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalize(s).as_str().to_owned()
    }

    #[test]
    fn ascii_case_and_whitespace() {
        assert_eq!(n("  Hello \t\n  WORLD  "), "hello world");
        assert_eq!(n(""), "");
        assert_eq!(n("   "), "");
    }

    #[test]
    fn invisible_characters() {
        assert_eq!(n("a\u{200B}m\u{200D}a\u{FEFF}q\u{00AD}"), "amaq");
        assert_eq!(n("\u{202E}amaq\u{202C}"), "amaq");
    }

    #[test]
    fn accents_and_compatibility() {
        assert_eq!(n("Élève Œuvre ＡＭＡＱ ﬁn"), "eleve oeuvre amaq fin");
        assert_eq!(n("e\u{0301}te\u{200B}\u{0301}"), "ete");
        assert_eq!(n("İstanbul"), "istanbul");
    }

    #[test]
    fn arabic_folding() {
        assert_eq!(n("أَعْمَاق"), "اعماق");
        assert_eq!(n("أعمـــاق"), "اعماق");
        assert_eq!(n("إآٱ ى ة ؤ ئ ک ی"), "ااا ي ه و ي ك ي");
        assert_eq!(n("٢٠٢٤ ۱۲"), "2024 12");
    }

    #[test]
    fn lookalikes_only_next_to_latin() {
        // Cyrillic а and о in a Latin word.
        assert_eq!(n("аmаq"), "amaq");
        assert_eq!(n("Рrоpаgаndа"), "propaganda");
        // An all-Cyrillic word stays Cyrillic.
        assert_eq!(n("Москва"), "москва");
    }

    #[test]
    fn leetspeak() {
        assert_eq!(n("4m4q"), "amaq");
        assert_eq!(n("d4b1q"), "dabiq");
        assert_eq!(n("2024 and 1337"), "2024 and 1337");
        assert_eq!(n("@user c@t $5 ca$h"), "@user cat $5 cash");
    }

    #[test]
    fn spaced_words() {
        assert_eq!(n("a.m.a.q"), "amaq");
        assert_eq!(n("A-M-A-Q."), "amaq.");
        assert_eq!(n("e.g. u.s"), "e.g. u.s");
        assert_eq!(n("1.2.3"), "1.2.3");
        assert_eq!(n("a.b.c.de"), "a.b.c.de");
        assert_eq!(n("ab.c.d.e"), "ab.c.d.e");
        assert_eq!(n("voir a.m.a.q. ici"), "voir amaq. ici");
        assert_eq!(n("a_m_a_q-x-y"), "amaq-x-y");
    }

    #[test]
    fn hashtags_keep_their_sign() {
        assert_eq!(n("#Amaq #أعماق"), "#amaq #اعماق");
    }

    #[test]
    fn original_ranges() {
        let text = "Voir A\u{200B}m\u{0430}q ici";
        let norm = normalize(text);
        assert_eq!(norm.as_str(), "voir amaq ici");
        let at = norm.as_str().find("amaq").unwrap_or(0);
        let range = norm.original_range(at..at + 4);
        assert_eq!(&text[range], "A\u{200B}m\u{0430}q");
        assert_eq!(norm.original_range(100..200), text.len()..text.len());
        assert_eq!(norm.original_range(3..3), 3..3);
    }

    /// What the general path makes of `c` alone.
    fn general(c: char) -> String {
        let (mut text, mut spans) = (String::new(), Vec::new());
        let mut emitter = Emitter {
            text: &mut text,
            spans: &mut spans,
            word_run: 0,
            word_latin: false,
            word_foldable: false,
            flags: Flags::default(),
        };
        let mut buf = [0; 4];
        let segment = c.encode_utf8(&mut buf);
        push_segment(
            segment,
            Span::default(),
            &mut emitter,
            &mut Vec::new(),
            &mut String::new(),
        );
        text
    }

    #[test]
    fn plain_starters_read_from_bytes() {
        for c in ('\u{0000}'..='\u{0700}').chain(['\u{FEFF}', '\u{1F600}']) {
            let text = format!("{c}x");
            assert_eq!(
                plain_starter_at(text.as_bytes(), 0),
                is_plain_starter(c),
                "{c:?}"
            );
        }
        assert!(plain_starter_at(b"", 0));
    }

    #[test]
    fn fast_paths_agree_with_the_general_path() {
        let mut checked = 0;
        for c in ('\u{00C0}'..='\u{017F}').chain('\u{0600}'..='\u{06FF}') {
            let fast = match (fold::latin_fast(c), fold::arabic_fast(c)) {
                (Some(Fold::One(x)), _) | (None, Some(Some(x))) => x.to_string(),
                (Some(Fold::Two(x, y)), _) => format!("{x}{y}"),
                (Some(Fold::Drop), _) | (None, Some(None)) => String::new(),
                (None, None) => continue,
            };
            assert_eq!(fast, general(c), "{c:?} U+{:04X}", c as u32);
            checked += 1;
        }
        assert!(checked > 250, "{checked}");
        for c in ['\u{0000}', 'a', '\u{02FF}', 'ب', '٣', 'ٺ', '۔', 'ە'] {
            assert!(!attaches(c) && canonical_combining_class(c) == 0, "{c:?}");
        }
        for c in '\u{0000}'..='\u{0700}' {
            assert_eq!(
                is_word_char(c),
                c.is_alphanumeric() || is_combining_mark(c),
                "{c:?}"
            );
        }
    }

    fn check_ascii_fast_path(input: &str) -> Result<(), proptest::test_runner::TestCaseError> {
        let fast = normalize(input);
        let mut general = Normalized::new();
        normalize_with_spans(input, &mut general);
        proptest::prop_assert_eq!(fast.as_str(), general.as_str());
        let len = fast.as_str().len();
        for start in 0..=len + 1 {
            for end in start.saturating_sub(1)..=len + 1 {
                proptest::prop_assert_eq!(
                    fast.original_range(start..end),
                    general.original_range(start..end)
                );
            }
        }
        Ok(())
    }

    /// Characters that rules 7 and 8 act on, and some they must leave alone.
    const WORDY: &[char] = &[
        'a', 'm', 'Q', '0', '1', '2', '3', '4', '5', '7', '@', '$', '#', '.', '-', '_', '*', '·',
        ' ', '\'', 'é', 'а', 'о', 'Р', 'ж', 'α', 'ν', 'Η', 'μ', '\u{0301}', '\u{200B}', 'ع', '٣',
        'ـ', 'क', 'ि',
    ];

    proptest::proptest! {
        /// The flags that skip rules 7 and 8 never skip a change.
        #[test]
        fn skipped_passes_would_change_nothing(
            chars in proptest::collection::vec(proptest::sample::select(WORDY), 0..30),
        ) {
            let input: String = chars.into_iter().collect();
            let norm = normalize(&input);
            let spans: Vec<Span> = (0..norm.as_str().len())
                .map(|i| {
                    let r = norm.original_range(i..i + 1);
                    Span { start: r.start, end: r.end }
                })
                .collect();
            let (mut text, mut out_spans) = (String::new(), Vec::new());
            fold_words(norm.as_str(), &spans, &mut text, &mut out_spans);
            proptest::prop_assert_eq!(&text, norm.as_str(), "input {:?}", input);
            join_spaced(norm.as_str(), &spans, &mut text, &mut out_spans);
            proptest::prop_assert_eq!(&text, norm.as_str(), "input {:?}", input);
        }

        #[test]
        fn ascii_fast_path_agrees_with_the_general_path(
            tricky in "[a-eA-E0-9@$.\\-_* \t\n\x01\x7f]{0,30}",
            printable in "[ -~]{0,40}",
        ) {
            check_ascii_fast_path(&tricky)?;
            check_ascii_fast_path(&printable)?;
        }
    }

    #[test]
    fn reuse_buffers() {
        let mut out = Normalized::new();
        normalize_into("Première", &mut out);
        assert_eq!(out.as_str(), "premiere");
        normalize_into("second", &mut out);
        assert_eq!(out.as_str(), "second");
        assert_eq!(out.original_len(), 6);
    }
}
