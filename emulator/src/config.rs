//! Emulator configuration: accounts, regions and their listeners, addressing names, limits and the
//! authentication strictness. Built from defaults, then a TOML file, then flags/environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use oss_protocol::{RestoreTier, StorageClass};
use serde::{Deserialize, Serialize};

/// The well-known development account, printed at start and in the README (like Azurite's
/// devstoreaccount1). Never a real credential.
pub const DEV_ACCESS_KEY_ID: &str = "oss-emulator-ak";
pub const DEV_ACCESS_KEY_SECRET: &str = "oss-emulator-secret";
pub const DEFAULT_REGION: &str = "cn-hangzhou";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub access_key_id: String,
    pub access_key_secret: String,
    /// The owner ID shown in XML (`<Owner><ID>`); derived from the key when not given.
    #[serde(default)]
    pub id: String,
}

impl Account {
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        let access_key_id = access_key_id.into();
        let id = derive_account_id(&access_key_id);
        Self { access_key_id, access_key_secret: access_key_secret.into(), id }
    }

    /// Parses `AK:SK` or `AK:SK:ID`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut parts = spec.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(ak), Some(sk), id) if !ak.is_empty() && !sk.is_empty() => {
                let mut account = Account::new(ak, sk);
                if let Some(id) = id.filter(|i| !i.is_empty()) {
                    account.id = id.to_owned();
                }
                Ok(account)
            }
            _ => Err(format!("account must be AK:SK or AK:SK:ID, got {spec:?}")),
        }
    }
}

/// A stable 16-digit owner ID, the shape of real OSS account IDs.
fn derive_account_id(access_key_id: &str) -> String {
    let hash =
        access_key_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("1{:015}", hash % 1_000_000_000_000_000)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// Verify every signature, date and expiry exactly as OSS does.
    #[default]
    Strict,
    /// Accept any signature from any key, but still reject expired presigned URLs.
    ExpiryOnly,
    /// No signature checks; unsigned requests act as the first account.
    Off,
}

impl std::fmt::Display for AuthMode {
    /// The spelling `--auth` takes, so the banner shows what was typed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AuthMode::Strict => "strict",
            AuthMode::ExpiryOnly => "expiry-only",
            AuthMode::Off => "off",
        })
    }
}

/// Parses a listen address the way people type one: `127.0.0.1:9000`, `[::1]:9000`,
/// `localhost:9000`, `:9000` or just `9000` (the last three on 127.0.0.1: an emulator holding
/// development credentials should not be reachable from the network unless asked with an
/// explicit `0.0.0.0:9000`).
pub fn parse_listen_addr(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    let loopback = |port: &str| {
        port.parse::<u16>()
            .map(|p| SocketAddr::from(([127, 0, 0, 1], p)))
            .map_err(|_| format!("invalid listen address {text:?}: {port:?} is not a port number"))
    };
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    if !text.contains(':') {
        return loopback(text);
    }
    match text.rsplit_once(':') {
        Some(("", port)) => loopback(port),
        Some((host, port)) if host.eq_ignore_ascii_case("localhost") => loopback(port),
        _ => Err(format!(
            "invalid listen address {text:?}: use HOST:PORT with an IP address or localhost, :PORT, or PORT"
        )),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listener {
    pub addr: SocketAddr,
    pub region: String,
}

/// OSS's size rules, each adjustable so CI can exercise large-object paths with small objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// PutObject and UploadPart body limit (5 GB).
    pub max_object_size: u64,
    /// CopyObject within one bucket without a storage-class or encryption change (unbounded on
    /// OSS today; `None` = no limit).
    pub copy_same_bucket_max: Option<u64>,
    /// CopyObject between buckets (5 GB).
    pub copy_cross_bucket_max: u64,
    /// CopyObject that changes storage class or encryption (1 GB).
    pub copy_with_change_max: u64,
    /// Minimum size of every part but the last, checked at Complete (100 KB).
    pub min_part_size: u64,
    /// Total size of `x-oss-meta-*` names and values (8 KB).
    pub max_user_metadata: usize,
    /// Buckets an account may own in one region (100).
    pub max_buckets_per_region: usize,
    /// Allowed clock skew of signed requests, milliseconds (15 minutes).
    pub max_skew_ms: u64,
}

pub const GB: u64 = 1_000_000_000;

/// How long RestoreObject takes, in seconds of emulator time, by class and tier (`[restore]` in
/// TOML; `--restore-seconds` sets them all). The defaults are the fastest times OSS documents, so
/// a test sees a restore in progress and then, after shifting the clock, completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RestoreTimes {
    pub archive: u64,
    pub cold_archive_expedited: u64,
    pub cold_archive_standard: u64,
    pub cold_archive_bulk: u64,
    pub deep_cold_archive_expedited: u64,
    pub deep_cold_archive_standard: u64,
}

impl Default for RestoreTimes {
    fn default() -> Self {
        const HOUR: u64 = 3600;
        RestoreTimes {
            archive: 60,
            cold_archive_expedited: HOUR,
            cold_archive_standard: 2 * HOUR,
            cold_archive_bulk: 5 * HOUR,
            deep_cold_archive_expedited: 12 * HOUR,
            deep_cold_archive_standard: 48 * HOUR,
        }
    }
}

impl RestoreTimes {
    pub fn all(seconds: u64) -> Self {
        RestoreTimes {
            archive: seconds,
            cold_archive_expedited: seconds,
            cold_archive_standard: seconds,
            cold_archive_bulk: seconds,
            deep_cold_archive_expedited: seconds,
            deep_cold_archive_standard: seconds,
        }
    }

    /// Seconds a restore of `class` at `tier` takes; `None` for a tier the class does not offer.
    pub fn seconds(&self, class: StorageClass, tier: RestoreTier) -> Option<u64> {
        use RestoreTier as T;
        use StorageClass as C;
        match (class, tier) {
            (C::Archive, _) => Some(self.archive),
            (C::ColdArchive, T::Expedited) => Some(self.cold_archive_expedited),
            (C::ColdArchive, T::Standard) => Some(self.cold_archive_standard),
            (C::ColdArchive, T::Bulk) => Some(self.cold_archive_bulk),
            (C::DeepColdArchive, T::Expedited) => Some(self.deep_cold_archive_expedited),
            (C::DeepColdArchive, T::Standard) => Some(self.deep_cold_archive_standard),
            _ => None,
        }
    }
}

/// How the server treats connections and buffered bodies: what keeps a slow or idle client
/// from holding the process's file descriptors or memory hostage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Connections {
    /// A request's headers must arrive within this long; it also bounds how long a kept-alive
    /// connection may wait for its next request.
    pub header_timeout_ms: u64,
    /// A connection on which no byte moves either way for this long is closed.
    pub idle_timeout_ms: u64,
    /// Connections served at once; more wait in the listen backlog. 0: three quarters of the
    /// process's open-file limit, so the store always has descriptors left.
    pub max_connections: usize,
    /// Bytes of request bodies held in memory at once (XML documents, control API JSON),
    /// across all connections; a request that would exceed it is answered 503.
    pub body_memory: usize,
}

impl Default for Connections {
    fn default() -> Self {
        Self { header_timeout_ms: 30_000, idle_timeout_ms: 120_000, max_connections: 0, body_memory: 256 << 20 }
    }
}

impl Connections {
    /// `max_connections`, with 0 resolved against the open-file limit.
    pub fn connection_limit(&self) -> usize {
        if self.max_connections > 0 {
            return self.max_connections;
        }
        (open_file_limit() / 4 * 3).max(16)
    }
}

/// The soft limit on open files (RLIMIT_NOFILE), or 1024 where it cannot be read.
fn open_file_limit() -> usize {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit only writes the struct it is given.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            return usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX).min(1 << 20);
        }
    }
    1024
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_object_size: 5 * GB,
            copy_same_bucket_max: None,
            copy_cross_bucket_max: 5 * GB,
            copy_with_change_max: GB,
            min_part_size: 102_400,
            max_user_metadata: 8 * 1024,
            max_buckets_per_region: 100,
            max_skew_ms: 900_000,
        }
    }
}

/// How hard a commit works to survive a crash (`--durability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Durability {
    /// Nothing is synced; even the index may be damaged by a power cut.
    None,
    /// Survives the process being killed at any instant: every commit reaches the kernel before
    /// it is acknowledged, nothing is synced to the disk.
    #[default]
    Process,
    /// Survives a power cut: blob data, their directories and the index commit are synced to the
    /// disk before a write is acknowledged; concurrent writers share one index sync.
    Power,
}

impl std::str::FromStr for Durability {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(Durability::None),
            "process" => Ok(Durability::Process),
            "power" => Ok(Durability::Power),
            _ => Err(format!("unknown durability {s:?}: expected none, process or power")),
        }
    }
}

impl std::fmt::Display for Durability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Durability::None => "none",
            Durability::Process => "process",
            Durability::Power => "power",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub data_dir: PathBuf,
    /// What a write survives before it is acknowledged (see [`Durability`]).
    pub durability: Durability,
    /// The region of `listen` and of hosts that name no region.
    pub region: String,
    pub listen: Vec<SocketAddr>,
    /// Extra listeners, each serving one region (to test cross-region rules on one machine).
    pub region_listeners: Vec<Listener>,
    pub accounts: Vec<Account>,
    pub auth: AuthMode,
    /// Host names (besides IP literals and `localhost`) that mean path-style addressing;
    /// `<bucket>.<name>` is then virtual-hosted.
    pub host_names: Vec<String>,
    pub limits: Limits,
    /// How long RestoreObject takes (`[restore]` in TOML).
    pub restore: RestoreTimes,
    /// Apply lifecycle rules every this many seconds of real time (off when unset or 0; they
    /// always run on `POST /_emulator/lifecycle/run`).
    pub lifecycle_interval_secs: Option<u64>,
    /// Timeouts, the connection limit and the buffered-body budget (`[connections]` in TOML).
    pub connections: Connections,
    /// Entries the request journal keeps in memory (the oldest go first).
    pub journal_size: usize,
    /// Also append every journal entry as a JSON line to this file.
    pub journal_file: Option<PathBuf>,
    /// When set, `/_emulator/*` requests need `Authorization: Bearer <token>`.
    pub admin_token: Option<String>,
    /// Seeds request ids and upload ids, so recorded responses are reproducible.
    pub id_seed: Option<u64>,
    /// A directory tree or JSON manifest to create buckets and objects from at start.
    pub seed: Option<PathBuf>,
    /// Fault rules active from the start.
    pub faults: Vec<crate::fault::FaultRule>,
    /// Named fault rule sets, selected per request by `x-oss-emulator-fault-set`.
    pub fault_sets: std::collections::BTreeMap<String, Vec<crate::fault::FaultRule>>,
    /// HTTPS on every listener (`[tls]`: `cert` and `key`, or `self_signed = true`).
    pub tls: crate::tls::TlsConfig,
    /// Hosts upload callbacks may reach besides loopback addresses (`localhost`, 127.0.0.0/8,
    /// `::1`), which are always allowed: no request can make the emulator reach the network
    /// unless listed here.
    pub callback_hosts: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./oss-data"),
            durability: Durability::default(),
            region: DEFAULT_REGION.to_owned(),
            listen: vec![DEFAULT_LISTEN.parse().expect("valid default address")],
            region_listeners: Vec::new(),
            accounts: vec![Account::new(DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET)],
            auth: AuthMode::Strict,
            host_names: Vec::new(),
            limits: Limits::default(),
            restore: RestoreTimes::default(),
            lifecycle_interval_secs: None,
            connections: Connections::default(),
            journal_size: 10_000,
            journal_file: None,
            admin_token: None,
            id_seed: None,
            seed: None,
            faults: Vec::new(),
            fault_sets: std::collections::BTreeMap::new(),
            tls: crate::tls::TlsConfig::default(),
            callback_hosts: Vec::new(),
        }
    }
}

impl Config {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Every listener with its region.
    pub fn listeners(&self) -> Vec<Listener> {
        let mut out: Vec<Listener> =
            self.listen.iter().map(|addr| Listener { addr: *addr, region: self.region.clone() }).collect();
        out.extend(self.region_listeners.iter().cloned());
        out
    }

    /// Every region some listener serves, once each.
    pub fn served_regions(&self) -> Vec<String> {
        let mut regions: Vec<String> = self.listeners().into_iter().map(|l| l.region).collect();
        regions.sort();
        regions.dedup();
        regions
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.accounts.is_empty() {
            return Err("at least one account is required".into());
        }
        if self.listeners().is_empty() {
            return Err("at least one listener is required".into());
        }
        self.tls.validate()?;
        for region in std::iter::once(&self.region).chain(self.region_listeners.iter().map(|l| &l.region)) {
            if !is_region_name(region) {
                return Err(format!("invalid region name {region:?} (use the generic form, e.g. cn-hangzhou)"));
            }
        }
        Ok(())
    }
}

/// `cn-hangzhou`, `ap-southeast-1`, … (the generic form, without `oss-`).
pub fn is_region_name(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with("oss-")
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_round_trip() {
        let text = r#"
            data_dir = "/tmp/x"
            region = "cn-shanghai"
            listen = ["127.0.0.1:9100"]
            region_listeners = [{ addr = "127.0.0.1:9101", region = "cn-beijing" }]
            accounts = [{ access_key_id = "a", access_key_secret = "b" }]
            auth = "expiry-only"
            [limits]
            copy_cross_bucket_max = 1048576
        "#;
        let c = Config::from_toml(text).unwrap();
        assert_eq!(c.listeners().len(), 2);
        assert_eq!(c.auth, AuthMode::ExpiryOnly);
        assert_eq!(c.limits.copy_cross_bucket_max, 1_048_576);
        assert_eq!(c.limits.min_part_size, 102_400);
        assert!(Config::from_toml("nonsense = 1").is_err());
    }

    #[test]
    fn listen_addresses_as_typed() {
        let local = |port| SocketAddr::from(([127, 0, 0, 1], port));
        assert_eq!(parse_listen_addr("9000"), Ok(local(9000)));
        assert_eq!(parse_listen_addr(":9000"), Ok(local(9000)));
        assert_eq!(parse_listen_addr("localhost:9000"), Ok(local(9000)));
        assert_eq!(parse_listen_addr("0.0.0.0:9000"), Ok(SocketAddr::from(([0, 0, 0, 0], 9000))));
        assert_eq!(parse_listen_addr("[::1]:9000").map(|a| a.is_ipv6()), Ok(true));
        assert!(parse_listen_addr("example.com:9000").unwrap_err().contains("example.com:9000"));
        assert!(parse_listen_addr("99999").is_err());
        assert_eq!(AuthMode::ExpiryOnly.to_string(), "expiry-only");
    }

    #[test]
    fn account_spec() {
        let a = Account::parse("ak:sk").unwrap();
        assert_eq!(a.id.len(), 16);
        assert_eq!(Account::parse("ak:sk:42").unwrap().id, "42");
        assert!(Account::parse("ak").is_err());
    }
}
