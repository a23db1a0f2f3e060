//! Posts that announce an account: "new account: @name", "compte de secours @name", "الحساب الجديد @name".
//!
//! When a network's account is suspended, its owners come back under a new handle and announce it from their
//! other accounts ("shout-outs"). A post that mentions a handle next to one of these phrases ties its author to
//! that handle more strongly than a mention: it is what successor detection and the interaction graph look for.
//! The phrases are about accounts coming and going, in French, English and Arabic; they say nothing about
//! what the accounts post.

use crate::normalize::normalize;
use std::sync::OnceLock;

/// The phrases, as written; matched on normalized text (case, accents, Arabic letter forms folded).
const CUES: &[&str] = &[
    // English
    "new account",
    "new acc ",
    "new acct",
    "backup account",
    "back up account",
    "back-up account",
    "backup acc",
    "spare account",
    "reserve account",
    "alt account",
    "alternate account",
    "new handle",
    "new channel",
    "new page",
    "we are back",
    "we're back",
    "got suspended",
    "was suspended",
    "suspended again",
    "moved to @",
    // French
    "nouveau compte",
    "compte de secours",
    "compte de rechange",
    "compte de reserve",
    "nouvelle chaine",
    "nouvelle page",
    "nouvel identifiant",
    "nous sommes de retour",
    "compte suspendu",
    "a ete suspendu",
    // Arabic
    "الحساب الجديد",
    "حساب جديد",
    "حسابنا الجديد",
    "الحساب الاحتياطي",
    "حساب احتياطي",
    "الحساب البديل",
    "حساب بديل",
    "القناة الجديدة",
    "قناة جديدة",
    "المعرف الجديد",
    "معرف جديد",
    "تم تعليق",
    "بعد حذف الحساب",
];

fn cues() -> &'static [String] {
    static CUES_NORMALIZED: OnceLock<Vec<String>> = OnceLock::new();
    CUES_NORMALIZED.get_or_init(|| {
        CUES.iter()
            .map(|c| {
                // A trailing space is part of the cue ("new acc " is not "new accord").
                let mut n = normalize(c).as_str().to_owned();
                if c.ends_with(' ') {
                    n.push(' ');
                }
                n
            })
            .collect()
    })
}

/// Whether `text` says that an account is new, a backup, or back after a suspension.
pub fn announces_account(text: &str) -> bool {
    let normalized = normalize(text);
    let mut padded = String::with_capacity(normalized.as_str().len() + 1);
    padded.push_str(normalized.as_str());
    padded.push(' ');
    cues().iter().any(|cue| padded.contains(cue.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_in_three_languages_are_recognized_whatever_the_spelling() {
        for text in [
            "NEW ACCOUNT, follow @lions_media2",
            "Our backup account is @abc_3",
            "Nouveau compte : @xyz",
            "compte de secours @xyz",
            "Nous sommes de retour ! @xyz",
            "تابعوا الحساب الجديد @abc",
            "حسابنا الجديد: @abc",
            "تابعوا حسابنا الجديد @abc",
            "new acc @abc",
        ] {
            assert!(announces_account(text), "{text}");
        }
    }

    #[test]
    fn ordinary_posts_and_near_misses_are_not_announcements() {
        for text in [
            "Follow our correspondent @jdoe for live coverage",
            "A new accord was signed today @un",
            "The account of the events by @historian",
            "Suivez notre envoyé spécial @jdoe",
            "تابعوا مراسلنا @abc",
        ] {
            assert!(!announces_account(text), "{text}");
        }
    }
}
