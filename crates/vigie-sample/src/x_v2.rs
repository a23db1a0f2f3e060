//! X (Twitter) API v2 responses: tweets, users, media and referenced tweets, built so that any response
//! can be produced on its own from the seed. That is what lets [`write_x_v2_jsonl`] stream a million posts
//! in constant memory, and lets the corpus generator add the malformed lines it documents.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;

use serde::Serialize;

use crate::accounts::{self, POOL_X};
use crate::dates::{self, CORPUS_END, CORPUS_START};
use crate::error::SampleError;
use crate::output::Output;
use crate::rng::{Rng, fnv1a, mix};
use crate::summary::{LangCounts, MalformedKind, MalformedRecord, XSummary};
use crate::text::{self, Body, Lang, Seg, Style};

/// The search responses file, relative to the corpus root.
pub(crate) const RESPONSES_FILE: &str = "x/search_responses.jsonl";
/// The single lookup response file, relative to the corpus root.
pub(crate) const SINGLE_FILE: &str = "x/single_response.json";

/// Tweets per response, the maximum `max_results` of the search endpoints.
pub(crate) const PAGE: usize = 100;

/// The epoch of tweet ids (snowflakes), in Unix milliseconds.
const SNOWFLAKE_EPOCH_MS: u64 = 1_288_834_974_657;
/// The low bits of a snowflake that we fill with the tweet index, which keeps ids unique.
const SEQUENCE_MASK: u64 = (1 << 22) - 1;

const S_TIME: u64 = 0x1001;
const S_MILLIS: u64 = 0x1002;
const S_AUTHOR: u64 = 0x1003;
const S_KIND: u64 = 0x1004;
const S_BODY: u64 = 0x1005;
const S_MEDIA: u64 = 0x1007;
const S_METRICS: u64 = 0x1008;
const S_EXT_TIME: u64 = 0x1009;
const S_EXT_AUTHOR: u64 = 0x100A;
const S_USER_ID: u64 = 0x100B;
const S_CHANGE: u64 = 0x100C;
const S_TOKEN: u64 = 0x100D;
const S_BROKEN: u64 = 0x100E;

/// A response of the search, timeline or lookup endpoints.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Response {
    pub data: Vec<DataTweet>,
    pub includes: Includes,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

/// An item of `data`: a well-formed tweet, or one of the deliberately broken ones.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
#[expect(
    clippy::large_enum_variant,
    reason = "broken tweets are two in a corpus; boxing every valid tweet would cost more"
)]
pub(crate) enum DataTweet {
    Valid(Tweet),
    Broken(BrokenTweet),
}

/// A tweet object.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Tweet {
    pub id: String,
    pub text: String,
    pub author_id: String,
    pub created_at: String,
    pub lang: &'static str,
    pub conversation_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_reply_to_user_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub referenced_tweets: Vec<TweetRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entities: Option<Entities>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Attachments>,
    pub public_metrics: TweetMetrics,
    pub edit_history_tweet_ids: Vec<String>,
}

/// A tweet with a wrong-typed or missing `id`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BrokenTweet {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Vec<String>>,
    pub text: String,
    pub author_id: String,
    pub created_at: String,
    pub lang: &'static str,
}

/// An item of `referenced_tweets`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TweetRef {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
}

/// `entities`: offsets count Unicode scalar values (Rust `char`s), end-exclusive.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Entities {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashtags: Vec<TagEntity>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<MentionEntity>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<UrlEntity>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TagEntity {
    pub start: usize,
    pub end: usize,
    pub tag: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct MentionEntity {
    pub start: usize,
    pub end: usize,
    pub username: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct UrlEntity {
    pub start: usize,
    pub end: usize,
    pub url: String,
    pub expanded_url: String,
    pub display_url: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Attachments {
    pub media_keys: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TweetMetrics {
    pub retweet_count: u64,
    pub reply_count: u64,
    pub like_count: u64,
    pub quote_count: u64,
    pub bookmark_count: u64,
    pub impression_count: u64,
}

/// `includes`: the objects the tweets of `data` point to.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Includes {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<User>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<Media>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tweets: Vec<Tweet>,
}

/// A user object.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct User {
    pub id: String,
    pub username: String,
    pub name: String,
    pub description: String,
    pub profile_image_url: String,
    pub created_at: String,
    pub protected: bool,
    pub verified: bool,
    pub public_metrics: UserMetrics,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct UserMetrics {
    pub followers_count: u64,
    pub following_count: u64,
    pub tweet_count: u64,
    pub listed_count: u64,
}

/// A media object: photos carry `url`, videos only `preview_image_url`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Media {
    pub media_key: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview_image_url: Option<String>,
    pub width: u32,
    pub height: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// `meta` of a search page.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Meta {
    pub newest_id: String,
    pub oldest_id: String,
    pub result_count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// What a tweet points to: a tweet of `data` (by index) or one seen only under `includes.tweets`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Target {
    Data(usize),
    External(usize),
}

/// How a tweet relates to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Original,
    Reply(Target),
    Quote(Target),
    Retweet(Target),
}

/// The shape of one X corpus: `posts` tweets in `data` by `accounts` users, plus `externals` tweets that
/// appear only under `includes.tweets` (quoted, replied to or retweeted from outside the result set).
#[derive(Debug, Clone, Copy)]
pub(crate) struct XPlan {
    pub seed: u64,
    pub posts: usize,
    pub accounts: usize,
    pub externals: usize,
}

const PHOTO_SIZES: &[(u32, u32)] = &[
    (1200, 900),
    (1080, 1080),
    (900, 1200),
    (1280, 720),
    (640, 480),
];

fn base36(mut v: u64, len: usize) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut s = String::with_capacity(len);
    for _ in 0..len {
        s.push(char::from(DIGITS[(v % 36) as usize]));
        v /= 36;
    }
    s
}

fn snowflake(millis: u64, sequence: u64) -> u64 {
    (millis.saturating_sub(SNOWFLAKE_EPOCH_MS) << 22) | (sequence & SEQUENCE_MASK)
}

impl XPlan {
    /// How many responses (pages) the `data` tweets fill.
    pub(crate) fn responses(&self) -> usize {
        self.posts.div_ceil(PAGE)
    }

    /// The indices of the `data` tweets of response `r`, oldest first.
    pub(crate) fn page(&self, r: usize) -> std::ops::Range<usize> {
        let lo = (r * PAGE).min(self.posts);
        lo..(lo + PAGE).min(self.posts)
    }

    fn secs(&self, i: usize) -> i64 {
        dates::spread(
            i,
            self.posts,
            CORPUS_START,
            CORPUS_END,
            &mut Rng::derive(self.seed, S_TIME, i as u64),
        )
    }

    /// The id of data tweet `i`. Its milliseconds are below 500, those of external tweets 500 and up, so
    /// the two sets never share an id.
    pub(crate) fn tweet_id(&self, i: usize) -> u64 {
        let ms = self.secs(i) as u64 * 1000 + Rng::derive(self.seed, S_MILLIS, i as u64).below(500);
        snowflake(ms, i as u64)
    }

    /// The data tweet that references external tweet `k`.
    fn external_referrer(&self, k: usize) -> usize {
        (k as u128 * self.posts as u128 / self.externals.max(1) as u128) as usize
    }

    /// The external tweet that data tweet `i` references, if any.
    fn external_ref(&self, i: usize) -> Option<usize> {
        if self.externals == 0 || self.posts == 0 {
            return None;
        }
        let (e, d) = (self.externals as u128, self.posts as u128);
        let k = ((i as u128 * e).div_ceil(d)) as usize;
        (k < self.externals && self.external_referrer(k) == i).then_some(k)
    }

    fn ext_secs(&self, k: usize) -> i64 {
        let back = Rng::derive(self.seed, S_EXT_TIME, k as u64).range(3600, 72_000) as i64;
        (self.secs(self.external_referrer(k)) - back).max(CORPUS_START)
    }

    fn ext_id(&self, k: usize) -> u64 {
        let mut rng = Rng::derive(self.seed, S_EXT_TIME ^ 1, k as u64);
        snowflake(
            self.ext_secs(k) as u64 * 1000 + 500 + rng.below(500),
            k as u64,
        )
    }

    fn ext_author(&self, k: usize) -> usize {
        Rng::derive(self.seed, S_EXT_AUTHOR, k as u64).index(self.accounts)
    }

    /// The author of data tweet `i`: every third tweet walks through all accounts so that each posts,
    /// the others favour low account indices, so a few accounts post a lot.
    pub(crate) fn author(&self, i: usize) -> usize {
        if i.is_multiple_of(3) {
            return (i / 3) % self.accounts.max(1);
        }
        let mut rng = Rng::derive(self.seed, S_AUTHOR, i as u64);
        rng.index(self.accounts).min(rng.index(self.accounts))
    }

    fn target_author(&self, t: Target) -> usize {
        match t {
            Target::Data(j) => self.author(j),
            Target::External(k) => self.ext_author(k),
        }
    }

    fn target_id(&self, t: Target) -> u64 {
        match t {
            Target::Data(j) => self.tweet_id(j),
            Target::External(k) => self.ext_id(k),
        }
    }

    /// How data tweet `i` relates to others, as drawn (a retweet may point at a retweet).
    fn raw_kind(&self, i: usize) -> Kind {
        let mut rng = Rng::derive(self.seed, S_KIND, i as u64);
        if let Some(k) = self.external_ref(i) {
            let t = Target::External(k);
            return match rng.below(3) {
                0 => Kind::Reply(t),
                1 => Kind::Quote(t),
                _ => Kind::Retweet(t),
            };
        }
        if i == 0 {
            return Kind::Original;
        }
        let roll = rng.below(1000);
        let t = Target::Data(i - 1 - rng.index(i.min(400)));
        match roll {
            0..700 => Kind::Original,
            700..820 => Kind::Reply(t),
            820..900 => Kind::Quote(t),
            _ => Kind::Retweet(t),
        }
    }

    /// How data tweet `i` relates to others; a retweet of a retweet points at the original, as on X.
    pub(crate) fn kind(&self, i: usize) -> Kind {
        match self.raw_kind(i) {
            Kind::Retweet(mut t) => {
                while let Target::Data(j) = t {
                    match self.raw_kind(j) {
                        Kind::Retweet(next) => t = next,
                        _ => break,
                    }
                }
                Kind::Retweet(t)
            }
            other => other,
        }
    }

    fn conversation_id(&self, i: usize) -> u64 {
        let mut cur = i;
        loop {
            match self.raw_kind(cur) {
                Kind::Reply(Target::Data(j)) => cur = j,
                Kind::Reply(Target::External(k)) => return self.ext_id(k),
                _ => return self.tweet_id(cur),
            }
        }
    }

    fn user_id(&self, a: usize) -> u64 {
        1_400_000_000 + a as u64 * 1000 + Rng::derive(self.seed, S_USER_ID, a as u64).below(1000)
    }

    fn username(&self, a: usize) -> String {
        accounts::handle(self.seed, POOL_X, a)
    }

    /// The text of a tweet that is not a retweet.
    fn own_body(&self, i: usize, kind: Kind) -> Body {
        let mut rng = Rng::derive(self.seed, S_BODY, i as u64);
        let author = self.author(i);
        let lang = Lang::near(accounts::account_lang(self.seed, POOL_X, author), &mut rng);
        let mention = rng
            .chance(120)
            .then(|| self.username(rng.index(self.accounts)));
        let body = text::compose(&mut rng, lang, mention.as_deref(), Style::X);
        match kind {
            Kind::Reply(t) => body.prefixed(vec![
                Seg::Mention(self.username(self.target_author(t))),
                Seg::Plain(" ".to_owned()),
            ]),
            _ => body,
        }
    }

    fn ext_body(&self, k: usize) -> Body {
        let mut rng = Rng::derive(self.seed, S_EXT_AUTHOR ^ S_BODY, k as u64);
        let lang = Lang::near(
            accounts::account_lang(self.seed, POOL_X, self.ext_author(k)),
            &mut rng,
        );
        text::compose(&mut rng, lang, None, Style::X)
    }

    fn body(&self, i: usize, kind: Kind) -> Body {
        match kind {
            Kind::Retweet(t) => {
                let original = match t {
                    Target::Data(j) => self.own_body(j, self.kind(j)),
                    Target::External(k) => self.ext_body(k),
                };
                original.prefixed(vec![
                    Seg::Plain("RT ".to_owned()),
                    Seg::Mention(self.username(self.target_author(t))),
                    Seg::Plain(": ".to_owned()),
                ])
            }
            _ => self.own_body(i, kind),
        }
    }

    fn short_link(&self, url: &str) -> String {
        let code = base36(mix(fnv1a(url.as_bytes()) ^ self.seed), 10);
        format!("https://example.net/s/{code}")
    }

    /// The text and entities of a body, with offsets in characters.
    fn render(&self, body: &Body) -> (String, Option<Entities>) {
        let mut text = String::new();
        let mut pos = 0_usize;
        let mut ents = Entities {
            hashtags: Vec::new(),
            mentions: Vec::new(),
            urls: Vec::new(),
        };
        let mut link = |text: &mut String, pos: &mut usize, url: &str| {
            let short = self.short_link(url);
            let start = *pos;
            *pos += short.chars().count();
            text.push_str(&short);
            let bare = url.trim_start_matches("https://");
            let display_url = if bare.chars().count() > 26 {
                let mut d: String = bare.chars().take(25).collect();
                d.push('…');
                d
            } else {
                bare.to_owned()
            };
            ents.urls.push(UrlEntity {
                start,
                end: *pos,
                url: short,
                expanded_url: url.to_owned(),
                display_url,
            });
        };
        let mut tags = Vec::new();
        let mut mentions = Vec::new();
        for seg in &body.segs {
            match seg {
                Seg::Plain(s) | Seg::Bold(s) => {
                    pos += s.chars().count();
                    text.push_str(s);
                }
                Seg::Hashtag(t) => {
                    let start = pos;
                    pos += 1 + t.chars().count();
                    text.push('#');
                    text.push_str(t);
                    tags.push(TagEntity {
                        start,
                        end: pos,
                        tag: t.clone(),
                    });
                }
                Seg::Mention(h) => {
                    let start = pos;
                    pos += 1 + h.chars().count();
                    text.push('@');
                    text.push_str(h);
                    mentions.push(MentionEntity {
                        start,
                        end: pos,
                        username: h.clone(),
                    });
                }
                Seg::Link(url) => link(&mut text, &mut pos, url),
                Seg::TextLink { text: words, href } => {
                    pos += words.chars().count() + 1;
                    text.push_str(words);
                    text.push(' ');
                    link(&mut text, &mut pos, href);
                }
            }
        }
        ents.hashtags = tags;
        ents.mentions = mentions;
        let empty = ents.hashtags.is_empty() && ents.mentions.is_empty() && ents.urls.is_empty();
        (text, (!empty).then_some(ents))
    }

    fn metrics(&self, stream: u64, i: usize, later: bool) -> TweetMetrics {
        let mut rng = Rng::derive(self.seed, S_METRICS ^ stream, i as u64);
        let magnitude = 10_u64.pow(rng.range(0, 3) as u32);
        let like_count = rng.below(magnitude * 10);
        let mut m = TweetMetrics {
            retweet_count: like_count / rng.range(2, 8),
            reply_count: rng.below(like_count / 4 + 2),
            like_count,
            quote_count: rng.below(like_count / 20 + 2),
            bookmark_count: rng.below(like_count / 10 + 2),
            impression_count: like_count * rng.range(20, 80) + rng.range(10, 500),
        };
        if later {
            m.like_count += rng.range(1, 40);
            m.retweet_count += rng.range(0, 5);
            m.impression_count += rng.range(100, 4000);
        }
        m
    }

    /// The media attached to data tweet `i` (none on retweets).
    fn media(&self, i: usize, kind: Kind) -> Vec<Media> {
        if matches!(kind, Kind::Retweet(_)) {
            return Vec::new();
        }
        let mut rng = Rng::derive(self.seed, S_MEDIA, i as u64);
        let count = match rng.below(1000) {
            0..750 => 0,
            750..930 => 1,
            930..980 => 2,
            _ => rng.range(3, 4),
        };
        let id = self.tweet_id(i);
        (0..count)
            .map(|m| {
                // Media ids live in their own space; four per tweet id keeps them unique.
                let media_id = id.wrapping_mul(4).wrapping_add(m);
                let (width, height) = *rng.pick(PHOTO_SIZES);
                if rng.chance(80) {
                    Media {
                        media_key: format!("7_{media_id}"),
                        kind: "video",
                        url: None,
                        preview_image_url: Some(format!(
                            "https://example.org/ext_tw_video_thumb/{media_id}/img/preview.jpg"
                        )),
                        width,
                        height,
                        duration_ms: Some(rng.range(3000, 120_000)),
                    }
                } else {
                    Media {
                        media_key: format!("3_{media_id}"),
                        kind: "photo",
                        url: Some(format!(
                            "https://example.org/media/{}.jpg",
                            base36(media_id, 12)
                        )),
                        preview_image_url: None,
                        width,
                        height,
                        duration_ms: None,
                    }
                }
            })
            .collect()
    }

    fn reference(&self, kind: &'static str, t: Target) -> Vec<TweetRef> {
        vec![TweetRef {
            kind,
            id: self.target_id(t).to_string(),
        }]
    }

    /// Data tweet `i`, its media, and what it references. `later` bumps its counters (a re-observation).
    fn tweet_with_media(&self, i: usize, later: bool) -> (Tweet, Vec<Media>, Option<Target>) {
        let kind = self.kind(i);
        let body = self.body(i, kind);
        let (text, entities) = self.render(&body);
        let id = self.tweet_id(i).to_string();
        let media = self.media(i, kind);
        let (refs, target, reply_to) = match kind {
            Kind::Original => (Vec::new(), None, None),
            Kind::Reply(t) => (
                self.reference("replied_to", t),
                Some(t),
                Some(self.target_author(t)),
            ),
            Kind::Quote(t) => (self.reference("quoted", t), Some(t), None),
            Kind::Retweet(t) => (self.reference("retweeted", t), Some(t), None),
        };
        let tweet = Tweet {
            id: id.clone(),
            text,
            author_id: self.user_id(self.author(i)).to_string(),
            created_at: dates::x_timestamp(self.secs(i)),
            lang: body.lang.code(),
            conversation_id: self.conversation_id(i).to_string(),
            in_reply_to_user_id: reply_to.map(|a| self.user_id(a).to_string()),
            referenced_tweets: refs,
            entities,
            attachments: (!media.is_empty()).then(|| Attachments {
                media_keys: media.iter().map(|m| m.media_key.clone()).collect(),
            }),
            public_metrics: self.metrics(0, i, later),
            edit_history_tweet_ids: vec![id],
        };
        (tweet, media, target)
    }

    /// Data tweet `i` as a tweet object.
    pub(crate) fn tweet(&self, i: usize, later: bool) -> Tweet {
        self.tweet_with_media(i, later).0
    }

    /// External tweet `k`: an original tweet that only appears under `includes.tweets`.
    fn external(&self, k: usize) -> Tweet {
        let body = self.ext_body(k);
        let (text, entities) = self.render(&body);
        let id = self.ext_id(k).to_string();
        Tweet {
            id: id.clone(),
            text,
            author_id: self.user_id(self.ext_author(k)).to_string(),
            created_at: dates::x_timestamp(self.ext_secs(k)),
            lang: body.lang.code(),
            conversation_id: id.clone(),
            in_reply_to_user_id: None,
            referenced_tweets: Vec::new(),
            entities,
            attachments: None,
            public_metrics: self.metrics(1, k, false),
            edit_history_tweet_ids: vec![id],
        }
    }

    fn target_tweet(&self, t: Target) -> Tweet {
        match t {
            Target::Data(j) => self.tweet(j, false),
            Target::External(k) => self.external(k),
        }
    }

    /// The response (page) from which user `a` changes its name, bio and counters, for about 6 % of users.
    fn change_point(&self, a: usize) -> Option<usize> {
        let mut rng = Rng::derive(self.seed, S_CHANGE, a as u64);
        rng.chance(60)
            .then(|| 1 + rng.index(self.responses().saturating_sub(1).max(1)))
    }

    /// User `a` as observed in response `r` (`r == responses()` for observations after the last page).
    pub(crate) fn user(&self, a: usize, r: usize) -> User {
        let later = self.change_point(a).is_some_and(|p| r >= p);
        let p = if later {
            accounts::later(self.seed, POOL_X, a)
        } else {
            accounts::profile(self.seed, POOL_X, a)
        };
        let id = self.user_id(a);
        User {
            id: id.to_string(),
            username: p.handle,
            name: p.display_name,
            description: p.bio,
            profile_image_url: format!("https://example.org/profile_images/{id}/avatar_normal.jpg"),
            created_at: dates::x_timestamp(p.created_at),
            protected: false,
            verified: false,
            public_metrics: UserMetrics {
                followers_count: p.followers,
                following_count: p.following,
                tweet_count: p.posts,
                listed_count: p.followers / 100,
            },
        }
    }

    /// Builds a response from data tweets `indices` (in that order), observed at page `r`.
    fn assemble(&self, indices: &[usize], r: usize, later: bool) -> Response {
        let mut data = Vec::with_capacity(indices.len());
        let mut authors: Vec<usize> = Vec::new();
        let mut seen_authors = HashSet::new();
        let mut targets: Vec<Target> = Vec::new();
        let mut seen_targets = HashSet::new();
        let mut media = Vec::new();
        for &i in indices {
            let (tweet, m, target) = self.tweet_with_media(i, later);
            if seen_authors.insert(self.author(i)) {
                authors.push(self.author(i));
            }
            if let Some(t) = target
                && seen_targets.insert(t)
            {
                targets.push(t);
            }
            media.extend(m);
            data.push(DataTweet::Valid(tweet));
        }
        let tweets: Vec<Tweet> = targets.iter().map(|&t| self.target_tweet(t)).collect();
        for &t in &targets {
            let a = self.target_author(t);
            if seen_authors.insert(a) {
                authors.push(a);
            }
        }
        Response {
            data,
            includes: Includes {
                users: authors.iter().map(|&a| self.user(a, r)).collect(),
                media,
                tweets,
            },
            meta: None,
        }
    }

    /// Search page `r`: its tweets newest first, with `meta` and a `next_token` on all but the last page.
    pub(crate) fn response(&self, r: usize) -> Response {
        let indices: Vec<usize> = self.page(r).rev().collect();
        let mut response = self.assemble(&indices, r, false);
        let id_at = |k: usize| indices.get(k).map(|&i| self.tweet_id(i).to_string());
        response.meta = Some(Meta {
            newest_id: id_at(0).unwrap_or_default(),
            oldest_id: id_at(indices.len().saturating_sub(1)).unwrap_or_default(),
            result_count: indices.len(),
            next_token: (r + 1 < self.responses())
                .then(|| base36(Rng::derive(self.seed, S_TOKEN, r as u64).next_u64(), 16)),
        });
        response
    }

    /// A `GET /2/tweets?ids=...` response: data tweets `indices` observed again after the last page, with
    /// higher counters, and users in their latest state.
    pub(crate) fn lookup(&self, indices: &[usize]) -> Response {
        self.assemble(indices, self.responses(), true)
    }

    /// Two broken tweets for page `r`: one whose `id` is an array, one with no `id`. Their authors are the
    /// page's first author, so dropping them loses no account.
    pub(crate) fn broken(&self, r: usize) -> [BrokenTweet; 2] {
        let range = self.page(r);
        let i = range.start;
        let author_id = self.user_id(self.author(i)).to_string();
        let mut rng = Rng::derive(self.seed, S_BROKEN, r as u64);
        let secs = self.secs(i);
        let id = snowflake(secs as u64 * 1000 + 999, SEQUENCE_MASK).to_string();
        let lang = Lang::draw(&mut rng);
        let first = text::compose(&mut rng, lang, None, Style::X).flat();
        let second = text::compose(&mut rng, lang, None, Style::X).flat();
        [
            BrokenTweet {
                id: Some(vec![id]),
                text: first,
                author_id: author_id.clone(),
                created_at: dates::x_timestamp(secs),
                lang: lang.code(),
            },
            BrokenTweet {
                id: None,
                text: second,
                author_id,
                created_at: dates::x_timestamp(secs),
                lang: lang.code(),
            },
        ]
    }
}

/// Serializes one response as a JSON line into `buf` (cleared first).
pub(crate) fn response_line(buf: &mut Vec<u8>, response: &Response) -> Result<(), SampleError> {
    buf.clear();
    serde_json::to_writer(&mut *buf, response).map_err(|source| SampleError::Json {
        what: "an X API v2 response".to_owned(),
        source,
    })?;
    buf.push(b'\n');
    Ok(())
}

/// Streams `posts` synthetic posts as X API v2 search responses, one JSON object per line, to `w`.
///
/// Each line holds up to 100 tweets in `data` (newest first) with `includes.users`, `includes.media`,
/// `includes.tweets` and `meta`. Exactly `posts` tweets appear in `data` across all lines, written by
/// `accounts` users; tweets under `includes.tweets` only repeat tweets of `data`, so the stream holds
/// exactly `posts` distinct posts. The output depends only on `(posts, accounts, seed)`.
///
/// Memory stays bounded by one response (about 150 KB) whatever `posts` is: every tweet is rebuilt from
/// the seed when referenced. `w` receives one `write_all` per line, so an unbuffered file is fine.
/// Returns the number of bytes written. Fails with [`SampleError::Config`] when `posts > 0` and
/// `accounts == 0`, and with [`SampleError::Stream`] when `w` fails.
pub fn write_x_v2_jsonl<W: Write>(
    mut w: W,
    posts: usize,
    accounts: usize,
    seed: u64,
) -> Result<u64, SampleError> {
    if posts > 0 && accounts == 0 {
        return Err(SampleError::Config {
            field: "accounts",
            value: accounts,
            expected: "at least 1 when posts are written".to_owned(),
        });
    }
    let plan = XPlan {
        seed,
        posts,
        accounts,
        externals: 0,
    };
    let stream_err = |source| SampleError::Stream {
        what: "X API v2 JSONL",
        source,
    };
    let mut buf = Vec::with_capacity(256 * 1024);
    let mut bytes = 0_u64;
    for r in 0..plan.responses() {
        response_line(&mut buf, &plan.response(r))?;
        w.write_all(&buf).map_err(stream_err)?;
        bytes += buf.len() as u64;
    }
    w.flush().map_err(stream_err)?;
    Ok(bytes)
}

/// What the X files hold, observed response by response.
#[derive(Debug, Default)]
struct Observed {
    data_ids: HashSet<String>,
    included: BTreeMap<String, &'static str>,
    langs: LangCounts,
    users: HashMap<String, String>,
    changed: HashSet<String>,
    media: HashSet<String>,
}

impl Observed {
    fn observe(&mut self, response: &Response) -> Result<(), SampleError> {
        for item in &response.data {
            if let DataTweet::Valid(t) = item
                && self.data_ids.insert(t.id.clone())
            {
                self.langs.add(t.lang);
            }
        }
        for t in &response.includes.tweets {
            self.included.entry(t.id.clone()).or_insert(t.lang);
        }
        for u in &response.includes.users {
            let json = serde_json::to_string(u).map_err(|source| SampleError::Json {
                what: format!("X user {}", u.id),
                source,
            })?;
            match self.users.get(&u.id) {
                Some(first) if *first != json => {
                    self.changed.insert(u.id.clone());
                }
                Some(_) => {}
                None => {
                    self.users.insert(u.id.clone(), json);
                }
            }
        }
        for m in &response.includes.media {
            self.media.insert(m.media_key.clone());
        }
        Ok(())
    }
}

/// The byte length of the first `fraction` of `line`, moved back to a character boundary.
fn cut_point(line: &[u8], numerator: usize, denominator: usize) -> usize {
    let mut cut = line.len() * numerator / denominator.max(1);
    while cut > 0 && line.get(cut).is_some_and(|b| b & 0xC0 == 0x80) {
        cut -= 1;
    }
    cut
}

/// Writes `x/search_responses.jsonl` (with a truncated line and a page holding two broken tweets) and
/// `x/single_response.json`, and returns what they hold.
pub(crate) fn write_corpus(
    out: &mut Output,
    plan: &XPlan,
) -> Result<(XSummary, Vec<MalformedRecord>), SampleError> {
    let pages = plan.responses();
    // The truncated copy precedes page 3 (as if a first write of it was cut off and retried); the
    // broken tweets sit at the end of page 6. Small corpora fold both onto their last page.
    let truncated_before = 2.min(pages.saturating_sub(1));
    let broken_in = 5.min(pages.saturating_sub(1));
    let mut observed = Observed::default();
    let mut malformed = Vec::new();
    let mut bytes = Vec::new();
    let mut buf = Vec::new();
    let mut lines = 0;
    let mut data_tweets = 0;
    let mut broken_tweets = 0;
    for r in 0..pages {
        let mut response = plan.response(r);
        if r == broken_in {
            let [a, b] = plan.broken(r);
            response.data.push(DataTweet::Broken(a));
            response.data.push(DataTweet::Broken(b));
        }
        response_line(&mut buf, &response)?;
        if r == truncated_before {
            let cut = cut_point(&buf, 2, 5);
            bytes.extend_from_slice(buf.get(..cut).unwrap_or(&[]));
            bytes.push(b'\n');
            lines += 1;
            malformed.push(MalformedRecord {
                file: RESPONSES_FILE.to_owned(),
                line: Some(lines),
                position: format!("line {lines}"),
                kind: MalformedKind::TruncatedJson,
                detail: format!(
                    "the first {cut} bytes of the next line's response, cut off mid-object; the \
                     complete response follows on line {}",
                    lines + 1
                ),
            });
        }
        bytes.extend_from_slice(&buf);
        lines += 1;
        let valid = response
            .data
            .iter()
            .filter(|d| matches!(d, DataTweet::Valid(_)))
            .count();
        data_tweets += valid;
        if r == broken_in {
            broken_tweets += 2;
            malformed.push(MalformedRecord {
                file: RESPONSES_FILE.to_owned(),
                line: Some(lines),
                position: format!("line {lines}, data[{valid}]"),
                kind: MalformedKind::WrongIdType,
                detail: "a tweet whose \"id\" is an array of one string instead of a string; \
                         quarantine the tweet, keep the rest of the response"
                    .to_owned(),
            });
            malformed.push(MalformedRecord {
                file: RESPONSES_FILE.to_owned(),
                line: Some(lines),
                position: format!("line {lines}, data[{}]", valid + 1),
                kind: MalformedKind::MissingId,
                detail:
                    "a tweet with no \"id\"; quarantine the tweet, keep the rest of the response"
                        .to_owned(),
            });
        }
        observed.observe(&response)?;
    }
    out.write(RESPONSES_FILE, &bytes)?;

    // A later lookup of five tweets already in the search pages.
    let mut picks: Vec<usize> = (0..5)
        .map(|k| k * plan.posts / 5 + plan.posts / 10)
        .filter(|&i| i < plan.posts)
        .collect();
    picks.dedup();
    let single = plan.lookup(&picks);
    observed.observe(&single)?;
    let pretty = serde_json::to_vec_pretty(&single).map_err(|source| SampleError::Json {
        what: "the X single response".to_owned(),
        source,
    })?;
    out.write(SINGLE_FILE, &pretty)?;

    let mut langs = observed.langs.clone();
    let mut included_only = 0;
    for (id, lang) in &observed.included {
        if !observed.data_ids.contains(id) {
            included_only += 1;
            langs.add(lang);
        }
    }
    let summary = XSummary {
        responses_file: RESPONSES_FILE.to_owned(),
        single_response_file: SINGLE_FILE.to_owned(),
        lines,
        responses: pages,
        data_tweets,
        included_only_tweets: included_only,
        posts: observed.data_ids.len() + included_only,
        broken_tweets,
        single_response_tweets: single.data.len(),
        accounts: observed.users.len(),
        accounts_with_changes: observed.changed.len(),
        media: observed.media.len(),
        langs,
    };
    Ok((summary, malformed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> XPlan {
        XPlan {
            seed: 7,
            posts: 1000,
            accounts: 60,
            externals: 40,
        }
    }

    #[test]
    fn ids_are_unique_and_increase_with_time() {
        let p = plan();
        let mut ids = HashSet::new();
        let mut last = 0;
        for i in 0..p.posts {
            let id = p.tweet_id(i);
            assert!(id > last);
            last = id;
            assert!(ids.insert(id));
        }
        for k in 0..p.externals {
            assert!(ids.insert(p.ext_id(k)));
        }
    }

    #[test]
    fn every_external_tweet_is_referenced_once() {
        let p = plan();
        let referenced: Vec<usize> = (0..p.posts).filter_map(|i| p.external_ref(i)).collect();
        assert_eq!(referenced, (0..p.externals).collect::<Vec<_>>());
    }

    #[test]
    fn references_point_backwards_and_retweets_at_originals() {
        let p = plan();
        for i in 0..p.posts {
            match p.kind(i) {
                Kind::Reply(Target::Data(j)) | Kind::Quote(Target::Data(j)) => assert!(j < i),
                Kind::Retweet(Target::Data(j)) => {
                    assert!(j < i);
                    assert!(!matches!(p.kind(j), Kind::Retweet(_)));
                }
                _ => {}
            }
        }
    }

    #[test]
    fn entity_offsets_match_the_text() {
        let p = plan();
        for i in 0..p.posts {
            let t = p.tweet(i, false);
            let chars: Vec<char> = t.text.chars().collect();
            let slice = |s: usize, e: usize| chars[s..e].iter().collect::<String>();
            if let Some(e) = &t.entities {
                for h in &e.hashtags {
                    assert_eq!(slice(h.start, h.end), format!("#{}", h.tag));
                }
                for m in &e.mentions {
                    assert_eq!(slice(m.start, m.end), format!("@{}", m.username));
                }
                for u in &e.urls {
                    assert_eq!(slice(u.start, u.end), u.url);
                }
            }
        }
    }
}
