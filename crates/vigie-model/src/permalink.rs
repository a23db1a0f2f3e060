//! Permalinks: the public address of a post or an account on its platform, from the platform's ids, so that a
//! referral and an evidence package name exactly what a platform is asked to act on.

/// A handle as X and Telegram allow them (letters, digits, underscores, at most 32): anything else is not put in
/// an address.
fn plain_handle(handle: &str) -> Option<&str> {
    let handle = handle.trim_start_matches('@');
    (!handle.is_empty()
        && handle.len() <= 32
        && handle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_'))
    .then_some(handle)
}

/// Digits only.
fn numeric(id: &str) -> Option<&str> {
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// An address given by an export, when it is an `http(s)` URL.
fn web_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// The public address of a post: `https://x.com/<handle>/status/<id>` on X (`/i/web/status/<id>` without a
/// handle), `https://t.me/<channel>/<message>` for a Telegram channel whose public name is known
/// (`https://t.me/c/<chat>/<message>`, which opens for the chat's members, otherwise), and for other platforms
/// the address the export gave (`url`), if any.
pub fn post_permalink(
    platform: &str,
    post_id: &str,
    handle: Option<&str>,
    url: Option<&str>,
) -> Option<String> {
    match platform {
        "x" | "twitter" => {
            let id = numeric(post_id)?;
            Some(match handle.and_then(plain_handle) {
                Some(h) => format!("https://x.com/{h}/status/{id}"),
                None => format!("https://x.com/i/web/status/{id}"),
            })
        }
        "telegram" => {
            let (chat, message) = post_id.split_once('/')?;
            let message = numeric(message)?;
            match handle.and_then(plain_handle) {
                Some(h) => Some(format!("https://t.me/{h}/{message}")),
                None => {
                    // Bot API ids of channels carry a -100 prefix; t.me/c/ links take the bare id.
                    let chat = chat.strip_prefix("-100").unwrap_or(chat);
                    Some(format!("https://t.me/c/{}/{message}", numeric(chat)?))
                }
            }
        }
        _ => url.and_then(web_url),
    }
}

/// The public address of an account: `https://x.com/<handle>` (`/i/user/<id>` without a handle) on X,
/// `https://t.me/<handle>` on Telegram when its public name is known, and for other platforms the address the
/// export gave, if any.
pub fn account_permalink(
    platform: &str,
    account_id: &str,
    handle: Option<&str>,
    url: Option<&str>,
) -> Option<String> {
    match platform {
        "x" | "twitter" => match handle.and_then(plain_handle) {
            Some(h) => Some(format!("https://x.com/{h}")),
            None => numeric(account_id).map(|id| format!("https://x.com/i/user/{id}")),
        },
        "telegram" => handle
            .and_then(plain_handle)
            .map(|h| format!("https://t.me/{h}")),
        _ => url.and_then(web_url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_of_each_platform_get_their_address() {
        assert_eq!(
            post_permalink("x", "1790000000000000001", Some("@some_one"), None).as_deref(),
            Some("https://x.com/some_one/status/1790000000000000001")
        );
        assert_eq!(
            post_permalink("x", "17", None, None).as_deref(),
            Some("https://x.com/i/web/status/17")
        );
        assert_eq!(
            post_permalink("telegram", "1234567/89", Some("newsroom"), None).as_deref(),
            Some("https://t.me/newsroom/89")
        );
        assert_eq!(
            post_permalink("telegram", "-1001234567/89", None, None).as_deref(),
            Some("https://t.me/c/1234567/89")
        );
        assert_eq!(
            post_permalink("generic", "a1", None, Some("https://forum.example/t/1")).as_deref(),
            Some("https://forum.example/t/1")
        );
    }

    #[test]
    fn nothing_that_is_not_an_id_or_a_handle_gets_into_an_address() {
        // A handle with a slash, a query or markup falls back to the id-only address.
        assert_eq!(
            post_permalink("x", "17", Some("a/../b"), None).as_deref(),
            Some("https://x.com/i/web/status/17")
        );
        assert_eq!(post_permalink("x", "17?x=1", None, None), None);
        assert_eq!(post_permalink("telegram", "12/3<script>", None, None), None);
        assert_eq!(post_permalink("telegram", "chat/3", None, None), None);
        assert_eq!(
            post_permalink("generic", "1", None, Some("javascript:alert(1)")),
            None
        );
        assert_eq!(post_permalink("generic", "1", None, None), None);
        assert_eq!(
            account_permalink("x", "42", Some("x<script>"), None).as_deref(),
            Some("https://x.com/i/user/42")
        );
        assert_eq!(account_permalink("telegram", "channel12", None, None), None);
        assert_eq!(
            account_permalink("telegram", "channel12", Some("newsroom"), None).as_deref(),
            Some("https://t.me/newsroom")
        );
    }
}
