//! The server's settings: `[review]` and `[server]` in `vigie.toml`, overridden by `vigie serve`'s options.

use serde::Deserialize;
use std::net::SocketAddr;

/// The policy labels a confirmation may carry when the deployment names none: the categories of terrorist
/// content that platforms' policies and the EU regulation on terrorist content online distinguish.
pub const DEFAULT_TAXONOMY: &[&str] = &[
    "propaganda",
    "incitement",
    "recruitment",
    "glorification",
    "claim_of_responsibility",
    "instructional",
    "threat",
];

/// Settings of `vigie serve`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Where to listen (127.0.0.1:8080 by default: only this machine).
    pub listen: SocketAddr,
    /// A confirmation counts only once a second reviewer confirms.
    pub two_person: bool,
    /// Policy labels for confirmations.
    pub taxonomy: Vec<String>,
    /// How long a session lasts, in hours.
    pub session_hours: u32,
    /// Failed logins in a row that lock an account.
    pub lockout_failures: u32,
    /// How long a lockout lasts, in minutes.
    pub lockout_minutes: u32,
    /// Login attempts allowed per client address and minute.
    pub login_attempts_per_minute: u32,
    /// Mark cookies `Secure` (browsers accept them on http://127.0.0.1 and http://localhost; turn off only
    /// behind a proxy that serves plain HTTP on another name).
    pub secure_cookies: bool,
    /// Store connections (SQLite readers run in parallel; writes are serialized by the database).
    pub connections: usize,
    /// Cases per queue page.
    pub page_size: usize,
    /// Hash lookups (HMA's `/m/...`) allowed per second and user (API token or session); 0 for no limit.
    pub lookups_per_second: u32,
    /// The block bank that a confirmed case's media go into as soon as it is confirmed (`[referrals] bank` of
    /// the configuration file, set by the command line).
    #[serde(skip)]
    pub confirmed_bank: Option<String>,
    /// The deployment's folder of referral templates (`[referrals] templates`, set by the command line).
    #[serde(skip)]
    pub referral_templates: Option<std::path::PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            two_person: true,
            taxonomy: DEFAULT_TAXONOMY.iter().map(|s| (*s).to_owned()).collect(),
            session_hours: 12,
            lockout_failures: 5,
            lockout_minutes: 15,
            login_attempts_per_minute: 10,
            secure_cookies: true,
            connections: 4,
            page_size: 50,
            lookups_per_second: 20_000,
            confirmed_bank: None,
            referral_templates: None,
        }
    }
}
