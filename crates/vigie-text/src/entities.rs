//! Hashtags, mentions and URLs written in plain text, for inputs that do not list them.
//!
//! The rules follow what platforms link: a hashtag is `#` then letters, digits, marks or `_` (any script); a
//! mention is `@` then 1 to 32 ASCII letters, digits or `_`; a URL starts with `http://` or `https://` and
//! runs to the next space, without trailing punctuation. A `#` or `@` inside a word (`a#b`, `me@mail`) is not
//! an entity.

/// Hashtags in `text`, without `#`, in order of appearance.
pub fn extract_hashtags(text: &str) -> Vec<String> {
    extract_prefixed(
        text,
        '#',
        |c| c.is_alphanumeric() || c == '_' || is_mark(c),
        usize::MAX,
    )
    .into_iter()
    .filter(|t| t.chars().any(|c| !c.is_ascii_digit()))
    .collect()
}

/// Mentioned handles in `text`, without `@`.
pub fn extract_mentions(text: &str) -> Vec<String> {
    extract_prefixed(text, '@', |c| c.is_ascii_alphanumeric() || c == '_', 32)
}

/// URLs in `text`, as written, trailing punctuation removed.
pub fn extract_urls(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = find_scheme(rest) {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .unwrap_or(tail.len());
        let mut url = &tail[..end];
        while let Some(last) = url.chars().last() {
            let unbalanced_paren =
                last == ')' && url.matches('(').count() < url.matches(')').count();
            if matches!(
                last,
                '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '»' | '،' | '؛' | '…'
            ) || unbalanced_paren
            {
                url = &url[..url.len() - last.len_utf8()];
            } else {
                break;
            }
        }
        if url.len() > "https://".len() && url.contains("://") && !url.ends_with("://") {
            out.push(url.to_owned());
        }
        rest = &tail[end..];
    }
    out
}

fn find_scheme(s: &str) -> Option<usize> {
    let lower_match = |i: usize| {
        let t = &s.as_bytes()[i..];
        t.len() >= 7
            && (t[..7].eq_ignore_ascii_case(b"http://")
                || (t.len() >= 8 && t[..8].eq_ignore_ascii_case(b"https://")))
    };
    s.char_indices()
        .map(|(i, _)| i)
        .find(|&i| (s.as_bytes()[i] | 0x20) == b'h' && lower_match(i))
}

fn is_mark(c: char) -> bool {
    // Combining marks (Arabic diacritics, accents written as two code points) and the zero-width joiner.
    matches!(c as u32, 0x0300..=0x036F | 0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED | 0x200D)
}

fn extract_prefixed(
    text: &str,
    sigil: char,
    body: impl Fn(char) -> bool,
    max_len: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let at_word_start = prev.is_none_or(|p| !(p.is_alphanumeric() || p == '_' || p == sigil));
        if c == sigil && at_word_start {
            let start = i + c.len_utf8();
            let mut end = start;
            let mut count = 0;
            while let Some(&(j, d)) = chars.peek() {
                if body(d) && count < max_len {
                    end = j + d.len_utf8();
                    count += 1;
                    chars.next();
                } else {
                    break;
                }
            }
            if end > start {
                out.push(text[start..end].to_owned());
            }
            prev = text[..end].chars().last();
            continue;
        }
        prev = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashtags_in_any_script() {
        assert_eq!(
            extract_hashtags("#météo à Lyon, #foot_ball! a#b #123 #الطقس"),
            ["météo", "foot_ball", "الطقس"]
        );
    }

    #[test]
    fn mentions_not_emails() {
        assert_eq!(
            extract_mentions("hi @user_1, mail me@example.com @x"),
            ["user_1", "x"]
        );
    }

    #[test]
    fn urls_without_trailing_punctuation() {
        assert_eq!(
            extract_urls("see https://example.com/a?b=1. and (HTTP://example.org/x) end https://"),
            ["https://example.com/a?b=1", "HTTP://example.org/x"]
        );
        assert_eq!(
            extract_urls("https://en.example.org/wiki/A_(b)"),
            ["https://en.example.org/wiki/A_(b)"]
        );
    }
}
