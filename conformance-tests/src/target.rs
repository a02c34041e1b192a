//! The target a conformance case runs against: an in-process emulator on a real socket (the
//! default), or an external one (real OSS, or an emulator binary started separately) when
//! `OSS_TEST_ENDPOINT` is set, together with `OSS_TEST_ACCESS_KEY_ID` and
//! `OSS_TEST_ACCESS_KEY_SECRET` (`OSS_TEST_REGION` defaults to cn-hangzhou,
//! `OSS_TEST_BUCKET_PREFIX` to `osstest-`). Optional: `OSS_TEST_SECOND_ACCESS_KEY_ID` / `_SECRET`
//! (a second account) and `OSS_TEST_OTHER_REGION` + `OSS_TEST_OTHER_ENDPOINT`.
//!
//! `build.rs` reads the same variables and sets the cfgs `oss_external_target`,
//! `oss_no_second_account` and `oss_no_other_region`; cases that an external target cannot serve
//! are `#[cfg_attr(…, ignore = "why")]`, so the test runner counts them as ignored.

use std::path::PathBuf;

use oss_emulator::{Emulator, EmulatorBuilder, RunningEmulator};

pub const SECOND_AK: &str = "conformance-second-ak";
pub const SECOND_SK: &str = "conformance-second-secret";
/// The emulator's second region, served on its own listener.
pub const OTHER_REGION: &str = "cn-shanghai";

#[derive(Debug, Clone)]
pub struct Credentials {
    pub access_key_id: String,
    pub access_key_secret: String,
}

pub struct Target {
    pub endpoint: String,
    pub region: String,
    pub primary: Credentials,
    pub second: Option<Credentials>,
    /// Another region and its endpoint, for same-region rules.
    pub other: Option<(String, String)>,
    pub bucket_prefix: String,
    emulator: Option<RunningEmulator>,
    data_dir: Option<tempfile::TempDir>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Target {
    /// The external target when its variables are set, else a fresh in-process emulator.
    pub async fn start() -> Target {
        Self::start_with(|b| b).await
    }

    /// Like [`Target::start`], with the emulator's builder adjusted (scaled-down limits, another
    /// auth mode…). An external target cannot be adjusted: cases that depend on the adjustment
    /// are ignored there (see the module documentation).
    pub async fn start_with(configure: impl FnOnce(EmulatorBuilder) -> EmulatorBuilder) -> Target {
        if let Some(target) = Self::external() {
            return target;
        }
        let data_dir = tempfile::tempdir().expect("temporary directory");
        let emulator = Self::launch(data_dir.path().to_path_buf(), configure).await;
        let other_endpoint = emulator.endpoint_for(OTHER_REGION).expect("second-region listener");
        Target {
            endpoint: emulator.endpoint(),
            region: emulator.region().to_owned(),
            primary: Credentials {
                access_key_id: oss_emulator::config::DEV_ACCESS_KEY_ID.to_owned(),
                access_key_secret: oss_emulator::config::DEV_ACCESS_KEY_SECRET.to_owned(),
            },
            second: Some(Credentials { access_key_id: SECOND_AK.to_owned(), access_key_secret: SECOND_SK.to_owned() }),
            other: Some((OTHER_REGION.to_owned(), other_endpoint)),
            bucket_prefix: "conf-".to_owned(),
            emulator: Some(emulator),
            data_dir: Some(data_dir),
        }
    }

    /// The external target of `OSS_TEST_*`, or `None` for the in-process emulator. The build
    /// script read the same variables to decide which cases are ignored; a binary built for one
    /// target and run with the other's variables would skip the wrong cases, so that is refused.
    fn external() -> Option<Target> {
        let endpoint = env("OSS_TEST_ENDPOINT");
        match (cfg!(oss_external_target), endpoint.is_some()) {
            (true, true) => {}
            (false, false) => return None,
            (built, _) => panic!(
                "this test binary was built {} OSS_TEST_ENDPOINT but runs {} it: run it through `cargo test`, \
                 which rebuilds when the variable changes",
                if built { "with" } else { "without" },
                if built { "without" } else { "with" },
            ),
        }
        let (Some(ak), Some(sk)) = (env("OSS_TEST_ACCESS_KEY_ID"), env("OSS_TEST_ACCESS_KEY_SECRET")) else {
            panic!("OSS_TEST_ENDPOINT is set: OSS_TEST_ACCESS_KEY_ID and OSS_TEST_ACCESS_KEY_SECRET are needed too");
        };
        let second = match (env("OSS_TEST_SECOND_ACCESS_KEY_ID"), env("OSS_TEST_SECOND_ACCESS_KEY_SECRET")) {
            (Some(access_key_id), Some(access_key_secret)) => Some(Credentials { access_key_id, access_key_secret }),
            _ => None,
        };
        let other = env("OSS_TEST_OTHER_REGION").zip(env("OSS_TEST_OTHER_ENDPOINT"));
        // The build script derived these cfgs from the same variables; `cargo test` keeps them in
        // step, this catches a binary started by hand with other variables.
        assert_eq!(second.is_none(), cfg!(oss_no_second_account), "second account variables changed since the build");
        assert_eq!(other.is_none(), cfg!(oss_no_other_region), "second region variables changed since the build");
        Some(Target {
            endpoint: endpoint.expect("checked above"),
            region: env("OSS_TEST_REGION").unwrap_or_else(|| "cn-hangzhou".to_owned()),
            primary: Credentials { access_key_id: ak, access_key_secret: sk },
            second,
            other,
            bucket_prefix: env("OSS_TEST_BUCKET_PREFIX").unwrap_or_else(|| "osstest-".to_owned()),
            emulator: None,
            data_dir: None,
        })
    }

    async fn launch(dir: PathBuf, configure: impl FnOnce(EmulatorBuilder) -> EmulatorBuilder) -> RunningEmulator {
        let builder = Emulator::builder()
            .data_dir(dir)
            .account(SECOND_AK, SECOND_SK)
            .region_listener(OTHER_REGION, "127.0.0.1:0".parse().expect("address"));
        configure(builder).start().await.expect("emulator starts")
    }

    pub fn is_emulator(&self) -> bool {
        self.emulator.is_some()
    }

    pub fn emulator(&self) -> Option<&RunningEmulator> {
        self.emulator.as_ref()
    }

    /// The in-process emulator, for a case that needs its control, clock, restarts or limits.
    /// Such a case carries `#[cfg_attr(oss_external_target, ignore = …)]`, so on an external
    /// target it never gets here; reaching this panic means the attribute is missing.
    #[track_caller]
    pub fn require_emulator(&self) -> &RunningEmulator {
        self.emulator.as_ref().expect("an emulator-only case without #[cfg_attr(oss_external_target, ignore)]")
    }

    /// The second account's client, for a case marked `#[cfg_attr(oss_no_second_account, ignore)]`.
    #[track_caller]
    pub fn second_account(&self) -> oss_client::Client {
        self.second_client().expect("a two-account case without #[cfg_attr(oss_no_second_account, ignore)]")
    }

    /// The second region and its endpoint, for a case marked `#[cfg_attr(oss_no_other_region, ignore)]`.
    #[track_caller]
    pub fn other_region(&self) -> (String, String) {
        self.other.clone().expect("a two-region case without #[cfg_attr(oss_no_other_region, ignore)]")
    }

    /// A bucket name unique to this run: prefix + tag + random suffix, within OSS's 63 characters.
    pub fn bucket_name(&self, tag: &str) -> String {
        let mut name = format!("{}{}-{:08x}", self.bucket_prefix, tag, rand::random::<u32>());
        name.truncate(63);
        name.trim_end_matches('-').to_owned()
    }

    /// Restarts the emulator on the same data directory (and a new port, with default settings).
    /// `false` on real OSS.
    pub async fn restart(&mut self) -> bool {
        let (Some(emulator), Some(dir)) = (self.emulator.take(), self.data_dir.as_ref()) else { return false };
        emulator.shutdown().await;
        let emulator = Self::launch(dir.path().to_path_buf(), |b| b).await;
        self.endpoint = emulator.endpoint();
        self.other = Some((OTHER_REGION.to_owned(), emulator.endpoint_for(OTHER_REGION).expect("listener")));
        self.emulator = Some(emulator);
        true
    }
}
