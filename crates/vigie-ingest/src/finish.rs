//! The last step every adapter applies to a post: language, and entities the input did not list.

use vigie_model::Post;

/// Platform language tags that mean "not a language" (X's undetermined, media-only, hashtag-only...).
const NOT_A_LANGUAGE: &[&str] = &["", "und", "zxx", "qme", "qht", "qam", "qst", "qct", "art"];

/// Fills in the language (detected when the platform gave none) and, when `extract_entities` is set,
/// the hashtags, mentions and URLs written in the text.
pub(crate) fn finish_post(post: &mut Post, extract_entities: bool) {
    let needs_lang = post
        .lang
        .as_deref()
        .is_none_or(|l| NOT_A_LANGUAGE.contains(&l));
    if let Some(text) = post.text.as_deref() {
        if needs_lang {
            post.lang = Some(vigie_text::detect_language(text).code().to_owned());
        }
        if extract_entities {
            if post.hashtags.is_empty() && text.contains('#') {
                post.hashtags = vigie_text::extract_hashtags(text);
            }
            if post.mentions.is_empty() && text.contains('@') {
                post.mentions = vigie_text::extract_mentions(text);
            }
            if post.urls.is_empty() && text.contains("://") {
                post.urls = vigie_text::extract_urls(text);
            }
        }
    } else if needs_lang {
        post.lang = None;
    }
}
