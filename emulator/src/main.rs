//! `oss-emulator`: the command-line front of [`oss_emulator::Emulator`].

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use oss_emulator::config::{Account, AuthMode, Config, Durability, Listener};
use oss_emulator::EmulatorBuilder;

/// A local, filesystem-backed Alibaba Cloud OSS emulator.
///
/// Every flag also reads an environment variable (OSS_EMULATOR_*); flags beat the config file,
/// the config file beats the defaults.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Address to listen on (repeatable), serving the default region [default: 127.0.0.1:9000]
    #[arg(long, env = "OSS_EMULATOR_LISTEN", value_delimiter = ',')]
    listen: Vec<SocketAddr>,
    /// Directory holding all buckets and objects [default: ./oss-data]
    #[arg(long, env = "OSS_EMULATOR_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// What a write survives before it is acknowledged: none, process (kill -9), power (power
    /// cut; data, directories and index synced) [default: process]
    #[arg(long, env = "OSS_EMULATOR_DURABILITY", value_enum)]
    durability: Option<Durability>,
    /// Region of --listen, in the generic form (cn-hangzhou) [default: cn-hangzhou]
    #[arg(long, env = "OSS_EMULATOR_REGION")]
    region: Option<String>,
    /// An extra listener for another region, REGION=ADDR (repeatable)
    #[arg(long = "region-listen", env = "OSS_EMULATOR_REGION_LISTEN", value_delimiter = ',')]
    region_listen: Vec<String>,
    /// An account AK:SK or AK:SK:OWNER_ID (repeatable); replaces the development account
    #[arg(long, env = "OSS_EMULATOR_ACCOUNT", value_delimiter = ',')]
    account: Vec<String>,
    /// TOML file with the same settings (data_dir, region, listen, region_listeners, accounts,
    /// auth, host_names, [limits])
    #[arg(long, env = "OSS_EMULATOR_CONFIG")]
    config: Option<PathBuf>,
    /// Signature checking: strict, expiry-only (any signature, but presigned expiry holds), off
    #[arg(long, env = "OSS_EMULATOR_AUTH", value_enum)]
    auth: Option<AuthMode>,
    /// Extra host name meaning path-style addressing; <bucket>.<name> is virtual-hosted (repeatable)
    #[arg(long = "host-name", env = "OSS_EMULATOR_HOST_NAME", value_delimiter = ',')]
    host_name: Vec<String>,
    /// Minimum size of every multipart part but the last, bytes [default: 102400]
    #[arg(long, env = "OSS_EMULATOR_MIN_PART_SIZE")]
    min_part_size: Option<u64>,
    /// Largest CopyObject source between buckets, bytes [default: 5000000000]
    #[arg(long, env = "OSS_EMULATOR_COPY_CROSS_BUCKET_MAX")]
    copy_cross_bucket_max: Option<u64>,
    /// Largest CopyObject source within a bucket, bytes [default: unlimited]
    #[arg(long, env = "OSS_EMULATOR_COPY_SAME_BUCKET_MAX")]
    copy_same_bucket_max: Option<u64>,
    /// Largest CopyObject source that changes storage class or encryption, bytes [default: 1000000000]
    #[arg(long, env = "OSS_EMULATOR_COPY_WITH_CHANGE_MAX")]
    copy_with_change_max: Option<u64>,
    /// Largest PutObject/UploadPart body, bytes [default: 5000000000]
    #[arg(long, env = "OSS_EMULATOR_MAX_OBJECT_SIZE")]
    max_object_size: Option<u64>,
    /// Milliseconds a request's headers may take to arrive (also the keep-alive wait) [default: 30000]
    #[arg(long, env = "OSS_EMULATOR_HEADER_TIMEOUT_MS")]
    header_timeout_ms: Option<u64>,
    /// Milliseconds a connection may move no byte before it is closed [default: 120000]
    #[arg(long, env = "OSS_EMULATOR_IDLE_TIMEOUT_MS")]
    idle_timeout_ms: Option<u64>,
    /// Connections served at once; 0 = three quarters of the open-file limit [default: 0]
    #[arg(long, env = "OSS_EMULATOR_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Bytes of XML/JSON request bodies held in memory at once, all connections together [default: 268435456]
    #[arg(long, env = "OSS_EMULATOR_BODY_MEMORY")]
    body_memory: Option<usize>,
    /// Create buckets and objects at start from a directory tree (DIR/<bucket>/<key>) or a JSON manifest
    #[arg(long, env = "OSS_EMULATOR_SEED")]
    seed: Option<PathBuf>,
    /// Also append every request journal entry as a JSON line to this file
    #[arg(long, env = "OSS_EMULATOR_JOURNAL")]
    journal: Option<PathBuf>,
    /// Entries the in-memory request journal keeps [default: 10000]
    #[arg(long, env = "OSS_EMULATOR_JOURNAL_SIZE")]
    journal_size: Option<usize>,
    /// Seconds of emulator time every RestoreObject takes, whatever the class and tier (the
    /// config file's [restore] table sets them one by one) [default: OSS's fastest: Archive 60,
    /// ColdArchive 1 h / 2 h / 5 h, DeepColdArchive 12 h / 48 h]
    #[arg(long, env = "OSS_EMULATOR_RESTORE_SECONDS")]
    restore_seconds: Option<u64>,
    /// Apply the buckets' lifecycle rules every SECS seconds, as of the emulator's clock (off by
    /// default; POST /_emulator/lifecycle/run applies them at once)
    #[arg(long, env = "OSS_EMULATOR_LIFECYCLE_INTERVAL", value_name = "SECS")]
    lifecycle_interval: Option<u64>,
    /// Require 'Authorization: Bearer <token>' on the /_emulator/ control API
    #[arg(long, env = "OSS_EMULATOR_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// Seed for request ids and upload ids, so recorded responses are reproducible
    #[arg(long, env = "OSS_EMULATOR_ID_SEED")]
    id_seed: Option<u64>,
}

impl Cli {
    fn into_config(self) -> Result<Config, String> {
        let mut config = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
                Config::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => Config::default(),
        };
        if !self.listen.is_empty() {
            config.listen = self.listen;
        }
        if let Some(dir) = self.data_dir {
            config.data_dir = dir;
        }
        if let Some(durability) = self.durability {
            config.durability = durability;
        }
        if let Some(region) = self.region {
            config.region = region;
        }
        for spec in &self.region_listen {
            let (region, addr) =
                spec.split_once('=').ok_or_else(|| format!("--region-listen wants REGION=ADDR, got {spec:?}"))?;
            let addr = addr.parse().map_err(|e| format!("--region-listen {spec:?}: {e}"))?;
            config.region_listeners.push(Listener { addr, region: region.to_owned() });
        }
        if !self.account.is_empty() {
            config.accounts = self.account.iter().map(|a| Account::parse(a)).collect::<Result<_, _>>()?;
        }
        if let Some(auth) = self.auth {
            config.auth = auth;
        }
        config.host_names.extend(self.host_name);
        if self.seed.is_some() {
            config.seed = self.seed;
        }
        if self.journal.is_some() {
            config.journal_file = self.journal;
        }
        if self.lifecycle_interval.is_some() {
            config.lifecycle_interval_secs = self.lifecycle_interval;
        }
        if let Some(seconds) = self.restore_seconds {
            config.restore = oss_emulator::config::RestoreTimes::all(seconds);
        }
        if let Some(n) = self.journal_size {
            config.journal_size = n;
        }
        if self.admin_token.is_some() {
            config.admin_token = self.admin_token;
        }
        if self.id_seed.is_some() {
            config.id_seed = self.id_seed;
        }
        let connections = &mut config.connections;
        if let Some(v) = self.header_timeout_ms {
            connections.header_timeout_ms = v;
        }
        if let Some(v) = self.idle_timeout_ms {
            connections.idle_timeout_ms = v;
        }
        if let Some(v) = self.max_connections {
            connections.max_connections = v;
        }
        if let Some(v) = self.body_memory {
            connections.body_memory = v;
        }
        let limits = &mut config.limits;
        if let Some(v) = self.min_part_size {
            limits.min_part_size = v;
        }
        if let Some(v) = self.copy_cross_bucket_max {
            limits.copy_cross_bucket_max = v;
        }
        if self.copy_same_bucket_max.is_some() {
            limits.copy_same_bucket_max = self.copy_same_bucket_max;
        }
        if let Some(v) = self.copy_with_change_max {
            limits.copy_with_change_max = v;
        }
        if let Some(v) = self.max_object_size {
            limits.max_object_size = v;
        }
        Ok(config)
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let config = match Cli::parse().into_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("oss-emulator: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let emulator = match EmulatorBuilder::from_config(config).start().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("oss-emulator: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let cfg = emulator.config();
    println!("OSS emulator {} — data in {}", env!("CARGO_PKG_VERSION"), cfg.data_dir.display());
    for account in &cfg.accounts {
        println!(
            "  account   AccessKeyId={} AccessKeySecret={} (owner {})",
            account.access_key_id, account.access_key_secret, account.id
        );
    }
    println!("  auth      {:?}", cfg.auth);
    println!("  durability {} (see README: what survives a crash)", cfg.durability);
    println!("  control   http://{}/_emulator/health", emulator.addr());
    for (region, addr) in emulator.listeners() {
        println!("listening on {addr} (region {region}, endpoint http://{addr})");
    }
    shutdown_signal().await;
    println!("shutting down");
    emulator.shutdown().await;
    std::process::ExitCode::SUCCESS
}
