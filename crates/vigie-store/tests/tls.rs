//! The store reaches PostgreSQL over TLS (issue 19), on the test server of `scripts/test-env.sh`, which accepts
//! TLS with a certificate for 127.0.0.1 and localhost from a throwaway authority (`VIGIE_TEST_PG_CA`).
//! Without `VIGIE_TEST_POSTGRES` these tests fail, pointing at `scripts/test`, unless `VIGIE_SKIP_POSTGRES=1`.

use std::path::Path;

/// The server's URL and the authority's certificate, or `None` when PostgreSQL tests are skipped.
fn server() -> Option<(String, String)> {
    if std::env::var("VIGIE_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
        return None;
    }
    let url = std::env::var("VIGIE_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "VIGIE_TEST_POSTGRES is not set: run the tests through `scripts/test`, or start a server with \
             `eval \"$(scripts/test-env.sh start)\"`, or set VIGIE_SKIP_POSTGRES=1"
        )
    });
    let ca = std::env::var("VIGIE_TEST_PG_CA").unwrap_or_else(|_| {
        panic!(
            "VIGIE_TEST_PG_CA is not set: the server at VIGIE_TEST_POSTGRES was not started with TLS by \
             scripts/test-env.sh (which needs the openssl command)"
        )
    });
    assert!(
        Path::new(&ca).is_file(),
        "VIGIE_TEST_PG_CA={ca} is not a file"
    );
    Some((url.trim().to_owned(), ca))
}

/// `url` with `params` added to its query.
fn with(url: &str, params: &str) -> String {
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}{params}")
}

/// Whether the client's connection is encrypted, as the server sees it.
fn encrypted(client: &mut postgres::Client) -> bool {
    client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .and_then(|r| r.try_get::<_, bool>(0))
        .unwrap_or_else(|e| panic!("pg_stat_ssl: {e}"))
}

fn connect(url: &str) -> postgres::Client {
    vigie_store::connect_postgres(url).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn refused(url: &str) -> String {
    match vigie_store::connect_postgres(url) {
        Ok(_) => panic!("{url}: connected, but the certificate should have been refused"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn verify_full_connects_encrypted_to_a_server_whose_certificate_it_trusts() {
    let Some((url, ca)) = server() else { return };
    let mut c = connect(&with(
        &url,
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ));
    assert!(encrypted(&mut c));
    // The store itself opens over TLS: a fresh database, migrated through the encrypted connection.
    let name = format!("vigie_tls_{}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        c.batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }
    let db_url = match url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => panic!("{url} names no database"),
    };
    let media = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let opened = vigie_store::open(
        &with(&db_url, &format!("sslmode=verify-full&sslrootcert={ca}")),
        Some(media.path()),
    );
    let stats = opened.and_then(|mut s| s.stats());
    let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    let stats = stats.unwrap_or_else(|e| panic!("the store over TLS: {e}"));
    assert_eq!(stats.posts, 0);
}

#[test]
fn a_certificate_from_an_authority_not_trusted_is_refused() {
    let Some((url, _)) = server() else { return };
    // The system's authorities did not sign the test server's certificate.
    let e = refused(&with(&url, "sslmode=verify-full"));
    assert!(e.to_lowercase().contains("certificate"), "{e}");
    let e = refused(&with(&url, "sslmode=verify-ca&sslrootcert=system"));
    assert!(e.to_lowercase().contains("certificate"), "{e}");
}

#[test]
fn verify_full_checks_the_host_name_and_verify_ca_does_not() {
    let Some((url, ca)) = server() else { return };
    // The same server under a name its certificate does not carry (hostaddr gives the address to connect to).
    let other = url
        .replacen("@127.0.0.1:", "@db.wrong.example:", 1)
        .replacen("@localhost:", "@db.wrong.example:", 1);
    assert_ne!(
        other, url,
        "{url}: expected a server on 127.0.0.1 or localhost"
    );
    let other = with(&other, "hostaddr=127.0.0.1");
    let e = refused(&with(
        &other,
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ));
    assert!(e.to_lowercase().contains("certificate"), "{e}");
    let mut c = connect(&with(
        &other,
        &format!("sslmode=verify-ca&sslrootcert={ca}"),
    ));
    assert!(encrypted(&mut c));
}

#[test]
fn require_encrypts_and_disable_does_not() {
    let Some((url, ca)) = server() else { return };
    assert!(encrypted(&mut connect(&with(&url, "sslmode=require"))));
    assert!(
        encrypted(&mut connect(&url)),
        "prefer (the default) takes TLS when offered"
    );
    assert!(!encrypted(&mut connect(&with(&url, "sslmode=disable"))));
    // A client certificate without its key is refused before connecting.
    let e = refused(&with(
        &url,
        &format!("sslmode=verify-full&sslrootcert={ca}&sslcert={ca}"),
    ));
    assert!(e.contains("sslkey"), "{e}");
}
