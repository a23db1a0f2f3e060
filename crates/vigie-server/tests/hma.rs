//! HMA 2.0's API (hasher-matcher-actioner, "OpenMediaMatch") driven as HMA's own test suite and clients drive
//! it: the same requests (paths, query strings, JSON bodies, multipart uploads named after the content type)
//! and the same expected answers (status codes, exact JSON bodies, `{"message": ...}` errors), over a fresh
//! store per test, as HMA's tests start from fresh tables. Where Vigie differs on purpose (no fetching of URLs,
//! a bank's ratio is matched or not), the test says so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::net::SocketAddr;
use tower::ServiceExt;
use vigie_model::{Role, Timestamp};
use vigie_review::{hash_password, random_hex, secret_hash};
use vigie_server::pool::Pool;
use vigie_server::{AppState, ServerConfig, router};
use vigie_store::Actor;

/// The sixteen PDQ examples python-threatexchange ships (`PdqSignal.get_examples()`), in order: the first twelve
/// are near each other, the last four far from everything.
const PDQ_EXAMPLES: [&str; 16] = [
    "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
    "f8f8f0cee0f4a84f06370a2a038f63f0b36e26d596621e1d33e6b39c4e9c9b22",
    "f8f8f0cee0f4a84f0637022a038f67f0b36e26d596621e1d33e6b39c4e9c9b22",
    "f8f8f0cee0f4a84f06370a2a068f67f0b36e26d596621e1d33e6339c4e9c9b22",
    "f8f8f0cee0f4a84f06370a22038f67f0b36e2ed596221e1d33e6b39c4e9c9b22",
    "f8f8f0cee0f4a84f0e370a22038f67f0b36e2ed596221e1d33e6b39c4a9c9b22",
    "d8f8f0cec0f4a84f8e370a22038f67f0b36a2ed597231e1d72e6b39c4a9c9b22",
    "f8f8f0cee0f4a84f06370a22038f67f0b36e2ed596621e1d33e6339c4e9c9b22",
    "d0f8f1ccc0f4a84d0a370a3a228f67f0b36e2ed5b6623e1d33e6339c4e9c9b22",
    "d8f8f1eec0f4a84f0e37022a078f63f0b36e2ed596621e1d33e6239c4e9c9b22",
    "d8f8f0cec4f4a84f0637022a078f67f0b36e2ee5b6621e1d33e6239c4e9c9b22",
    "d8f8f0cec0f4a84f0637022a278f67f0b36e2ed596621e1d33e6339c4e9c9b22",
    "e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064",
    "6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d",
    "c186f9619659658c4b6916daf934496985f4259c72c39676ab9edb631c3c349c",
    "62c9789627838f69f23cf98c29e37836d61c87c31c59587c4b49a783f496725c",
];

/// A fresh store with an administrator and a viewer, each with an API token, and the router over it.
struct Hma {
    _dir: tempfile::TempDir,
    app: Router,
    admin: String,
    viewer: String,
}

impl Hma {
    fn new(config: ServerConfig) -> Hma {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("vigie.db").display().to_string();
        let mut store = vigie_store::open(&db, None).unwrap();
        let actor = Actor::cli("test");
        let mut tokens = Vec::new();
        for role in [Role::Admin, Role::Viewer] {
            let user = store
                .add_user(
                    role.as_str(),
                    role,
                    &hash_password("a long password"),
                    &actor,
                )
                .unwrap();
            let token = format!("vigie_{}", random_hex(32));
            store
                .create_token(user.id, "hma", &secret_hash(&token), &token[..14], &actor)
                .unwrap();
            tokens.push(token);
        }
        drop(store);
        let _ = Timestamp::now();
        let pool = Pool::new(2, move || vigie_store::open(&db, None)).unwrap();
        let matching = vigie_engine::MatchConfig {
            index_dir: Some(dir.path().join("vigie-index")),
            ..vigie_engine::MatchConfig::default()
        };
        let state = AppState::new(pool, config)
            .with_matching(matching, vigie_media::MediaLimits::default());
        let app = router(state).layer(axum::Extension(ConnectInfo(SocketAddr::from((
            [127, 0, 0, 1],
            40000,
        )))));
        Hma {
            _dir: dir,
            app,
            admin: tokens[0].clone(),
            viewer: tokens[1].clone(),
        }
    }

    async fn send(
        &self,
        token: &str,
        req: axum::http::request::Builder,
        body: Body,
    ) -> (StatusCode, Value) {
        let req = req
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(body)
            .unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, value)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(&self.admin, Request::get(path), Body::empty())
            .await
    }

    async fn json(&self, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(
            &self.admin,
            Request::builder()
                .method(method)
                .uri(path)
                .header(header::CONTENT_TYPE, "application/json"),
            Body::from(body.to_string()),
        )
        .await
    }

    async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(&self.admin, Request::delete(path), Body::empty())
            .await
    }

    /// A multipart upload as HMA's clients send it: the file in the part named after its content type, then
    /// text fields.
    async fn upload(
        &self,
        path: &str,
        part: &str,
        bytes: &[u8],
        fields: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let boundary = "vigie-test-boundary-7d1f";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{part}\"; filename=\"upload.jpg\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.send(
            &self.admin,
            Request::post(path).header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            ),
            Body::from(body),
        )
        .await
    }

    async fn create_bank(&self, name: &str) {
        let (s, body) = self.json("POST", "/c/banks", json!({"name": name})).await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        assert_eq!(body, json!({"matching_enabled_ratio": 1.0, "name": name}));
    }
}

/// HMA's test images: a 128x128 checkerboard (white where `(x / cell + y / cell)` is odd), as JPEG.
fn checkerboard(cell: u32) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(128 * 128 * 3);
    for y in 0..128u32 {
        for x in 0..128u32 {
            let v = if (x / cell + y / cell) % 2 == 1 {
                255
            } else {
                0
            };
            rgb.extend_from_slice(&[v, v, v]);
        }
    }
    vigie_sample::encode_jpeg(&rgb, 128, 128, 75).unwrap()
}

fn pdq_of(bytes: &[u8]) -> String {
    let hashes = vigie_engine::hash_bytes(
        bytes,
        &vigie_media::MediaLimits::default(),
        &mut vigie_pdq::Hasher::new(),
        false,
    );
    hashes.image.unwrap().unwrap().pdq.to_hex()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn banks_are_created_listed_renamed_and_deleted() {
    let hma = Hma::new(ServerConfig::default());
    assert_eq!(hma.get("/c/banks").await, (StatusCode::OK, json!([])));
    for bad in ["01_TEST_BANK", "my_test_bank"] {
        let (s, body) = hma.json("POST", "/c/banks", json!({"name": bad})).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(
            body,
            json!({"message": "Bank names must be UPPER_WITH_UNDERSCORE"})
        );
    }
    hma.create_bank("MY_TEST_BANK_01").await;
    assert_eq!(
        hma.get("/c/banks").await,
        (
            StatusCode::OK,
            json!([{"matching_enabled_ratio": 1.0, "name": "MY_TEST_BANK_01"}])
        )
    );
    let (s, body) = hma
        .json("POST", "/c/banks", json!({"name": "MY_TEST_BANK_01"}))
        .await;
    assert_eq!(
        (s, body),
        (
            StatusCode::FORBIDDEN,
            json!({"message": "Bank already exists"})
        )
    );
    assert_eq!(
        hma.get("/c/bank/MY_TEST_BANK_01").await.1,
        json!({"matching_enabled_ratio": 1.0, "name": "MY_TEST_BANK_01"})
    );
    assert_eq!(
        hma.get("/c/bank/NOPE").await,
        (
            StatusCode::NOT_FOUND,
            json!({"message": "bank 'NOPE' not found"})
        )
    );

    // Update: a bad name, a rename, disabled, enabled by ratio.
    hma.create_bank("MY_TEST_BANK").await;
    let (s, _) = hma
        .json(
            "PUT",
            "/c/bank/MY_TEST_BANK",
            json!({"name": "1_invalid_name"}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, body) = hma
        .json(
            "PUT",
            "/c/bank/MY_TEST_BANK",
            json!({"name": "MY_TEST_BANK_RENAMED"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["name"], "MY_TEST_BANK_RENAMED");
    let (s, _) = hma
        .json(
            "PUT",
            "/c/bank/MY_TEST_BANK_RENAMED",
            json!({"name": "MY_TEST_BANK_01"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a taken name");
    let (_, body) = hma
        .json(
            "PUT",
            "/c/bank/MY_TEST_BANK_RENAMED",
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(body["matching_enabled_ratio"], 0.0);
    // Vigie matches a bank or does not: a ratio above 0 enables it (HMA would keep 0.5 and flip a coin).
    let (_, body) = hma
        .json(
            "PUT",
            "/c/bank/MY_TEST_BANK_RENAMED",
            json!({"enabled_ratio": 0.5}),
        )
        .await;
    assert_eq!(body["matching_enabled_ratio"], 1.0);

    // Delete, twice: both answer Done.
    for _ in 0..2 {
        assert_eq!(
            hma.delete("/c/bank/MY_TEST_BANK_RENAMED").await,
            (StatusCode::OK, json!({"message": "Done"}))
        );
    }
    assert_eq!(
        hma.get("/c/banks").await.1.as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hashes_added_then_found_as_in_hmas_end_to_end_test() {
    let hma = Hma::new(ServerConfig::default());
    hma.create_bank("TEST_BANK").await;
    for (i, pdq) in PDQ_EXAMPLES.iter().enumerate() {
        let (s, body) = hma
            .json("POST", "/c/bank/TEST_BANK/signal", json!({"pdq": pdq}))
            .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body, json!({"id": i + 1, "signals": {"pdq": pdq}}));
    }
    let (s, status) = hma.get("/m/index/status?signal_type=pdq").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(status["pdq"]["present"], true, "{status}");
    assert_eq!(status["pdq"]["size"], 16, "{status}");
    assert!(status.get("video_md5").is_none(), "{status}");
    assert_eq!(
        hma.get(&format!(
            "/m/lookup?signal_type=pdq&signal={}",
            PDQ_EXAMPLES[15]
        ))
        .await,
        (
            StatusCode::OK,
            json!({"TEST_BANK": [{"bank_content_id": 16, "distance": "0"}]})
        )
    );
    assert_eq!(
        hma.get(&format!(
            "/m/lookup?signal_type=pdq&signal={}",
            "5".repeat(64)
        ))
        .await,
        (StatusCode::OK, json!({}))
    );
    // The first example is within 31 bits of the first twelve.
    let (_, raw) = hma
        .get(&format!(
            "/m/raw_lookup?signal_type=pdq&signal={}",
            PDQ_EXAMPLES[0]
        ))
        .await;
    let mut ids: Vec<i64> = raw["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=12).collect::<Vec<_>>());

    // Errors, in HMA's shape.
    assert_eq!(
        hma.get("/m/lookup?signal_type=tmk&signal=00").await,
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "No such SignalType 'tmk'"})
        )
    );
    assert_eq!(
        hma.get("/m/lookup?signal_type=pdq&signal=F8F8").await,
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "invalid signal: invalid PDQ hash"})
        )
    );
    assert_eq!(
        hma.get("/m/lookup?signal_type=pdq").await,
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "Either url or both signal and signal_type are required"})
        )
    );
    assert_eq!(
        hma.get("/m/raw_lookup?signal_type=pdq").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (s, body) = hma
        .json("POST", "/c/bank/TEST_BANK/signal", json!({"pdq": "abc"}))
        .await;
    assert_eq!(
        (s, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "Invalid pdq signal: invalid PDQ hash"})
        )
    );
    let (s, body) = hma
        .json("POST", "/c/bank/TEST_BANK/signal", json!({"tlsh": "abc"}))
        .await;
    assert_eq!(
        (s, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "No such signal type tlsh"})
        )
    );
    let (s, body) = hma
        .json(
            "POST",
            "/c/bank/TEST_BANK/signal",
            json!({"note": "nothing"}),
        )
        .await;
    assert_eq!(
        (s, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "No signals given"})
        )
    );
    let (s, _) = hma
        .json(
            "POST",
            "/c/bank/NO_BANK/signal",
            json!({"pdq": PDQ_EXAMPLES[0]}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Compare: the two hashes of HMA's compare test are 9 bits apart.
    let (s, body) = hma
        .json(
            "POST",
            "/m/compare",
            json!({"pdq": [
                "facd8bcb2a49bcebdec1985298d5fe84bcd006c187c598c720c3c087b3fdb318",
                "facd8bcb2a49bcebdec1985228d5ae84bcd006c187c598c720c2b087b3fdb318"
            ]}),
        )
        .await;
    assert_eq!(
        (s, body),
        (StatusCode::OK, json!({"pdq": [true, {"distance": 9}]}))
    );
    let (s, body) = hma.json("POST", "/m/compare", json!({"pdq": ["a"]})).await;
    assert_eq!(
        (s, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "Comparison hash list length must be exactly 2"})
        )
    );
    assert_eq!(
        hma.json("POST", "/m/compare", json!({})).await,
        (StatusCode::OK, json!({}))
    );

    // The reference's other reads.
    assert_eq!(
        hma.get("/c/signal_type").await.1,
        json!([{"name": "pdq", "enabled_ratio": 1.0}, {"name": "video_md5", "enabled_ratio": 1.0}])
    );
    assert_eq!(
        hma.get("/c/content_type").await.1,
        json!([{"name": "photo", "enabled": true}, {"name": "video", "enabled": true}])
    );
    let (_, index) = hma.get("/c/signal_type/index").await;
    assert_eq!(index["pdq"]["db_size"], 16, "{index}");
    assert_eq!(index["pdq"]["index_out_of_date"], false, "{index}");
    assert_eq!(
        hma.get("/status").await,
        (StatusCode::OK, json!("I-AM-ALIVE"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_filter_by_bank_as_hmas_match_tests_do() {
    let hma = Hma::new(ServerConfig::default());
    for bank in ["BANK_A", "BANK_B", "BANK_C"] {
        hma.create_bank(bank).await;
        let (s, _) = hma
            .json(
                "POST",
                &format!("/c/bank/{bank}/signal"),
                json!({"pdq": PDQ_EXAMPLES[0]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
    }
    let raw = |banks: &str, distance: bool| {
        format!(
            "/m/raw_lookup?signal={}&signal_type=pdq{}{}",
            PDQ_EXAMPLES[0],
            if banks.is_empty() {
                String::new()
            } else {
                format!("&banks={banks}")
            },
            if distance {
                "&include_distance=True"
            } else {
                ""
            }
        )
    };
    let count = |v: &Value| v["matches"].as_array().map_or(0, Vec::len);
    assert_eq!(count(&hma.get(&raw("", false)).await.1), 3);
    assert_eq!(count(&hma.get(&raw("BANK_A", false)).await.1), 1);
    assert_eq!(count(&hma.get(&raw("BANK_A,BANK_B", false)).await.1), 2);
    let (s, none) = hma.get(&raw("NON_EXISTENT_BANK", false)).await;
    assert_eq!((s, count(&none)), (StatusCode::OK, 0));
    let (_, with) = hma.get(&raw("BANK_A,BANK_B", true)).await;
    assert_eq!(count(&with), 2);
    for m in with["matches"].as_array().unwrap() {
        assert_eq!(m["distance"], "0", "{with}");
        assert!(m["bank_content_id"].is_i64(), "{with}");
    }

    let lookup = |banks: &str| {
        format!(
            "/m/lookup?signal={}&signal_type=pdq{}",
            PDQ_EXAMPLES[0],
            if banks.is_empty() {
                String::new()
            } else {
                format!("&banks={banks}")
            }
        )
    };
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&hma.get(&lookup("")).await.1),
        ["BANK_A", "BANK_B", "BANK_C"]
    );
    assert_eq!(keys(&hma.get(&lookup("BANK_A")).await.1), ["BANK_A"]);
    assert_eq!(
        keys(&hma.get(&lookup("BANK_A,BANK_C")).await.1),
        ["BANK_A", "BANK_C"]
    );
    assert_eq!(
        hma.get(&lookup("NON_EXISTENT_BANK")).await,
        (StatusCode::OK, json!({}))
    );

    // A disabled bank is not matched by /m/lookup, still found by /m/raw_lookup.
    hma.json("PUT", "/c/bank/BANK_B", json!({"enabled": false}))
        .await;
    assert_eq!(keys(&hma.get(&lookup("")).await.1), ["BANK_A", "BANK_C"]);
    assert_eq!(count(&hma.get(&raw("", false)).await.1), 3);

    // Reading and matching take any role; curation takes an administrator, as Vigie's other bank changes.
    let (s, _) = hma
        .send(
            &hma.viewer,
            Request::get(lookup("").as_str()),
            Body::empty(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = hma
        .send(
            &hma.viewer,
            Request::post("/c/banks").header(header::CONTENT_TYPE, "application/json"),
            Body::from(json!({"name": "VIEWER_BANK"}).to_string()),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let res = hma
        .app
        .clone()
        .oneshot(Request::get(lookup("")).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "no token, no lookup"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_is_uploaded_hashed_read_changed_and_deleted() {
    let hma = Hma::new(ServerConfig::default());
    let image1 = checkerboard(8);
    let image2 = checkerboard(16);
    let (pdq1, pdq2) = (pdq_of(&image1), pdq_of(&image2));

    // Hashing an upload: the part's name is the content type.
    assert_eq!(
        hma.upload("/h/hash", "photo", &image1, &[]).await,
        (StatusCode::OK, json!({"pdq": pdq1}))
    );
    let (s, body) = hma.upload("/h/hash", "video", &image1, &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["video_md5"].as_str().map(str::len), Some(32));
    let (s, body) = hma.upload("/h/hash", "file", &image1, &[]).await;
    assert_eq!(
        (s, body),
        (
            StatusCode::BAD_REQUEST,
            json!({"message": "no such content_type: 'file'"})
        )
    );
    let (s, body) = hma.get("/h/hash?url=https://example.com/a.jpg").await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "this server fetches nothing: {body}"
    );

    // Adding content by upload, as HMA's add_hash_to_bank does by URL: `{"id", "signals"}`.
    hma.create_bank("NEW_BANK").await;
    assert_eq!(
        hma.upload("/c/bank/NEW_BANK/content", "photo", &image1, &[])
            .await,
        (StatusCode::OK, json!({"id": 1, "signals": {"pdq": pdq1}}))
    );
    assert_eq!(
        hma.upload(
            "/c/bank/NEW_BANK/content",
            "photo",
            &image2,
            &[("note", "Reported by user X")]
        )
        .await,
        (StatusCode::OK, json!({"id": 2, "signals": {"pdq": pdq2}}))
    );
    let (s, _) = hma
        .upload(
            "/c/bank/NEW_BANK/content",
            "photo",
            &image1,
            &[("metadata", r#"{"invalid_metadata": 5}"#)],
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = hma
        .upload(
            "/c/bank/NEW_BANK/content",
            "photo",
            &image1,
            &[("note", &"x".repeat(256))],
        )
        .await;
    assert_eq!(
        s,
        StatusCode::BAD_REQUEST,
        "a note of more than 255 characters"
    );
    for (pdq, id) in [(&pdq1, 1), (&pdq2, 2)] {
        assert_eq!(
            hma.get(&format!("/m/raw_lookup?signal_type=pdq&signal={pdq}"))
                .await,
            (StatusCode::OK, json!({"matches": [id]}))
        );
    }
    // An uploaded photo is matched, by signal type then bank.
    assert_eq!(
        hma.upload("/m/lookup", "photo", &image1, &[]).await,
        (
            StatusCode::OK,
            json!({"pdq": {"NEW_BANK": [{"bank_content_id": 1, "distance": "0"}]}})
        )
    );

    // Reading: signals only when asked, note and metadata only when set.
    let (s, got) = hma.get("/c/bank/NEW_BANK/content/1").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        got,
        json!({"id": 1, "disable_until_ts": 1, "original_media_uri": null,
               "bank": {"name": "NEW_BANK", "matching_enabled_ratio": 1.0}})
    );
    let (_, got) = hma
        .get("/c/bank/NEW_BANK/content/1?include_signals=true")
        .await;
    assert_eq!(got["signals"], json!({"pdq": pdq1}));
    assert_eq!(
        hma.get("/c/bank/NEW_BANK/content/2").await.1["note"],
        "Reported by user X"
    );
    assert_eq!(
        hma.get("/c/bank/NEW_BANK/content/99").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        hma.get("/c/bank/NO_BANK/content/1").await.0,
        StatusCode::NOT_FOUND
    );

    // Metadata and a note on a hash added directly.
    hma.create_bank("TEST_BANK_HASH_NOTE").await;
    let (s, added) = hma
        .json(
            "POST",
            "/c/bank/TEST_BANK_HASH_NOTE/signal",
            json!({"pdq": "0".repeat(64), "note": "Hash from campaign ABC"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let id = added["id"].as_i64().unwrap();
    assert_eq!(
        hma.get(&format!("/c/bank/TEST_BANK_HASH_NOTE/content/{id}"))
            .await
            .1["note"],
        "Hash from campaign ABC"
    );
    let (s, with_meta) = hma
        .upload(
            "/c/bank/NEW_BANK/content",
            "video",
            b"a clip",
            &[("metadata", r#"{"content_id": "ext-id-123", "content_uri": "https://example.com/item/123", "json": {"source": "test"}}"#)],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{with_meta}");
    let meta_id = with_meta["id"].as_i64().unwrap();
    let (_, got) = hma
        .get(&format!("/c/bank/NEW_BANK/content/{meta_id}"))
        .await;
    assert_eq!(
        got["metadata"],
        json!({"content_id": "ext-id-123", "content_uri": "https://example.com/item/123",
               "json": {"source": "test"}, "collab": null})
    );
    let (_, got) = hma
        .get(&format!(
            "/c/bank/NEW_BANK/content/{meta_id}?include_metadata=false"
        ))
        .await;
    assert!(got.get("metadata").is_none(), "{got}");

    // Changing a content: a note set and cleared; disabled until a year from now, then too far ahead.
    let (s, _) = hma
        .json(
            "PUT",
            "/c/bank/NEW_BANK/content/1",
            json!({"note": "Initial note"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        hma.get("/c/bank/NEW_BANK/content/1").await.1["note"],
        "Initial note"
    );
    hma.json("PUT", "/c/bank/NEW_BANK/content/1", json!({"note": ""}))
        .await;
    assert!(
        hma.get("/c/bank/NEW_BANK/content/1")
            .await
            .1
            .get("note")
            .is_none()
    );
    let later = Timestamp::now().0 / 1000 + 365 * 86_400;
    let (s, record) = hma
        .json(
            "PUT",
            "/c/bank/NEW_BANK/content/1",
            json!({"disable_until_ts": later}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(record["disable_until_ts"], later);
    for key in [
        "id",
        "collab_metadata",
        "original_media_uri",
        "bank",
        "user_metadata",
        "note",
    ] {
        assert!(record.get(key).is_some(), "{key} in {record}");
    }
    let (s, _) = hma
        .json(
            "PUT",
            "/c/bank/NEW_BANK/content/1",
            json!({"disable_until_ts": 9_999_999_999_i64}),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // A disabled content is not matched by /m/lookup (nor by Vigie's own matching), still found raw.
    assert_eq!(
        hma.get(&format!("/m/lookup?signal_type=pdq&signal={pdq1}"))
            .await,
        (StatusCode::OK, json!({}))
    );
    assert_eq!(
        hma.get(&format!("/m/raw_lookup?signal_type=pdq&signal={pdq1}"))
            .await
            .1,
        json!({"matches": [1]})
    );

    // Deleting: 1, then 0.
    assert_eq!(
        hma.delete("/c/bank/NEW_BANK/content/2").await,
        (StatusCode::OK, json!({"deleted": 1}))
    );
    assert_eq!(
        hma.delete("/c/bank/NEW_BANK/content/2").await,
        (StatusCode::OK, json!({"deleted": 0}))
    );
    assert_eq!(
        hma.get(&format!("/m/raw_lookup?signal_type=pdq&signal={pdq2}"))
            .await
            .1,
        json!({"matches": []})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_flood_is_limited_per_user() {
    let hma = Hma::new(ServerConfig {
        lookups_per_second: 3,
        ..ServerConfig::default()
    });
    let mut refused = 0;
    for _ in 0..12 {
        let (s, body) = hma
            .get(&format!(
                "/m/raw_lookup?signal_type=pdq&signal={}",
                PDQ_EXAMPLES[0]
            ))
            .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert!(
                body["message"]
                    .as_str()
                    .unwrap()
                    .contains("too many lookups"),
                "{body}"
            );
            refused += 1;
        }
    }
    // Twelve lookups span at most a few seconds of three each.
    assert!(refused >= 3, "{refused} refused");
    // Another user has their own allowance.
    let (s, _) = hma
        .send(
            &hma.viewer,
            Request::get(
                format!("/m/raw_lookup?signal_type=pdq&signal={}", PDQ_EXAMPLES[0]).as_str(),
            ),
            Body::empty(),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}
