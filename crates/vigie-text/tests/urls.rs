//! URL canonicalization rule by rule, its idempotence, link extraction with positions, and domain
//! lists matched on label boundaries.

use proptest::prelude::*;
use vigie_text::{
    DomainEntry, DomainList, DomainListError, DomainProblemKind, canonicalize_url,
    extract_urls_canonical,
};

fn canon(raw: &str) -> Option<String> {
    canonicalize_url(raw).map(|c| c.url)
}

#[test]
fn trailing_punctuation() {
    for raw in [
        "https://example.org/a.",
        "https://example.org/a,",
        "https://example.org/a;",
        "https://example.org/a:",
        "https://example.org/a!",
        "https://example.org/a?",
        "https://example.org/a)",
        "https://example.org/a]",
        "https://example.org/a}",
        "https://example.org/a\"",
        "https://example.org/a'",
        "https://example.org/a»",
        "https://example.org/a...",
        "(https://example.org/a)",
        "«https://example.org/a»",
        "  https://example.org/a).  ",
    ] {
        assert_eq!(
            canon(raw).as_deref(),
            Some("https://example.org/a"),
            "{raw}"
        );
    }
    // Balanced brackets belong to the link.
    assert_eq!(
        canon("https://en.example.org/wiki/A_(b)").as_deref(),
        Some("https://en.example.org/wiki/A_(b)")
    );
    assert_eq!(
        canon("(see https://en.example.org/wiki/A_(b))").as_deref(),
        None,
        "text before the link is not a link"
    );
}

#[test]
fn scheme_less_www() {
    assert_eq!(
        canon("www.Example.org/path").as_deref(),
        Some("https://www.example.org/path")
    );
    assert_eq!(
        canon("WWW.example.org").as_deref(),
        Some("https://www.example.org/")
    );
    assert_eq!(canon("example.org/path"), None);
    assert_eq!(canon("mailto:someone@example.org"), None);
    assert_eq!(canon("javascript:alert(1)"), None);
}

#[test]
fn scheme_host_port_fragment() {
    assert_eq!(
        canon("HTTP://EXAMPLE.org:80/A/b?C=D#Frag").as_deref(),
        Some("http://example.org/A/b?C=D")
    );
    assert_eq!(
        canon("https://example.org:443").as_deref(),
        Some("https://example.org/")
    );
    assert_eq!(
        canon("https://example.org:8443/").as_deref(),
        Some("https://example.org:8443/")
    );
    assert_eq!(
        canon("https://example.org./x").as_deref(),
        Some("https://example.org/x")
    );
    assert_eq!(
        canon("https://example.org/a/./b/../c").as_deref(),
        Some("https://example.org/a/c")
    );
    assert_eq!(
        canon("https://example.org/#").as_deref(),
        Some("https://example.org/")
    );
}

#[test]
fn punycode_hosts() {
    let c = canonicalize_url("https://Bücher.example/straße").expect("a valid URL");
    assert_eq!(c.host, "xn--bcher-kva.example");
    assert_eq!(c.url, "https://xn--bcher-kva.example/stra%C3%9Fe");
    let arabic = canonicalize_url("https://مثال.إختبار/").expect("a valid URL");
    assert!(
        arabic.host.starts_with("xn--") && arabic.host.is_ascii(),
        "{}",
        arabic.host
    );
    // Already punycode: unchanged.
    assert_eq!(
        canon("https://xn--bcher-kva.example/").as_deref(),
        Some("https://xn--bcher-kva.example/")
    );
}

#[test]
fn tracking_parameters() {
    assert_eq!(
        canon("https://example.org/p?utm_source=a&id=7&UTM_Medium=b&fbclid=x&gclid=y&x=1#top")
            .as_deref(),
        Some("https://example.org/p?id=7&x=1")
    );
    assert_eq!(
        canon("https://example.org/p?igshid=1&si=2&mc_cid=3&mc_eid=4&ref_src=5").as_deref(),
        Some("https://example.org/p")
    );
    assert_eq!(
        canon("https://example.org/p?").as_deref(),
        Some("https://example.org/p")
    );
    assert_eq!(
        canon("https://example.org/p?a=1&&b=2&").as_deref(),
        Some("https://example.org/p?a=1&b=2")
    );
    // `s` and `t` track only on Twitter and X.
    assert_eq!(
        canon("https://x.com/someone/status/1?s=20&t=abc").as_deref(),
        Some("https://x.com/someone/status/1")
    );
    assert_eq!(
        canon("https://mobile.twitter.com/someone/status/1?s=20").as_deref(),
        Some("https://mobile.twitter.com/someone/status/1")
    );
    assert_eq!(
        canon("https://example.org/search?s=term&t=30").as_deref(),
        Some("https://example.org/search?s=term&t=30")
    );
    assert_eq!(
        canon("https://notx.com/a?s=1").as_deref(),
        Some("https://notx.com/a?s=1")
    );
    // Removing the query can expose punctuation; it goes too.
    assert_eq!(
        canon("https://example.org/a.?utm_source=x").as_deref(),
        Some("https://example.org/a")
    );
}

#[test]
fn percent_escapes() {
    assert_eq!(
        canon("https://example.org/a%2fb%c3%a9?q=%e2%9c%93").as_deref(),
        Some("https://example.org/a%2Fb%C3%A9?q=%E2%9C%93")
    );
    assert_eq!(
        canon("https://example.org/a b").as_deref(),
        Some("https://example.org/a%20b")
    );
    assert_eq!(
        canon("https://example.org/é").as_deref(),
        Some("https://example.org/%C3%A9")
    );
    // A lone `%` is left alone.
    assert_eq!(
        canon("https://example.org/100%").as_deref(),
        Some("https://example.org/100%")
    );
}

#[test]
fn extraction_with_positions() {
    let text = "Voir (https://Example.org/a?utm_source=x). et www.exemple.fr/b, puis \
                «https://t.example/x» et me@www.mail.example ou https:// rien. تفاصيل: https://مثال.إختبار/ص";
    let found = extract_urls_canonical(text);
    let summary: Vec<(&str, &str)> = found
        .iter()
        .map(|(range, c)| (&text[range.clone()], c.url.as_str()))
        .collect();
    assert_eq!(summary.len(), 4, "{summary:?}");
    assert_eq!(
        summary[0],
        (
            "https://Example.org/a?utm_source=x",
            "https://example.org/a"
        )
    );
    assert_eq!(summary[1], ("www.exemple.fr/b", "https://www.exemple.fr/b"));
    assert_eq!(summary[2], ("https://t.example/x", "https://t.example/x"));
    assert_eq!(summary[3].0, "https://مثال.إختبار/ص");
    assert!(extract_urls_canonical("no links here").is_empty());
}

fn entry(domain: &str, category: &str) -> DomainEntry {
    DomainEntry {
        domain: domain.to_owned(),
        category: category.to_owned(),
        weight: 0.5,
        note: None,
    }
}

#[test]
fn domains_match_on_label_boundaries() {
    let list = DomainList::new([
        entry("example.org", "file_host"),
        entry("*.Sub.Example.NET.", "outlet"),
        entry("bücher.example", "other"),
    ])
    .expect("valid entries");
    assert_eq!(list.len(), 3);
    assert_eq!(
        list.find("example.org").map(|e| e.category.as_str()),
        Some("file_host")
    );
    assert_eq!(
        list.find("files.example.org").map(|e| e.category.as_str()),
        Some("file_host")
    );
    assert_eq!(
        list.find("A.B.EXAMPLE.ORG.").map(|e| e.category.as_str()),
        Some("file_host")
    );
    assert!(list.find("badexample.org").is_none());
    assert!(list.find("example.org.evil.test").is_none());
    assert!(list.find("org").is_none());
    assert_eq!(
        list.find("x.sub.example.net").map(|e| e.domain.as_str()),
        Some("sub.example.net")
    );
    assert!(list.find("example.net").is_none());
    assert_eq!(
        list.find("www.Bücher.example").map(|e| e.domain.as_str()),
        Some("xn--bcher-kva.example")
    );
    assert_eq!(
        list.find("xn--bcher-kva.example")
            .map(|e| e.category.as_str()),
        Some("other")
    );
    // The most specific listed domain wins.
    let nested = DomainList::new([entry("example.org", "a"), entry("cdn.example.org", "b")])
        .expect("valid entries");
    assert_eq!(
        nested
            .find("x.cdn.example.org")
            .map(|e| e.category.as_str()),
        Some("b")
    );
    assert_eq!(
        nested.find("www.example.org").map(|e| e.category.as_str()),
        Some("a")
    );
}

#[test]
fn domain_entries_are_checked() {
    match DomainList::new([
        entry("example.org", "a"),
        entry("https://example.com/x", "b"),
    ]) {
        Err(DomainListError::InvalidEntry {
            index: 1,
            kind: DomainProblemKind::BadDomain { .. },
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        DomainList::new([entry("example.org", "a"), entry("EXAMPLE.org", "b")]),
        Err(DomainListError::InvalidEntry {
            kind: DomainProblemKind::Duplicate(_),
            ..
        })
    ));
    assert!(DomainList::new([entry("192.168.0.1", "a")]).is_err());
    assert!(DomainList::new([entry("example.org", " ")]).is_err());
}

#[test]
fn domain_csv_with_problems() {
    let csv = "domain,category,weight,note\n\
               files.example,file_host,0.8,\"shared, public\"\n\
               ,file_host,,\n\
               bad domain.example,file_host,,\n\
               other.example,outlet,heavy,\n\
               files.example,file_host,,\n\
               short.example,other\n\
               noweight.example,,\n";
    let parsed = DomainList::parse_csv(csv).expect("a valid header");
    let domains: Vec<&str> = parsed
        .list
        .entries()
        .iter()
        .map(|e| e.domain.as_str())
        .collect();
    assert_eq!(domains, ["files.example", "short.example"]);
    assert_eq!(
        parsed.list.entries()[0].note.as_deref(),
        Some("shared, public")
    );
    assert_eq!(parsed.list.entries()[1].weight, 1.0);
    let lines: Vec<u64> = parsed.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [3, 4, 5, 6, 8]);
    assert!(matches!(
        parsed.problems[3].kind,
        DomainProblemKind::Duplicate(_)
    ));
    assert!(matches!(
        parsed.problems[4].kind,
        DomainProblemKind::MissingCategory
    ));
    assert!(matches!(
        DomainList::parse_csv("host,category\n"),
        Err(DomainListError::CsvHeader { .. })
    ));
}

fn url_strategy() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(vec!["http://", "https://", "HTTPS://", "", "hTTp://"]);
    let label = prop::sample::select(vec![
        "example",
        "Bücher",
        "пример",
        "مثال",
        "xn--bcher-kva",
        "a-b",
        "www",
        "t",
        "EXAMPLE",
        "x1",
    ]);
    let tld = prop::sample::select(vec!["org", "com", "x", "fr", "example"]);
    let port = prop::sample::select(vec!["", ":80", ":443", ":8080"]);
    let segment = "[a-zA-Z0-9._~()!$'*,;=:@%-]{0,8}|%[0-9a-fA-F]{2}|é|\\.\\.|\\.";
    let path = prop::collection::vec(segment, 0..4);
    let key = prop::sample::select(vec![
        "utm_source",
        "id",
        "s",
        "t",
        "fbclid",
        "q",
        "SI",
        "a b",
        "",
    ]);
    let value = "[a-z0-9%.()]{0,5}";
    let query = prop::collection::vec((key, value), 0..4);
    let fragment = prop::sample::select(vec!["", "#", "#top", "#a.b"]);
    let tail = prop::sample::select(vec!["", ".", ")", "?", "!", "»", "..."]);
    (
        scheme,
        prop::collection::vec(label, 1..3),
        tld,
        port,
        path,
        query,
        fragment,
        tail,
    )
        .prop_map(|(scheme, labels, tld, port, path, query, fragment, tail)| {
            let scheme = if scheme.is_empty() { "www." } else { scheme };
            let mut url = format!("{scheme}{}.{tld}{port}", labels.join("."));
            for segment in path {
                url.push('/');
                url.push_str(&segment);
            }
            if !query.is_empty() {
                url.push('?');
                let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
                url.push_str(&pairs.join("&"));
            }
            url.push_str(fragment);
            url.push_str(tail);
            url
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn canonicalization_is_idempotent(raw in url_strategy()) {
        if let Some(first) = canonicalize_url(&raw) {
            let second = canonicalize_url(&first.url);
            prop_assert_eq!(second.as_ref(), Some(&first), "raw {:?}", raw);
            prop_assert!(first.url.is_ascii());
            prop_assert!(!first.url.contains('#'));
            prop_assert!(!first.url.contains("utm_"));
        }
    }

    #[test]
    fn canonicalization_never_panics(raw in any::<String>()) {
        if let Some(first) = canonicalize_url(&raw) {
            let second = canonicalize_url(&first.url);
            prop_assert_eq!(second.as_ref(), Some(&first), "raw {:?}", raw);
        }
    }

    #[test]
    fn extraction_ranges_are_valid(prefix in "[a-zé ]{0,10}", raw in url_strategy(), suffix in "[ .,a-z]{0,10}") {
        let text = format!("{prefix} {raw}{suffix}");
        for (range, canonical) in extract_urls_canonical(&text) {
            prop_assert!(text.is_char_boundary(range.start) && text.is_char_boundary(range.end));
            let again = canonicalize_url(&text[range]);
            prop_assert_eq!(again.as_ref(), Some(&canonical));
        }
    }
}
