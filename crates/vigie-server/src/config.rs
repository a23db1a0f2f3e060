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
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or networks: `10.0.0.5`, `10.0.0.0/8`,
    /// `::1`): a request from one of them is taken to come from the address the header names, read from the
    /// right past every trusted proxy, so that login rate limits, lockouts and the audit trail see each client,
    /// not the proxy. Empty by default: the header is ignored, as any client could write it.
    pub trusted_proxies: Vec<String>,
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
            trusted_proxies: Vec::new(),
        }
    }
}

/// A network given as an address or `address/prefix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    address: std::net::IpAddr,
    prefix: u8,
}

impl Network {
    /// Parses `10.0.0.5`, `10.0.0.0/8`, `::1` or `fd00::/8`.
    ///
    /// # Errors
    /// The reason, naming the text.
    pub fn parse(text: &str) -> Result<Network, String> {
        let bad = || {
            format!("{text:?} is not an address or network (10.0.0.5, 10.0.0.0/8, ::1, fd00::/8)")
        };
        let (address, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let address: std::net::IpAddr = address.parse().map_err(|_| bad())?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|&p| p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Network { address, prefix })
    }

    /// Whether `ip` is in the network (an IPv4 address mapped into IPv6 counts as IPv4).
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.address, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The client of a request that arrived from `peer`: when `peer` is a trusted proxy, the right-most address of
/// `forwarded` (the `X-Forwarded-For` values, in order) that is not a trusted proxy, else `peer`.
pub fn forwarded_client(
    peer: std::net::IpAddr,
    forwarded: &[&str],
    trusted: &[Network],
) -> std::net::IpAddr {
    let trusts = |ip: std::net::IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !trusts(peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<std::net::IpAddr>() else {
            // A value that is no address ends what can be believed.
            break;
        };
        client = ip;
        if !trusts(ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regression_19_the_client_behind_a_trusted_proxy_is_the_forwarded_one() {
        let trusted: Vec<Network> = ["10.0.0.0/8", "::1"]
            .iter()
            .map(|t| Network::parse(t).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        let ip = |s: &str| {
            s.parse::<std::net::IpAddr>()
                .unwrap_or_else(|e| panic!("{e}"))
        };
        // Through the proxy: the client it names.
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &["203.0.113.7"], &trusted),
            ip("203.0.113.7")
        );
        // Through two proxies, with a client that wrote its own header first: the right-most untrusted address.
        assert_eq!(
            forwarded_client(
                ip("10.0.0.5"),
                &["1.2.3.4, 203.0.113.7", "10.1.1.1"],
                &trusted
            ),
            ip("203.0.113.7")
        );
        // Not from a proxy: the header is not believed.
        assert_eq!(
            forwarded_client(ip("198.51.100.9"), &["203.0.113.7"], &trusted),
            ip("198.51.100.9")
        );
        // No header, or garbage: the proxy itself.
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &[], &trusted),
            ip("10.0.0.5")
        );
        assert_eq!(
            forwarded_client(ip("10.0.0.5"), &["unknown"], &trusted),
            ip("10.0.0.5")
        );
        // IPv4 mapped into IPv6, and IPv6 proxies.
        assert_eq!(
            forwarded_client(ip("::ffff:10.0.0.5"), &["203.0.113.7"], &trusted),
            ip("203.0.113.7")
        );
        assert_eq!(
            forwarded_client(ip("::1"), &["2001:db8::1"], &trusted),
            ip("2001:db8::1")
        );
        assert!(Network::parse("10.0.0.0/33").is_err());
        assert!(Network::parse("proxy.example").is_err());
    }
}
