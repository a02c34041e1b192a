//! A local, filesystem-backed, Alibaba Cloud OSS-compatible server for offline tests.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let emulator = oss_emulator::Emulator::builder().start().await?; // 127.0.0.1:0, temp data dir
//! println!("endpoint: {}", emulator.endpoint());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Request flow: [`server`] accepts, [`route`] resolves Host and path to a target, [`endpoint`]
//! names the OSS operation and its parameters, [`auth`] verifies the signature, [`access`]
//! checks what the endpoint needs (ownership, ACLs, region) once, [`ops`] runs the operation's
//! handler against the [`store`], and [`respond`] writes the wire form. Under `/_emulator/`,
//! [`control`] is the JSON control plane and [`console`] the web console that uses it.

mod access;
mod auth;
mod body;
mod callback;
pub mod clock;
pub mod config;
mod configs;
mod console;
mod control;
mod cors;
mod endpoint;
mod error;
pub mod fault;
mod form;
pub mod journal;
pub mod lifecycle;
mod ops;
mod policy;
mod post_policy;
mod qos;
mod respond;
mod route;
pub mod seed;
mod server;
mod store;
mod throttle;
pub mod tls;
mod website;
mod worm;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use clock::Clock;
pub use config::{Account, AuthMode, Config, Connections, Limits, Listener};
pub use endpoint::{Operation, UnknownOperation};
pub use error::{Code, OssError};

/// Everything a request may touch.
pub(crate) struct State {
    pub config: Config,
    pub store: store::Store,
    pub clock: Clock,
    pub journal: journal::Journal,
    pub faults: fault::Faults,
    /// Every region a listener serves, for the V4 scope rule.
    pub regions: Vec<String>,
    /// Memory for buffered request bodies, shared by all connections.
    pub body_budget: body::BodyBudget,
    /// Seeded generator for request and upload ids (`None`: fresh randomness).
    ids: std::sync::Mutex<Option<rand::rngs::StdRng>>,
    /// Where each listener is, for the control API's info.
    listeners: std::sync::Mutex<Vec<(String, SocketAddr)>>,
}

impl State {
    fn random_u128(&self) -> u128 {
        use rand::Rng;
        match self.ids.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_mut() {
            Some(rng) => rng.gen(),
            None => rand::random(),
        }
    }

    /// 24 uppercase hex characters, the shape of OSS request ids.
    pub fn new_request_id(&self) -> String {
        format!("{:024X}", self.random_u128() >> 32)
    }

    /// 32 uppercase hex characters, the shape of OSS upload ids.
    pub fn new_upload_id(&self) -> String {
        format!("{:032X}", self.random_u128())
    }

    /// A version id in the shape OSS hands out: 64 characters, `CAEQ` and then base62 (so it
    /// needs no escaping in a URL or a copy source).
    pub fn new_version_id(&self) -> oss_protocol::VersionId {
        const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        let mut id = String::from("CAEQ");
        let mut bits = [self.random_u128(), self.random_u128(), self.random_u128()];
        for i in 0..oss_protocol::VersionId::LEN - id.len() {
            let word = &mut bits[i % 3];
            id.push(char::from(ALPHABET[(*word % 62) as usize]));
            *word /= 62;
        }
        oss_protocol::VersionId::parse(&id).unwrap_or_else(oss_protocol::VersionId::null)
    }

    pub fn listeners(&self) -> Vec<(String, SocketAddr)> {
        self.listeners.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Deletes all buckets (or one) with their objects and uploads.
    pub async fn reset(&self, bucket: Option<&str>) -> Result<Vec<String>, error::OssError> {
        self.store.reset(bucket).await
    }

    /// Creates buckets and objects from a manifest.
    pub async fn seed(&self, manifest: &seed::Manifest) -> Result<seed::Seeded, error::OssError> {
        seed::apply(&self.store, &self.config.accounts, &self.config.region, ops::to_ms(self.clock.now()), manifest)
            .await
    }
}

/// Entry point of the embeddable emulator.
pub struct Emulator;

impl Emulator {
    /// A builder with test-friendly defaults: `127.0.0.1:0`, a fresh temporary data directory
    /// (deleted on shutdown), region `cn-hangzhou`, the development account.
    pub fn builder() -> EmulatorBuilder {
        let config = Config { listen: vec![SocketAddr::from(([127, 0, 0, 1], 0))], ..Config::default() };
        EmulatorBuilder { config, data_dir: None }
    }
}

pub struct EmulatorBuilder {
    config: Config,
    data_dir: Option<PathBuf>,
}

impl EmulatorBuilder {
    /// Starts from a full configuration (its data directory is used as given).
    pub fn from_config(config: Config) -> Self {
        let data_dir = Some(config.data_dir.clone());
        Self { config, data_dir }
    }

    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// A fresh temporary data directory, deleted when the emulator is dropped (`--ephemeral`).
    pub fn ephemeral(mut self) -> Self {
        self.data_dir = None;
        self
    }

    /// HTTPS on every listener (plain HTTP stays answered on the same ports).
    pub fn tls(mut self, tls: tls::TlsConfig) -> Self {
        self.config.tls = tls;
        self
    }

    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.config.region = region.into();
        self
    }

    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.config.listen = vec![addr];
        self
    }

    /// An extra listener serving `region` (use port 0 for a free port).
    pub fn region_listener(mut self, region: impl Into<String>, addr: SocketAddr) -> Self {
        self.config.region_listeners.push(Listener { addr, region: region.into() });
        self
    }

    /// Adds an account; the first one stays the development account unless [`Self::accounts`] replaces it.
    pub fn account(mut self, access_key_id: &str, access_key_secret: &str) -> Self {
        self.config.accounts.push(Account::new(access_key_id, access_key_secret));
        self
    }

    pub fn accounts(mut self, accounts: Vec<Account>) -> Self {
        self.config.accounts = accounts;
        self
    }

    pub fn auth(mut self, mode: AuthMode) -> Self {
        self.config.auth = mode;
        self
    }

    pub fn limits(mut self, limits: Limits) -> Self {
        self.config.limits = limits;
        self
    }

    /// Timeouts, the connection limit and the buffered-body budget.
    pub fn connections(mut self, connections: config::Connections) -> Self {
        self.config.connections = connections;
        self
    }

    pub fn host_name(mut self, name: impl Into<String>) -> Self {
        self.config.host_names.push(name.into());
        self
    }

    /// Buckets and objects to create at start: a directory tree or a JSON manifest file.
    pub fn seed(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.seed = Some(path.into());
        self
    }

    /// Protects the `/_emulator/` control API with a bearer token.
    pub fn admin_token(mut self, token: impl Into<String>) -> Self {
        self.config.admin_token = Some(token.into());
        self
    }

    /// Makes request ids and upload ids reproducible.
    pub fn id_seed(mut self, seed: u64) -> Self {
        self.config.id_seed = Some(seed);
        self
    }

    /// Also appends the request journal to a JSON-lines file.
    pub fn journal_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.journal_file = Some(path.into());
        self
    }

    /// Applies lifecycle rules every `interval` (whole seconds; zero turns it off).
    pub fn lifecycle_interval(mut self, interval: std::time::Duration) -> Self {
        self.config.lifecycle_interval_secs = Some(interval.as_secs());
        self
    }

    /// Fault rules active from the start.
    pub fn fault(mut self, rule: fault::FaultRule) -> Self {
        self.config.faults.push(rule);
        self
    }

    pub async fn start(mut self) -> std::io::Result<RunningEmulator> {
        let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
        for account in &mut self.config.accounts {
            if account.id.is_empty() {
                account.id = Account::new(account.access_key_id.clone(), "").id;
            }
        }
        self.config.validate().map_err(invalid)?;
        // Every port first: an address in use is refused before anything is created on disk.
        let mut bound = Vec::new();
        for l in self.config.listeners() {
            let listener = tokio::net::TcpListener::bind(l.addr).await.map_err(|e| {
                std::io::Error::new(e.kind(), format!("cannot listen on {} (region {}): {e}", l.addr, l.region))
            })?;
            bound.push((l.region, listener));
        }
        let temp = match &self.data_dir {
            Some(_) => None,
            None => Some(tempfile::Builder::new().prefix("oss-emulator-").tempdir()?),
        };
        let data_dir = match (&self.data_dir, &temp) {
            (Some(dir), _) => dir.clone(),
            (None, Some(t)) => t.path().to_path_buf(),
            (None, None) => unreachable!("a temporary directory exists when none was given"),
        };
        self.config.data_dir = data_dir.clone();
        let durability = self.config.durability;
        let store = tokio::task::spawn_blocking(move || {
            check_data_dir(&data_dir)?;
            store::Store::open(&data_dir, durability, store::StoreHooks::default()).map_err(|e| {
                // Name the directory, unless the store's message already does.
                let shown = data_dir.display().to_string();
                match e.to_string().contains(&shown) {
                    true => e,
                    false => std::io::Error::new(e.kind(), format!("data directory {shown}: {e}")),
                }
            })
        })
        .await
        .map_err(std::io::Error::other)??;
        // After the data directory is checked: a generated certificate is written into it.
        let tls = if self.config.tls.enabled() {
            let names = tls::local_names(&self.config.served_regions(), &self.config.host_names);
            Some(tls::setup(&self.config.tls, &self.config.data_dir, &names).map_err(invalid)?)
        } else {
            None
        };
        let journal_file = match &self.config.journal_file {
            Some(path) => Some(std::fs::OpenOptions::new().create(true).append(true).open(path)?),
            None => None,
        };
        let faults = fault::Faults::default();
        for rule in &self.config.faults {
            faults.add(rule.clone());
        }
        for (name, rules) in &self.config.fault_sets {
            faults.set_rule_set(name, rules.clone());
        }
        let ids = self.config.id_seed.map(<rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64);
        let state = Arc::new(State {
            config: self.config.clone(),
            store,
            clock: Clock::default(),
            journal: journal::Journal::new(self.config.journal_size, journal_file),
            faults,
            regions: self.config.served_regions(),
            body_budget: body::BodyBudget::new(self.config.connections.body_memory),
            ids: std::sync::Mutex::new(ids),
            listeners: std::sync::Mutex::new(Vec::new()),
        });
        if let Some(path) = self.config.seed.clone() {
            let now = ops::to_ms(state.clock.now());
            seed::seed_path(&state.store, &state.config.accounts, &state.config.region, now, &path).await.map_err(
                |e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("seed {}: {e}", path.display())),
            )?;
        }
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let mut listeners = Vec::new();
        let mut tasks = Vec::new();
        let acceptor = tls.as_ref().map(|t| t.acceptor.clone());
        for (region, listener) in bound {
            listeners.push((region.clone(), listener.local_addr()?));
            tasks.push(tokio::spawn(server::serve(
                listener,
                region,
                state.clone(),
                acceptor.clone(),
                shutdown_rx.clone(),
            )));
        }
        *state.listeners.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = listeners.clone();
        if let Some(secs) = self.config.lifecycle_interval_secs.filter(|s| *s > 0) {
            let interval = std::time::Duration::from_secs(secs);
            tasks.push(tokio::spawn(lifecycle::every(interval, state.clone(), shutdown_rx.clone())));
        }
        let tls_ca = tls.and_then(|t| t.generated_ca);
        Ok(RunningEmulator { state, listeners, shutdown_tx, tasks, tls_ca, temp })
    }
}

/// Refuses a data directory the emulator could not write, at start rather than with a 500 on
/// every write: a path that is a file, a directory that cannot be created, or one that is
/// unwritable or on a read-only file system (probed by creating and removing a file).
fn check_data_dir(dir: &Path) -> std::io::Result<()> {
    let shown = dir.display();
    let fail =
        |e: std::io::Error, what: &str| std::io::Error::new(e.kind(), format!("data directory {shown} {what}: {e}"));
    match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("data directory {shown} is a file, not a directory"),
            ))
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| fail(e, "cannot be created"))?
        }
        Err(e) => return Err(fail(e, "cannot be read")),
    }
    let probe = dir.join(format!(".write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(|e| fail(e, "is not writable"))?;
    std::fs::remove_file(&probe).map_err(|e| fail(e, "is not writable"))
}

/// A started emulator. Dropping it stops accepting connections; [`RunningEmulator::shutdown`]
/// also waits for open requests.
pub struct RunningEmulator {
    state: Arc<State>,
    listeners: Vec<(String, SocketAddr)>,
    shutdown_tx: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    tls_ca: Option<PathBuf>,
    temp: Option<tempfile::TempDir>,
}

impl RunningEmulator {
    /// The first listener's address.
    pub fn addr(&self) -> SocketAddr {
        self.listeners[0].1
    }

    /// `https` when TLS is configured (plain `http` is still answered on the same ports), else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.state.config.tls.enabled() {
            "https"
        } else {
            "http"
        }
    }

    /// `http://<first listener>` (`https://` with TLS).
    pub fn endpoint(&self) -> String {
        format!("{}://{}", self.scheme(), self.addr())
    }

    /// `http://<address>` (`https://` with TLS) of the first listener serving `region`.
    pub fn endpoint_for(&self, region: &str) -> Option<String> {
        self.listeners.iter().find(|(r, _)| r == region).map(|(_, a)| format!("{}://{a}", self.scheme()))
    }

    /// The certificate authority to trust, when the emulator generated its certificate
    /// (`--tls-self-signed`).
    pub fn tls_ca_file(&self) -> Option<&Path> {
        self.tls_ca.as_deref()
    }

    /// Every listener with its region.
    pub fn listeners(&self) -> &[(String, SocketAddr)] {
        &self.listeners
    }

    pub fn region(&self) -> &str {
        &self.state.config.region
    }

    pub fn config(&self) -> &Config {
        &self.state.config
    }

    pub fn data_dir(&self) -> &Path {
        &self.state.config.data_dir
    }

    /// The emulator's clock: freeze or shift it to test expiry and skew.
    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    /// The request journal: what clients did, queryable without HTTP.
    pub fn journal(&self) -> &journal::Journal {
        &self.state.journal
    }

    /// Fault injection rules.
    pub fn faults(&self) -> &fault::Faults {
        &self.state.faults
    }

    /// Applies the buckets' lifecycle rules (or only `bucket`'s) as of the emulator's clock.
    pub async fn run_lifecycle(&self, bucket: Option<&str>) -> Result<lifecycle::Report, error::OssError> {
        lifecycle::apply(&self.state, bucket).await
    }

    /// Deletes all buckets (or one) with their objects and uploads, to isolate test cases.
    pub async fn reset(&self, bucket: Option<&str>) -> Result<Vec<String>, error::OssError> {
        self.state.reset(bucket).await
    }

    /// Creates buckets and objects from a manifest.
    pub async fn seed(&self, manifest: seed::Manifest) -> Result<seed::Seeded, error::OssError> {
        self.state.seed(&manifest).await
    }

    /// Stops accepting, lets open requests finish, and waits for the listeners to close.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown_tx.send(true);
        // A journal long poll would otherwise hold its connection, and so the shutdown, open
        // until its timeout.
        self.state.journal.close();
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
        // Before the temporary data directory goes: a thread still writing into it would
        // leave it behind half removed.
        self.state.store.close().await;
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        let _ = self.shutdown_tx.send(true);
        self.state.journal.close();
        if self.temp.is_some() {
            // The directory is removed next; see `shutdown`.
            self.state.store.close_blocking();
        }
    }
}
