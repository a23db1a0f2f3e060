//! TLS to PostgreSQL, set in the connection URL as libpq sets it: `sslmode` (`disable`, `prefer`, the default,
//! `require`, `verify-ca`, `verify-full`), `sslrootcert` (a PEM file of the certificates to trust, or `system`),
//! and `sslcert` with `sslkey` (a client certificate and its key, PEM).
//!
//! As in libpq, `prefer` and `require` encrypt without checking who answers (`require` refuses a server without
//! TLS; `prefer` accepts one), `verify-ca` checks that the server's certificate chains to a trusted certificate,
//! and `verify-full` also that it names the host connected to. `require` with `sslrootcert` verifies as
//! `verify-ca` does. Unlike libpq, which reads `~/.postgresql/root.crt`, the verifying modes trust the system's
//! certificates when no `sslrootcert` is given. A team's database across a network should be reached with
//! `verify-full`.
//!
//! The driver knows only `disable`, `prefer` and `require`, and refuses other settings it does not know: the
//! URL is split here into the driver's URL and these settings.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use postgres::{Client, NoTls};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use crate::StoreError;

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, its certificate not checked.
    Prefer,
    /// TLS always, its certificate not checked.
    Require,
    /// TLS always, the certificate chained to a trusted one.
    VerifyCa,
    /// TLS always, the certificate chained to a trusted one and naming the host.
    VerifyFull,
}

/// The TLS settings read from a connection URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// `sslmode`.
    pub mode: SslMode,
    /// `sslrootcert`: a PEM file, or `None` for the system's certificates.
    pub root_cert: Option<PathBuf>,
    /// `sslcert`.
    pub cert: Option<PathBuf>,
    /// `sslkey`.
    pub key: Option<PathBuf>,
}

const SETTINGS: [&str; 4] = ["sslmode", "sslrootcert", "sslcert", "sslkey"];

/// Splits `url` (`postgres://…?k=v&…` or `key=value …`) into the URL the driver reads and the TLS settings.
///
/// # Errors
/// An unknown `sslmode`, or `sslcert` without `sslkey` (or the reverse).
pub fn split(url: &str) -> Result<(String, TlsSettings), StoreError> {
    let is_uri = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let mut values: Vec<(String, String)> = Vec::new();
    let driver = if is_uri {
        match url.split_once('?') {
            None => url.to_owned(),
            Some((base, query)) => {
                let mut kept: Vec<&str> = Vec::new();
                for pair in query.split('&').filter(|p| !p.is_empty()) {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    let k = decode(k);
                    if SETTINGS.contains(&k.as_str()) {
                        values.push((k, decode(v)));
                    } else {
                        kept.push(pair);
                    }
                }
                if kept.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
        }
    } else {
        let mut kept: Vec<&str> = Vec::new();
        for word in url.split_whitespace() {
            match word.split_once('=') {
                Some((k, v)) if SETTINGS.contains(&k.trim()) => {
                    values.push((k.trim().to_owned(), v.trim_matches('\'').to_owned()));
                }
                _ => kept.push(word),
            }
        }
        kept.join(" ")
    };
    let mut settings = TlsSettings {
        mode: SslMode::Prefer,
        root_cert: None,
        cert: None,
        key: None,
    };
    let mut mode_given = None;
    for (k, v) in values {
        match k.as_str() {
            "sslmode" => {
                mode_given = Some(match v.as_str() {
                    "disable" => SslMode::Disable,
                    "allow" | "prefer" => SslMode::Prefer,
                    "require" => SslMode::Require,
                    "verify-ca" => SslMode::VerifyCa,
                    "verify-full" => SslMode::VerifyFull,
                    other => {
                        return Err(StoreError::Tls(format!(
                            "sslmode={other:?} is not one of disable, prefer, require, verify-ca, verify-full"
                        )));
                    }
                });
            }
            "sslrootcert" => settings.root_cert = (v != "system").then(|| PathBuf::from(v)),
            "sslcert" => settings.cert = Some(PathBuf::from(v)),
            _ => settings.key = Some(PathBuf::from(v)),
        }
    }
    settings.mode = match mode_given {
        Some(SslMode::Require) if settings.root_cert.is_some() => SslMode::VerifyCa,
        Some(mode) => mode,
        None => SslMode::Prefer,
    };
    if settings.cert.is_some() != settings.key.is_some() {
        return Err(StoreError::Tls(
            "sslcert and sslkey go together: give both, or neither".to_owned(),
        ));
    }
    let driver_mode = match settings.mode {
        SslMode::Disable => "disable",
        SslMode::Prefer => "prefer",
        _ => "require",
    };
    let driver = if is_uri {
        let joiner = if driver.contains('?') { '&' } else { '?' };
        format!("{driver}{joiner}sslmode={driver_mode}")
    } else {
        format!("{driver} sslmode={driver_mode}")
    };
    Ok((driver, settings))
}

/// `%XX` escapes of a URL's query decoded.
fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Connects to `url` with its TLS settings.
///
/// # Errors
/// A bad setting, an unreadable certificate file, or the connection failing (a certificate the settings do not
/// trust among the reasons).
pub fn connect(url: &str) -> Result<Client, StoreError> {
    let (driver, settings) = split(url)?;
    if settings.mode == SslMode::Disable {
        return Ok(Client::connect(&driver, NoTls)?);
    }
    let config = client_config(&settings)?;
    Ok(Client::connect(
        &driver,
        tokio_postgres_rustls::MakeRustlsConnect::new(config),
    )?)
}

fn client_config(settings: &TlsSettings) -> Result<ClientConfig, StoreError> {
    // ring, not aws-lc-rs: no large C library to build. rustls marks it deprecated because ring offers no
    // post-quantum key exchange; the classical ones it offers (X25519, P-256, P-384) are what PostgreSQL's
    // OpenSSL negotiates today.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = |e: rustls::Error| StoreError::Tls(e.to_string());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(tls)?;
    let algorithms = provider.signature_verification_algorithms;
    let verifier: Arc<dyn ServerCertVerifier> = match settings.mode {
        SslMode::Disable | SslMode::Prefer | SslMode::Require => Arc::new(Unchecked { algorithms }),
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let roots = roots(settings.root_cert.as_deref())?;
            let webpki =
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
                    .build()
                    .map_err(|e| StoreError::Tls(e.to_string()))?;
            if settings.mode == SslMode::VerifyFull {
                webpki
            } else {
                Arc::new(AnyName(webpki))
            }
        }
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    match (&settings.cert, &settings.key) {
        (Some(cert), Some(key)) => {
            let chain = certificates(cert)?;
            let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                StoreError::Tls(format!(
                    "sslkey {}: no private key read: {e}",
                    key.display()
                ))
            })?;
            builder.with_client_auth_cert(chain, key).map_err(tls)
        }
        _ => Ok(builder.with_no_client_auth()),
    }
}

/// The certificates of a PEM file; an error names the file when it has none.
fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, StoreError> {
    let read = CertificateDer::pem_file_iter(path)
        .map_err(|e| StoreError::Tls(format!("{}: {e}", path.display())))?;
    let certs = read
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Tls(format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(StoreError::Tls(format!(
            "{}: no PEM certificate in it",
            path.display()
        )));
    }
    Ok(certs)
}

/// The certificates to trust: those of `file`, or the system's.
fn roots(file: Option<&Path>) -> Result<RootCertStore, StoreError> {
    let mut roots = RootCertStore::empty();
    match file {
        Some(path) => {
            for cert in certificates(path)? {
                roots
                    .add(cert)
                    .map_err(|e| StoreError::Tls(format!("sslrootcert {}: {e}", path.display())))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                return Err(StoreError::Tls(
                    "no system certificates to verify the server with: give sslrootcert=FILE"
                        .to_owned(),
                ));
            }
        }
    }
    Ok(roots)
}

/// `prefer` and `require`: the server's certificate taken as it comes (encryption without authentication, as
/// libpq does), its handshake signatures still checked.
#[derive(Debug)]
struct Unchecked {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain checked, the name in the certificate not.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(url: &str) -> (String, TlsSettings) {
        split(url).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    #[test]
    fn the_driver_gets_the_url_without_the_settings_it_does_not_know() {
        let (driver, s) = settings(
            "postgres://u:p%40ss@db.example:5432/vigie?application_name=v&sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem",
        );
        assert_eq!(
            driver,
            "postgres://u:p%40ss@db.example:5432/vigie?application_name=v&sslmode=require"
        );
        assert_eq!(s.mode, SslMode::VerifyFull);
        assert_eq!(s.root_cert, Some(PathBuf::from("/etc/ca.pem")));
        let (driver, s) = settings("postgres://u@h/db");
        assert_eq!(
            (driver.as_str(), s.mode),
            ("postgres://u@h/db?sslmode=prefer", SslMode::Prefer)
        );
        let (driver, s) = settings("host=h user=u sslmode=verify-ca sslrootcert=system dbname=d");
        assert_eq!(driver, "host=h user=u dbname=d sslmode=require");
        assert_eq!((s.mode, s.root_cert), (SslMode::VerifyCa, None));
        let (driver, s) = settings("postgresql://h/d?sslmode=disable");
        assert_eq!(
            (driver.as_str(), s.mode),
            ("postgresql://h/d?sslmode=disable", SslMode::Disable)
        );
    }

    #[test]
    fn require_with_a_root_certificate_verifies_as_libpq_does() {
        let (_, s) = settings("postgres://h/d?sslmode=require&sslrootcert=ca.pem");
        assert_eq!(s.mode, SslMode::VerifyCa);
        let (_, s) = settings("postgres://h/d?sslmode=require");
        assert_eq!(s.mode, SslMode::Require);
    }

    #[test]
    fn bad_settings_are_refused_with_their_reason() {
        let e = split("postgres://h/d?sslmode=verify")
            .expect_err("should be refused")
            .to_string();
        assert!(e.contains("sslmode=\"verify\""), "{e}");
        let e = split("postgres://h/d?sslcert=c.pem")
            .expect_err("should be refused")
            .to_string();
        assert!(e.contains("sslcert and sslkey"), "{e}");
        let e = client_config(&TlsSettings {
            mode: SslMode::VerifyFull,
            root_cert: Some(PathBuf::from("/nonexistent/ca.pem")),
            cert: None,
            key: None,
        })
        .expect_err("should be refused")
        .to_string();
        assert!(e.contains("/nonexistent/ca.pem"), "{e}");
    }
}
