use super::*;
use vigie_model::{BankEntry, EntryRecord, Labels, Position, SignalType, Timestamp};

const PDQ_A: &str = "f162eb9daab170c0567fe3632d9a5548c5612982dd5e374a7424ebbc8a835c95";
const PDQ_B: &str = "b062eb9d2ab170c0567fcb672d9a5548c5612982dd5e374a7424ebbc8b135cb5";
const MD5_A: &str = "0123456789abcdef0123456789abcdef";

fn read(
    text: &str,
    format: ListFormat,
    options: &ListOptions,
) -> (Vec<EntryRecord>, Vec<ListProblem>) {
    let mut records = Vec::new();
    let mut problems = Vec::new();
    read_list(
        &mut text.as_bytes(),
        format,
        options,
        &mut |r| records.push(r),
        &mut |p| problems.push(p),
    )
    .expect("the list is readable");
    (records, problems)
}

#[test]
fn lines_take_typed_and_bare_hashes_and_report_bad_lines_by_number() {
    let text = format!(
        "# a comment\n\npdq {PDQ_A} ideology=x tagged\nvideo_md5 {}\n{MD5_A}\n{PDQ_B}\npdq 12345\nsha1 {MD5_A}\npdq {}\n",
        MD5_A.to_uppercase(),
        PDQ_A.replace('f', "g"),
    );
    let (records, problems) = read(&text, ListFormat::Lines, &ListOptions::default());
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].signal, SignalType::Pdq);
    assert_eq!(records[0].value, PDQ_A);
    assert_eq!(
        records[0].labels.get("ideology").map(String::as_str),
        Some("x")
    );
    assert_eq!(
        records[0].labels.get("tag").map(String::as_str),
        Some("tagged")
    );
    assert_eq!(records[0].provenance.as_deref(), Some("line 3"));
    assert_eq!(records[1].signal, SignalType::Md5);
    assert_eq!(records[1].value, MD5_A, "values are lower-cased");
    assert_eq!(
        records[2].signal,
        SignalType::Md5,
        "a bare 32-digit hash is MD5"
    );
    let lines: Vec<_> = problems.iter().map(|p| p.position.clone()).collect();
    assert_eq!(
        lines,
        [6, 7, 8, 9].map(Position::Line).to_vec(),
        "bare 64 digits, short, unknown type, non-hex: {problems:?}"
    );
    assert!(
        problems[0].reason.contains("PDQ or SHA-256"),
        "{}",
        problems[0].reason
    );
    assert!(
        problems[1].reason.contains("64 hexadecimal digits"),
        "{}",
        problems[1].reason
    );
    assert!(
        problems[2].reason.contains("unknown hash type"),
        "{}",
        problems[2].reason
    );
    assert!(problems[3].reason.contains("'g'"), "{}", problems[3].reason);
}

#[test]
fn a_default_type_applies_to_bare_hashes() {
    let options = ListOptions {
        default_type: Some(SignalType::Pdq),
        ..ListOptions::default()
    };
    let (records, problems) = read(&format!("{PDQ_A}\n{PDQ_B}"), ListFormat::Lines, &options);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r.signal == SignalType::Pdq));
}

#[test]
fn an_overlong_line_is_reported_and_the_next_one_read() {
    let options = ListOptions {
        max_record_bytes: 100,
        ..ListOptions::default()
    };
    let text = format!("pdq {}\npdq {PDQ_A}\n", "a".repeat(500));
    let (records, problems) = read(&text, ListFormat::Lines, &options);
    assert_eq!(records.len(), 1);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].position, Position::Line(1));
    assert!(problems[0].reason.contains("limit"));
}

#[test]
fn tcap_records_carry_labels_deletions_and_ids_in_every_layout() {
    let records = format!(
        r#"[
 {{"id": 17, "hash_digest": "{PDQ_A}", "algorithm": "PDQ", "ideology": "example", "file_type": "image", "deleted": false, "updated_on": "2025-03-01T10:00:00Z"}},
 {{"hash_digest": "{MD5_A}", "algorithm": "MD5", "file_type": "video", "deleted": true}},
 {{"hash_digest": "zz", "algorithm": "PDQ"}},
 {{"hash_digest": "{PDQ_B}", "algorithm": "SHA1"}},
 3
]"#
    );
    let (ok, bad) = read(&records, ListFormat::Tcap, &ListOptions::default());
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[0].value, PDQ_A);
    assert_eq!(ok[0].provenance.as_deref(), Some("tcap:17"));
    assert_eq!(
        ok[0].labels.get("media_type").map(String::as_str),
        Some("image")
    );
    assert_eq!(
        ok[0].labels.get("ideology").map(String::as_str),
        Some("example")
    );
    assert_eq!(
        ok[0].updated_on,
        Some(Timestamp::parse("2025-03-01T10:00:00Z").expect("valid"))
    );
    assert!(!ok[0].deleted);
    assert!(ok[1].deleted);
    assert_eq!(ok[1].signal, SignalType::Md5);
    assert_eq!(ok[1].provenance.as_deref(), Some("$[1]"));
    let where_: Vec<_> = bad.iter().map(|p| p.position.text()).collect();
    assert_eq!(where_, ["$[2]", "$[3]", "$[4]"]);

    // The same records as JSON lines, and wrapped in an object.
    let jsonl = format!(
        "{{\"hash_digest\": \"{PDQ_A}\", \"algorithm\": \"PDQ\"}}\n{{broken\n{{\"hash_digest\": \"{MD5_A}\", \"algorithm\": \"MD5\", \"deleted\": \"true\"}}\n"
    );
    let (ok, bad) = read(&jsonl, ListFormat::Tcap, &ListOptions::default());
    assert_eq!(ok.len(), 2);
    assert!(ok[1].deleted);
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].position, Position::Line(2));
    let wrapped =
        format!("{{\"data\": [{{\"hash_digest\": \"{PDQ_A}\", \"algorithm\": \"pdq\"}}]}}");
    let (ok, bad) = read(&wrapped, ListFormat::Tcap, &ListOptions::default());
    assert_eq!((ok.len(), bad.len()), (1, 0));
}

#[test]
fn a_deeply_nested_tcap_document_is_refused_without_a_crash() {
    let deep = format!("[{}{}]", "[".repeat(10_000), "]".repeat(10_000));
    let mut problems = Vec::new();
    let result = read_list(
        &mut deep.as_bytes(),
        ListFormat::Tcap,
        &ListOptions::default(),
        &mut |_| {},
        &mut |p| problems.push(p),
    );
    assert!(result.is_err() || !problems.is_empty());
}

#[test]
fn csv_finds_columns_by_name_and_keeps_the_rest_as_labels() {
    let text = format!(
        "Hash,Type,Group,file_type,notes,deleted\n{PDQ_A},pdq,G1,image,,no\n{MD5_A},md5,,video,seen twice,yes\nnothex,pdq,,,,\n{PDQ_B},pdq,,,,maybe\n"
    );
    let (ok, bad) = read(&text, ListFormat::Csv, &ListOptions::default());
    assert_eq!(ok.len(), 2);
    assert_eq!(ok[0].labels.get("group").map(String::as_str), Some("G1"));
    assert_eq!(
        ok[0].labels.get("media_type").map(String::as_str),
        Some("image")
    );
    assert!(
        !ok[0].labels.contains_key("notes"),
        "empty cells are no labels"
    );
    assert_eq!(
        ok[1].labels.get("notes").map(String::as_str),
        Some("seen twice")
    );
    assert!(ok[1].deleted);
    assert_eq!(
        bad.iter().map(|p| p.position.clone()).collect::<Vec<_>>(),
        vec![Position::Line(4), Position::Line(5)]
    );
    let no_hash = "a,b\n1,2\n";
    let result = read_list(
        &mut no_hash.as_bytes(),
        ListFormat::Csv,
        &ListOptions::default(),
        &mut |_| {},
        &mut |_| {},
    );
    assert!(matches!(result, Err(ListReadError::NoHashColumn)));
}

fn stored(signal: SignalType, value: &str, labels: &[(&str, &str)], removed: bool) -> BankEntry {
    BankEntry {
        id: 1,
        bank: "b".into(),
        signal,
        value: value.into(),
        labels: labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Labels>(),
        provenance: Some("tcap:9".into()),
        added_at: Timestamp::from_unix_seconds(1_700_000_000),
        updated_at: Timestamp::from_unix_seconds(1_700_000_100),
        removed_at: removed.then(|| Timestamp::from_unix_seconds(1_700_000_200)),
        quarantine: None,
    }
}

#[test]
fn every_format_reads_back_what_it_writes() {
    let entries = vec![
        stored(
            SignalType::Pdq,
            PDQ_A,
            &[("ideology", "x"), ("media_type", "image")],
            false,
        ),
        stored(SignalType::Md5, MD5_A, &[("tag", "t1")], false),
        stored(SignalType::Pdq, PDQ_B, &[], true),
    ];
    for format in ListFormat::ALL {
        let mut out = Vec::new();
        write_list(&mut out, format, &entries).expect("writes to memory");
        let text = String::from_utf8(out).expect("utf-8");
        let (ok, bad) = read(&text, format, &ListOptions::default());
        assert!(bad.is_empty(), "{format:?}: {bad:?}\n{text}");
        let live: Vec<_> = ok.iter().filter(|r| !r.deleted).collect();
        assert_eq!(live.len(), 2, "{format:?}\n{text}");
        for (r, e) in live.iter().zip(&entries) {
            assert_eq!(
                (r.signal, r.value.as_str()),
                (e.signal, e.value.as_str()),
                "{format:?}"
            );
            if format != ListFormat::ThreatExchange {
                // python-threatexchange's lines carry no labels (they go in a side file, tested below).
                assert_eq!(r.labels, e.labels, "{format:?}\n{text}");
            }
        }
        if format == ListFormat::Tcap {
            assert!(ok[2].deleted, "TCAP carries the removal");
            assert_eq!(ok[0].provenance.as_deref(), Some("tcap:9"));
        }
    }
}

#[test]
fn python_threatexchange_dataset_csv_reads_with_crlf_lines_numbered_as_opened() {
    // The header and rows as `threatexchange dataset -P --csv` writes them: CRLF, its type names, tags.
    let text = format!(
        "signal_type,signal_str,collab,category,tags\r\nraw_text,some words,Sample Signals,INVESTIGATION_SEED,\r\n\
         pdq,{PDQ_A},Sample Signals,INVESTIGATION_SEED,a b\r\nvideo_md5,{MD5_A},Sample Signals,INVESTIGATION_SEED,\r\n\
         video_sha256,{PDQ_B},Sample Signals,INVESTIGATION_SEED,\r\n"
    );
    let (records, problems) = read(&text, ListFormat::Csv, &ListOptions::default());
    assert_eq!(records.len(), 3, "{problems:?}");
    assert_eq!(
        (records[0].signal, records[0].value.as_str()),
        (SignalType::Pdq, PDQ_A)
    );
    assert_eq!(
        records[0].labels.get("collab").map(String::as_str),
        Some("Sample Signals")
    );
    assert_eq!(
        records[0].labels.get("tags").map(String::as_str),
        Some("a b")
    );
    assert_eq!(records[1].signal, SignalType::Md5);
    assert_eq!(records[2].signal, SignalType::Sha256);
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].position,
        Position::Line(2),
        "the raw_text row is on line 2"
    );
    assert!(
        problems[0].reason.contains("raw_text"),
        "{}",
        problems[0].reason
    );
}

#[test]
fn threatexchange_lines_carry_nothing_after_the_hash_and_labels_go_beside() {
    let entry = |signal, value: &str, labels: &[(&str, &str)]| BankEntry {
        id: 1,
        bank: "b".into(),
        signal,
        value: value.to_owned(),
        labels: labels
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        provenance: Some("line 3".into()),
        added_at: Timestamp(0),
        updated_at: Timestamp(0),
        removed_at: None,
        quarantine: None,
    };
    let entries = [
        entry(SignalType::Pdq, PDQ_A, &[("ideology", "x y")]),
        entry(SignalType::Md5, MD5_A, &[]),
    ];
    let mut out = Vec::new();
    write_list(&mut out, ListFormat::ThreatExchange, &entries).expect("written");
    let text = String::from_utf8(out).expect("utf-8");
    assert_eq!(text, format!("pdq {PDQ_A}\nvideo_md5 {MD5_A}\n"));
    // Read back as lines, the same hashes.
    let (records, problems) = read(&text, ListFormat::ThreatExchange, &ListOptions::default());
    assert!(problems.is_empty());
    assert_eq!(records.len(), 2);
    let mut side = Vec::new();
    write_threatexchange_labels(&mut side, &entries).expect("written");
    let (back, problems) = read(
        &String::from_utf8(side).expect("utf-8"),
        ListFormat::Csv,
        &ListOptions::default(),
    );
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        back[0].labels.get("ideology").map(String::as_str),
        Some("x y")
    );
    assert_eq!(back[0].provenance.as_deref(), Some("line 3"));
    assert_eq!(
        ListFormat::parse("threatexchange"),
        Some(ListFormat::ThreatExchange)
    );
}

#[test]
fn regression_19_labels_that_are_not_strings_are_kept_as_text() {
    let records = format!(
        r#"[{{"hash_digest": "{PDQ_A}", "algorithm": "PDQ", "ideology": ["a", "b"],
            "labels": {{"verified": true, "score": 0.75, "meta": {{"source": "x"}}, "empty": "", "none": null}}}}]"#
    );
    let (ok, bad) = read(&records, ListFormat::Tcap, &ListOptions::default());
    assert!(bad.is_empty(), "{bad:?}");
    let label = |k: &str| ok[0].labels.get(k).map(String::as_str);
    assert_eq!(label("verified"), Some("true"));
    assert_eq!(label("score"), Some("0.75"));
    assert_eq!(label("meta"), Some(r#"{"source":"x"}"#));
    assert_eq!(label("ideology"), Some("a,b"));
    assert_eq!((label("empty"), label("none")), (None, None));
}
