//! Synthetic accounts: invented handles such as `user_0042` or `meteo_locale_12`, display names, bios and
//! counters. An account is a pure function of `(seed, pool, index)`, so that every file of a platform
//! writes the same id, handle and name for it.

use crate::dates;
use crate::rng::Rng;
use crate::text::Lang;

/// The pool of X accounts.
pub(crate) const POOL_X: u64 = 0x100;
/// The pool of Telegram users.
pub(crate) const POOL_TELEGRAM: u64 = 0x200;
/// The pool of generic-format accounts (Facebook, Instagram, unnamed platforms).
pub(crate) const POOL_GENERIC: u64 = 0x300;

const LANG_STREAM: u64 = 0x1;
const PROFILE_STREAM: u64 = 0x2;
const LATER_STREAM: u64 = 0x3;

/// `(handle stem, display name stem, bio)` by language; the stem `user` gives `user_0042` handles.
const FR_KINDS: &[(&str, &str, &str)] = &[
    (
        "meteo_locale",
        "Météo Locale",
        "Météo du jour et prévisions locales.",
    ),
    (
        "marche_du_coin",
        "Marché du Coin",
        "Prix du marché et bons plans de saison.",
    ),
    (
        "foot_amateur",
        "Foot Amateur",
        "Foot amateur : résultats et calendrier du week-end.",
    ),
    (
        "cuisine_maison",
        "Cuisine Maison",
        "Recettes simples et de saison.",
    ),
    (
        "tram_infos",
        "Infos Tram",
        "Infos trafic tram et bus, en direct.",
    ),
    (
        "vie_de_quartier",
        "Vie de Quartier",
        "Sorties, travaux et associations du quartier.",
    ),
    ("chaine_info", "Chaîne Info", "L'actu locale en bref."),
    (
        "user",
        "Utilisateur",
        "Curieux de tout, surtout de la météo.",
    ),
];
const EN_KINDS: &[(&str, &str, &str)] = &[
    (
        "weather_watch",
        "Weather Watch",
        "Daily weather and local forecasts.",
    ),
    (
        "market_notes",
        "Market Notes",
        "Market prices and seasonal bargains.",
    ),
    (
        "grassroots_fc",
        "Grassroots FC",
        "Grassroots football: results and fixtures.",
    ),
    ("home_kitchen", "Home Kitchen", "Simple seasonal recipes."),
    (
        "commute_updates",
        "Commute Updates",
        "Live tram and bus updates.",
    ),
    ("local_digest", "Local Digest", "Local news in brief."),
    ("user", "User", "Into gardening, football and long walks."),
];
const AR_KINDS: &[(&str, &str, &str)] = &[
    (
        "akhbar_altaqs",
        "أخبار الطقس",
        "حالة الطقس والتوقعات المحلية يومياً.",
    ),
    ("souq_alyawm", "سوق اليوم", "أسعار السوق وعروض الموسم."),
    ("kora_alhay", "كرة الحي", "نتائج ومواعيد مباريات الأحياء."),
    (
        "matbakh_bayti",
        "مطبخ بيتي",
        "وصفات بسيطة من المطبخ البيتي.",
    ),
    ("mowasalat", "مواصلات المدينة", "أخبار الحافلات والترام."),
    ("akhbar_alhay", "أخبار الحي", "أخبار الحي باختصار."),
    ("user", "مستخدم", "أحب القراءة والطبخ وكرة القدم."),
];

/// One account as every format sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Profile {
    pub lang: Lang,
    pub handle: String,
    pub display_name: String,
    pub bio: String,
    pub created_at: i64,
    pub followers: u64,
    pub following: u64,
    pub posts: u64,
}

fn kinds(lang: Lang) -> &'static [(&'static str, &'static str, &'static str)] {
    match lang {
        Lang::Fr => FR_KINDS,
        Lang::En => EN_KINDS,
        Lang::Ar => AR_KINDS,
    }
}

/// The language an account mostly posts in.
pub(crate) fn account_lang(seed: u64, pool: u64, index: usize) -> Lang {
    Lang::draw(&mut Rng::derive(seed, pool ^ LANG_STREAM, index as u64))
}

fn kind(seed: u64, pool: u64, index: usize) -> (Lang, (&'static str, &'static str, &'static str)) {
    let lang = account_lang(seed, pool, index);
    let list = kinds(lang);
    let k = Rng::derive(seed, pool ^ PROFILE_STREAM, index as u64).index(list.len());
    (lang, list[k])
}

/// The account's handle, without `@`; unique within a pool.
pub(crate) fn handle(seed: u64, pool: u64, index: usize) -> String {
    let (_, (stem, _, _)) = kind(seed, pool, index);
    if stem == "user" {
        format!("user_{index:04}")
    } else {
        format!("{stem}_{index}")
    }
}

/// The account as first observed.
pub(crate) fn profile(seed: u64, pool: u64, index: usize) -> Profile {
    let (lang, (_, display, bio)) = kind(seed, pool, index);
    let mut rng = Rng::derive(seed, pool ^ PROFILE_STREAM, index as u64);
    // The first draw chose the kind; skip it so the rest stay independent of the list length.
    rng.next_u64();
    let created_at = rng.range(1_230_768_000, 1_703_980_800) as i64;
    let magnitude = 10_u64.pow(rng.range(1, 4) as u32);
    Profile {
        lang,
        handle: handle(seed, pool, index),
        display_name: format!("{display} {index}"),
        bio: bio.to_owned(),
        created_at: created_at.min(dates::CORPUS_START - 86_400),
        followers: magnitude + rng.below(magnitude * 9),
        following: rng.range(10, 2000),
        posts: rng.range(50, 20_000),
    }
}

/// The same account observed later, after it renamed itself, rewrote its bio and gained followers.
pub(crate) fn later(seed: u64, pool: u64, index: usize) -> Profile {
    let first = profile(seed, pool, index);
    let mut rng = Rng::derive(seed, pool ^ LATER_STREAM, index as u64);
    let (name_suffix, bio_suffix) = match first.lang {
        Lang::Fr => (" (officiel)", " Désormais aussi sur example.org."),
        Lang::En => (" (official)", " Now also on example.org."),
        Lang::Ar => (" - الحساب الرسمي", " الآن أيضاً على example.org."),
    };
    Profile {
        display_name: format!("{}{name_suffix}", first.display_name),
        bio: format!("{}{bio_suffix}", first.bio),
        followers: first.followers + rng.range(20, 500),
        posts: first.posts + rng.range(5, 60),
        ..first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_unique_within_a_pool() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..2000 {
            assert!(seen.insert(handle(7, POOL_X, i)));
        }
        assert_eq!(profile(7, POOL_X, 3), profile(7, POOL_X, 3));
        assert_ne!(profile(7, POOL_X, 3), later(7, POOL_X, 3));
        assert_eq!(profile(7, POOL_X, 3).handle, later(7, POOL_X, 3).handle);
    }
}
