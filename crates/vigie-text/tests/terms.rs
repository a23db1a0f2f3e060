//! Term lists: evasive spellings of the default outlet names are found and mapped back to exactly what
//! was written, word boundaries hold, regex and hashtag terms match, and bad list entries are reported
//! with their position without dropping the good ones.

use vigie_text::{
    BUILTIN_LISTS, DEFAULT_TERMS, MatchMode, Term, TermCategory, TermHit, TermListError,
    TermMatcher, TermMatcherError, TermPosition, TermProblemKind, default_terms, normalize,
    parse_terms_csv, parse_terms_toml,
};

fn term(text: &str, category: TermCategory, mode: MatchMode) -> Term {
    Term {
        text: text.to_owned(),
        language: None,
        category,
        weight: 1.0,
        mode,
        note: None,
        source: None,
        benign: None,
    }
}

fn matcher(terms: &[Term]) -> TermMatcher {
    match TermMatcher::new(terms) {
        Ok(matcher) => matcher,
        Err(e) => panic!("{e}"),
    }
}

fn hits(matcher: &TermMatcher, text: &str) -> Vec<TermHit> {
    let mut out = Vec::new();
    matcher.find(&normalize(text), &mut out);
    out
}

fn is_arabic(c: char) -> bool {
    ('\u{0600}'..='\u{06FF}').contains(&c)
}

/// Rewrites the letters of `text`, except the first of each word (so that a word keeps a Latin
/// letter), with `substitute`.
fn substitute_inner(text: &str, substitute: impl Fn(char) -> Option<char>) -> String {
    let mut out = String::new();
    let mut in_word = false;
    for c in text.chars() {
        let letter = c.is_alphanumeric();
        out.push(if letter && in_word {
            substitute(c).unwrap_or(c)
        } else {
            c
        });
        in_word = letter;
    }
    out
}

/// Inserts `insert` between two letters of the same word.
fn between_letters(text: &str, insert: &str) -> String {
    let mut out = String::new();
    let mut previous_letter = false;
    for c in text.chars() {
        if previous_letter && c.is_alphanumeric() {
            out.push_str(insert);
        }
        out.push(c);
        previous_letter = c.is_alphanumeric();
    }
    out
}

fn odd_case(text: &str) -> String {
    text.chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

fn cyrillic(c: char) -> Option<char> {
    Some(match c.to_ascii_lowercase() {
        'a' => 'а',
        'e' => 'е',
        'o' => 'о',
        'p' => 'р',
        'c' => 'с',
        'i' => 'і',
        _ => return None,
    })
}

fn leet(c: char) -> Option<char> {
    Some(match c.to_ascii_lowercase() {
        'a' => '4',
        'e' => '3',
        'o' => '0',
        'i' => '1',
        's' => '5',
        't' => '7',
        _ => return None,
    })
}

/// Arabic letters with a fatha after each, and tatweel between the letters of a word.
fn vocalized(text: &str) -> String {
    let with_marks: String = text
        .chars()
        .flat_map(|c| {
            let mark = (is_arabic(c) && c.is_alphabetic()).then_some('\u{064E}');
            std::iter::once(c).chain(mark)
        })
        .collect();
    let mut out = String::new();
    let mut chars = with_marks.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '\u{064E}'
            && chars
                .peek()
                .is_some_and(|&n| is_arabic(n) && n.is_alphabetic())
        {
            out.push('\u{0640}');
        }
    }
    out
}

fn evasive_spellings(text: &str) -> Vec<String> {
    if text.chars().any(is_arabic) {
        vec![
            between_letters(text, "\u{200B}"),
            vocalized(text),
            between_letters(&vocalized(text), "\u{200D}"),
        ]
    } else {
        vec![
            between_letters(text, "\u{200B}"),
            odd_case(text),
            substitute_inner(text, cyrillic),
            substitute_inner(text, leet),
            between_letters(&odd_case(&substitute_inner(text, cyrillic)), "\u{00AD}"),
            text.to_uppercase(),
        ]
    }
}

#[test]
fn default_outlets_are_found_however_written() {
    let terms = default_terms();
    let matcher = matcher(&terms);
    let outlets: Vec<_> = terms
        .iter()
        .enumerate()
        .filter(|(_, t)| t.category == TermCategory::Outlet)
        .collect();
    assert!(outlets.len() >= 15);
    for (index, outlet) in outlets {
        let wanted = normalize(&outlet.text).as_str().to_owned();
        for spelling in evasive_spellings(&outlet.text) {
            assert_ne!(spelling, outlet.text);
            let (before, after) = if spelling.chars().any(is_arabic) {
                ("خبر عن ", " اليوم")
            } else {
                ("Voir : ", ", ici")
            };
            let text = format!("{before}{spelling}{after}");
            let expected = before.len()..before.len() + spelling.len();
            let found = hits(&matcher, &text);
            let hit = found
                .iter()
                .find(|h| h.term == index || normalize(&terms[h.term].text).as_str() == wanted);
            let Some(hit) = hit else {
                panic!(
                    "{:?} not found in {text:?} (normalized {:?})",
                    outlet.text,
                    normalize(&text).as_str()
                );
            };
            assert_eq!(
                hit.original,
                expected,
                "{text:?}: {:?}",
                &text[hit.original.clone()]
            );
        }
    }
}

#[test]
fn words_stop_at_word_boundaries() {
    let m = matcher(&[term("amaq", TermCategory::Outlet, MatchMode::Word)]);
    for (text, count) in [
        ("amaq", 1),
        ("Amaq.", 1),
        ("(amaq)", 1),
        ("l'Amaq", 1),
        ("#amaq", 1),
        ("@amaq_news", 1),
        ("amaq amaq", 2),
        ("amaqx", 0),
        ("xamaq", 0),
        ("amaq9", 0),
        ("am aq", 0),
    ] {
        assert_eq!(hits(&m, text).len(), count, "{text:?}");
    }
}

#[test]
fn overlapping_terms_are_all_reported() {
    let terms = [
        term("Amaq", TermCategory::Outlet, MatchMode::Word),
        term("Amaq News Agency", TermCategory::Outlet, MatchMode::Phrase),
        term("news", TermCategory::Other, MatchMode::Word),
    ];
    let m = matcher(&terms);
    let found = hits(&m, "From Amaq News Agency today");
    let summary: Vec<(usize, &str)> = found
        .iter()
        .map(|h| (h.term, &"From Amaq News Agency today"[h.original.clone()]))
        .collect();
    assert_eq!(summary, [(0, "Amaq"), (1, "Amaq News Agency"), (2, "News")]);
}

#[test]
fn phrases_match_across_collapsed_whitespace() {
    let m = matcher(&[term(
        "claimed responsibility",
        TermCategory::NewsReporting,
        MatchMode::Phrase,
    )]);
    let text = "It  CLAIMED\n\u{200B}responsibility.";
    let found = hits(&m, text);
    assert_eq!(found.len(), 1);
    assert_eq!(
        &text[found[0].original.clone()],
        "CLAIMED\n\u{200B}responsibility"
    );
}

#[test]
fn regex_terms() {
    let terms = [
        term(
            r"\bcampaign-\d{2,4}\b",
            TermCategory::CampaignHashtag,
            MatchMode::Regex,
        ),
        term(r"^breaking", TermCategory::NewsReporting, MatchMode::Regex),
        term("x*", TermCategory::Other, MatchMode::Regex),
    ];
    let m = matcher(&terms);
    let text = "BREAKING: Campaign-2024 and campaign-7 and CAMPAIGN-123";
    let found = hits(&m, text);
    let summary: Vec<(usize, &str)> = found
        .iter()
        .map(|h| (h.term, &text[h.original.clone()]))
        .collect();
    // Empty matches (`x*`) are not hits.
    assert_eq!(
        summary,
        [(1, "BREAKING"), (0, "Campaign-2024"), (0, "CAMPAIGN-123")]
    );
}

#[test]
fn hashtag_terms() {
    let m = matcher(&[term(
        "#SomeCampaign",
        TermCategory::CampaignHashtag,
        MatchMode::Word,
    )]);
    assert_eq!(hits(&m, "join #somecampaign now").len(), 1);
    assert_eq!(hits(&m, "join #SOME\u{200B}CAMPAIGN!").len(), 1);
    assert_eq!(hits(&m, "join #somecampaigns").len(), 0);
    assert_eq!(hits(&m, "join somecampaign").len(), 0);
}

#[test]
fn context_markers_are_mitigating() {
    let terms = default_terms();
    let m = matcher(&terms);
    for text in [
        "Selon l'agence, l'attaque a été revendiquée",
        "According to researchers, the group claimed responsibility",
        "وفقاً لـ صحفي في المدينة",
        "Nous condamnons cette attaque",
        "ندين هذا الهجوم",
    ] {
        let found = hits(&m, text);
        assert!(!found.is_empty(), "{text}");
        for hit in found {
            let t = &terms[hit.term];
            assert!(
                t.category.is_mitigating() && t.weight <= 0.0,
                "{text}: {t:?}"
            );
        }
    }
}

#[test]
fn default_list_holds_only_outlets_and_context_markers() {
    let list = parse_terms_toml(DEFAULT_TERMS).expect("the default list parses");
    for t in &list.terms {
        assert!(
            t.category == TermCategory::Outlet || t.category.is_mitigating(),
            "{t:?}"
        );
        assert!(t.weight.is_finite() && t.weight <= 1.0);
        if t.category.is_mitigating() {
            assert!(t.weight <= 0.0, "{t:?}");
        }
    }
    assert!(DEFAULT_TERMS.contains("STARTING POINT"));
}

#[test]
fn the_lexicons_name_their_sources_and_benign_uses() {
    let mut per_category: std::collections::HashMap<(&str, TermCategory), usize> =
        std::collections::HashMap::new();
    for (name, body) in BUILTIN_LISTS.iter().skip(1) {
        let list = parse_terms_toml(body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(list.problems.is_empty(), "{name}: {:?}", list.problems);
        assert!(
            list.terms.len() >= 250,
            "{name}: {} entries",
            list.terms.len()
        );
        for t in &list.terms {
            *per_category.entry((name, t.category)).or_default() += 1;
            assert!(t.source.is_some(), "{name}: no source for {t:?}");
            assert!(t.weight.is_finite() && t.weight <= 1.5, "{name}: {t:?}");
            if t.category.violation().is_some() {
                assert!(t.benign.is_some(), "{name}: no benign uses for {t:?}");
                assert!(t.weight > 0.0, "{name}: {t:?}");
            }
            if t.category.is_mitigating() {
                assert!(t.weight < 0.0, "{name}: {t:?}");
            }
        }
    }
    // Every language's lexicon covers every violation and every kind of context.
    for (name, _) in BUILTIN_LISTS.iter().skip(1) {
        for category in [
            TermCategory::Glorification,
            TermCategory::Support,
            TermCategory::Recruitment,
            TermCategory::Incitement,
            TermCategory::Distribution,
            TermCategory::Ingroup,
            TermCategory::NewsReporting,
            TermCategory::Research,
            TermCategory::CounterSpeech,
            TermCategory::Moderation,
        ] {
            let n = per_category.get(&(*name, category)).copied().unwrap_or(0);
            assert!(n >= 10, "{name}: {n} {} entries", category.as_str());
        }
    }
}

#[test]
fn toml_problems_keep_the_good_terms() {
    let list = parse_terms_toml(
        r#"
version = 1

[[term]]
text = "good one"
category = "outlet"

[[term]]
text = "  "
category = "outlet"

[[term]]
text = "no category"

[[term]]
text = "bad category"
category = "propaganda"

[[term]]
text = "bad mode"
category = "other"
mode = "fuzzy"

[[term]]
text = "(unclosed"
category = "other"
mode = "regex"

[[term]]
text = "nan weight"
category = "other"
weight = nan

[[term]]
text = "two words"
category = "other"
mode = "word"

[[term]]
text = "typo"
category = "other"
wieght = 1.0

[[term]]
text = "\u200B\u200B"
category = "other"

[[term]]
text = "good two"
category = "research"
language = "en"
weight = -0.5
"#,
    );
    let list = match list {
        Ok(list) => list,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        list.terms
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>(),
        ["good one", "good two"]
    );
    let problems: Vec<(usize, Option<&str>, &TermProblemKind)> = list
        .problems
        .iter()
        .map(|p| match &p.position {
            TermPosition::Toml { index, text } => (*index, text.as_deref(), &p.kind),
            TermPosition::Csv { .. } => panic!("a TOML position"),
        })
        .collect();
    assert_eq!(problems.len(), 9);
    assert_eq!(problems[0], (1, Some("  "), &TermProblemKind::EmptyText));
    assert_eq!(
        problems[1],
        (2, Some("no category"), &TermProblemKind::MissingCategory)
    );
    assert_eq!(
        problems[2],
        (
            3,
            Some("bad category"),
            &TermProblemKind::UnknownCategory("propaganda".into())
        )
    );
    assert_eq!(
        problems[3],
        (
            4,
            Some("bad mode"),
            &TermProblemKind::UnknownMode("fuzzy".into())
        )
    );
    assert!(matches!(
        problems[4],
        (5, Some("(unclosed"), TermProblemKind::BadRegex { .. })
    ));
    assert!(matches!(
        problems[5],
        (6, Some("nan weight"), TermProblemKind::WeightNotFinite(_))
    ));
    assert!(matches!(
        problems[6],
        (7, Some("two words"), TermProblemKind::WordWithSpaces(_))
    ));
    assert!(
        matches!(problems[7], (8, Some("typo"), TermProblemKind::Malformed(m)) if m.contains("wieght"))
    );
    assert!(matches!(
        problems[8],
        (9, _, TermProblemKind::EmptyAfterNormalization(_))
    ));
    // Messages name the entry and the reason.
    let message = list.problems[2].to_string();
    assert!(
        message.contains("number 4") && message.contains("propaganda"),
        "{message}"
    );
}

#[test]
fn csv_problems_carry_line_numbers() {
    let csv = "term,language,category,weight,mode,note\n\
               good one,en,outlet,0.5,phrase,\"a note, with a comma\"\n\
               ,en,outlet,0.5,,\n\
               bad weight,fr,outlet,heavy,,\n\
               bad category,,propaganda,,,\n\
               \"multi\nline\",,other,,,\n\
               (bad,,other,,regex,\n\
               \n\
               short row,,research\n\
               bad language,english,other,,,\n";
    let list = match parse_terms_csv(csv) {
        Ok(list) => list,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        list.terms
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>(),
        ["good one", "multi\nline", "short row"]
    );
    assert_eq!(list.terms[0].note.as_deref(), Some("a note, with a comma"));
    assert_eq!(list.terms[1].mode, MatchMode::Phrase);
    let problems: Vec<(u64, &TermProblemKind)> = list
        .problems
        .iter()
        .map(|p| match p.position {
            TermPosition::Csv { line } => (line, &p.kind),
            TermPosition::Toml { .. } => panic!("a CSV position"),
        })
        .collect();
    assert_eq!(problems.len(), 5);
    assert_eq!(problems[0], (3, &TermProblemKind::EmptyText));
    assert_eq!(
        problems[1],
        (4, &TermProblemKind::BadWeight("heavy".into()))
    );
    assert_eq!(
        problems[2],
        (5, &TermProblemKind::UnknownCategory("propaganda".into()))
    );
    assert!(matches!(problems[3], (8, TermProblemKind::BadRegex { .. })));
    assert_eq!(
        problems[4],
        (11, &TermProblemKind::BadLanguage("english".into()))
    );
    assert!(list.problems[1].to_string().starts_with("line 4: "));
}

#[test]
fn whole_file_errors() {
    assert!(matches!(
        parse_terms_toml("[[term]"),
        Err(TermListError::Toml(_))
    ));
    assert!(matches!(
        parse_terms_csv("term,weight,colour\n"),
        Err(TermListError::CsvHeader { .. })
    ));
}

#[test]
fn invalid_terms_are_named_by_the_matcher() {
    let terms = [
        term("fine", TermCategory::Other, MatchMode::Word),
        term("[", TermCategory::Other, MatchMode::Regex),
    ];
    match TermMatcher::new(&terms) {
        Err(TermMatcherError::InvalidTerm { index: 1, text, .. }) => assert_eq!(text, "["),
        other => panic!("{other:?}"),
    }
    let mut bad = term("x", TermCategory::Other, MatchMode::Word);
    bad.weight = f32::INFINITY;
    assert!(matches!(
        bad.validate(),
        Err(TermProblemKind::WeightNotFinite(_))
    ));
}
