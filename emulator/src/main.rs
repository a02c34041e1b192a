//! `oss-emulator`: the command-line front of [`oss_emulator::Emulator`].

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use oss_emulator::config::{parse_listen_addr, Account, AuthMode, Config, Durability, Listener};
use oss_emulator::EmulatorBuilder;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A local, filesystem-backed Alibaba Cloud OSS emulator.
///
/// Every flag also reads an environment variable (OSS_EMULATOR_*); flags beat the config file,
/// the config file beats the defaults.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Address to listen on (repeatable), serving the default region: HOST:PORT, localhost:PORT,
    /// :PORT or PORT (the last three on 127.0.0.1) [default: 127.0.0.1:9000]
    #[arg(long, env = "OSS_EMULATOR_LISTEN", value_delimiter = ',', value_parser = parse_listen_addr)]
    listen: Vec<SocketAddr>,
    /// Directory holding all buckets and objects [default: ./oss-data]
    #[arg(long, env = "OSS_EMULATOR_DATA_DIR", conflicts_with = "ephemeral")]
    data_dir: Option<PathBuf>,
    /// Keep the data in a fresh temporary directory, deleted at exit (throwaway runs)
    #[arg(long, env = "OSS_EMULATOR_EPHEMERAL")]
    ephemeral: bool,
    /// Serve HTTPS with this PEM certificate chain (needs --tls-key). Every port then answers
    /// both https:// and plain http://
    #[arg(long, env = "OSS_EMULATOR_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert
    #[arg(long, env = "OSS_EMULATOR_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a generated certificate for localhost, 127.0.0.1, *.localhost and
    /// *.oss-<region>.aliyuncs.com, signed by a CA written to <data-dir>/tls/ca.pem (trust that)
    #[arg(long, env = "OSS_EMULATOR_TLS_SELF_SIGNED", conflicts_with_all = ["tls_cert", "tls_key"])]
    tls_self_signed: bool,
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
    /// A host upload callbacks may reach besides loopback addresses (repeatable)
    #[arg(long = "callback-allow", env = "OSS_EMULATOR_CALLBACK_ALLOW", value_delimiter = ',')]
    callback_allow: Vec<String>,
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
            let addr = parse_listen_addr(addr).map_err(|e| format!("--region-listen {spec:?}: {e}"))?;
            config.region_listeners.push(Listener { addr, region: region.to_owned() });
        }
        if !self.account.is_empty() {
            config.accounts = self.account.iter().map(|a| Account::parse(a)).collect::<Result<_, _>>()?;
        }
        if let Some(auth) = self.auth {
            config.auth = auth;
        }
        if self.tls_cert.is_some() {
            config.tls.cert = self.tls_cert;
            config.tls.key = self.tls_key;
            config.tls.self_signed = false;
        }
        if self.tls_self_signed {
            config.tls = oss_emulator::tls::TlsConfig { self_signed: true, ..Default::default() };
        }
        config.host_names.extend(self.host_name);
        config.callback_hosts.extend(self.callback_allow);
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

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when the
/// future is first polled: it is called before the banner is printed, so a script that sends
/// SIGTERM as soon as it reads "listening on" gets a clean shutdown, not the default kill.
fn shutdown_signal() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
            (Ok(mut term), Ok(mut int)) => Box::pin(async move {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }),
            _ => Box::pin(std::future::pending()),
        }
    }
    #[cfg(not(unix))]
    Box::pin(async {
        let _ = tokio::signal::ctrl_c().await;
    })
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
    let cli = Cli::parse();
    let ephemeral = cli.ephemeral;
    let config = match cli.into_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("oss-emulator: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut builder = EmulatorBuilder::from_config(config);
    if ephemeral {
        builder = builder.ephemeral();
    }
    let emulator = match builder.start().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("oss-emulator: cannot start: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let shutdown = shutdown_signal();
    let cfg = emulator.config();
    let removed = if ephemeral { " (temporary, removed at exit)" } else { "" };
    println!("OSS emulator {} — data in {}{removed}", env!("CARGO_PKG_VERSION"), cfg.data_dir.display());
    for account in &cfg.accounts {
        println!(
            "  account   AccessKeyId={} AccessKeySecret={} (owner {})",
            account.access_key_id, account.access_key_secret, account.id
        );
    }
    println!("  auth      {}", cfg.auth);
    println!("  durability {} (see README: what survives a crash)", cfg.durability);
    println!("  control   http://{}/_emulator/health", emulator.addr());
    if let Some(ca) = emulator.tls_ca_file() {
        // Scripts and the Python package read the path from this line.
        println!("  tls       CA certificate: {}", ca.display());
    }
    if cfg.tls.enabled() {
        println!("  tls       every port answers https:// and plain http://");
    }
    let scheme = emulator.scheme();
    for (region, addr) in emulator.listeners() {
        println!("listening on {addr} (region {region}, endpoint {scheme}://{addr})");
    }
    shutdown.await;
    // Not println!: whoever read the banner may have closed the pipe since, and a failed
    // write must not turn a clean shutdown into a panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), b"shutting down\n");
    emulator.shutdown().await;
    std::process::ExitCode::SUCCESS
}
