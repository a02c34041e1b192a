//! Shared pieces of the conformance suite: the [`Target`] (in-process emulator or real OSS),
//! clients for its accounts, throw-away buckets, and assertions on OSS errors.
//!
//! Every case runs unchanged against both targets; a case needing something a target cannot
//! offer (a second account, a second region, a restart, the control API) is ignored there by a
//! cfg that `build.rs` sets from the same variables, so the runner shows it as `ignored`.

pub mod target;

use std::fmt::Debug;
use std::time::Duration;

pub use oss_client::{protocol, Addressing, Client, Config, Error, Method, ServiceError, SignatureVersion, StatusCode};
pub use target::{Credentials, Target};

impl Target {
    /// A client for `creds` (anonymous when `None`) with the given signature version.
    pub fn client_as(&self, creds: Option<&Credentials>, version: SignatureVersion) -> Client {
        self.client_for(&self.endpoint, &self.region, creds, version)
    }

    /// A client for any endpoint/region pair of this target (e.g. the second region's listener).
    pub fn client_for(
        &self,
        endpoint: &str,
        region: &str,
        creds: Option<&Credentials>,
        version: SignatureVersion,
    ) -> Client {
        let config = Config::new(endpoint, region).signature(version);
        let config = match creds {
            Some(c) => config.credentials(&c.access_key_id, &c.access_key_secret),
            None => config.anonymous(),
        };
        Client::new(config).expect("client configuration")
    }

    /// True when the endpoint is an IP literal or `localhost`: an emulator, in-process or started
    /// separately, never real OSS. It decides what depends on the endpoint's shape rather than on
    /// controlling the emulator: path-style by default, Host overrides, no system proxy.
    pub fn is_local_endpoint(&self) -> bool {
        let url = reqwest::Url::parse(&self.endpoint).expect("endpoint is a URL");
        let host = url.host_str().unwrap_or_default();
        host == "localhost" || host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>().is_ok()
    }

    /// The primary account, V4 (the current SDKs' default).
    pub fn client(&self) -> Client {
        self.client_as(Some(&self.primary), SignatureVersion::V4)
    }

    /// The primary account, V1.
    pub fn client_v1(&self) -> Client {
        self.client_as(Some(&self.primary), SignatureVersion::V1)
    }

    pub fn anonymous(&self) -> Client {
        self.client_as(None, SignatureVersion::V4)
    }

    /// The second account's client saying on every request that it pays, as a requester-pays
    /// bucket of another account demands.
    pub fn second_account_paying(&self) -> Client {
        let creds =
            self.second.as_ref().expect("a two-account case without #[cfg_attr(oss_no_second_account, ignore)]");
        let config = Config::new(&self.endpoint, &self.region)
            .credentials(&creds.access_key_id, &creds.access_key_secret)
            .request_payer(true);
        Client::new(config).expect("client configuration")
    }

    /// The second account's client, when the target has one.
    pub fn second_client(&self) -> Option<Client> {
        self.second.as_ref().map(|c| self.client_as(Some(c), SignatureVersion::V4))
    }

    /// Creates a fresh bucket owned by the primary account (ACL private).
    pub async fn bucket(&self, tag: &str) -> TestBucket {
        self.bucket_with(&self.client(), tag, None).await
    }

    /// Creates a fresh bucket with `client`'s account and an optional ACL.
    pub async fn bucket_with(&self, client: &Client, tag: &str, acl: Option<&str>) -> TestBucket {
        let name = self.bucket_name(tag);
        client.put_bucket(&name, acl, None).await.unwrap_or_else(|e| panic!("PutBucket {name}: {e}"));
        self.adopt(client, name)
    }

    /// Guards a bucket the case created itself (with unusual arguments), so that an external
    /// target gets it removed like any [`TestBucket`], also when the case panics.
    pub fn adopt(&self, client: &Client, name: impl Into<String>) -> TestBucket {
        let cleanup = (!self.is_emulator()).then(|| client.config().clone());
        TestBucket { name: name.into(), cleanup }
    }
}

/// How long the clean-up of one bucket may take before it is reported as left over. Generous:
/// real OSS over a slow link, and a bucket with a few thousand objects, still fit.
pub const CLEANUP_TIMEOUT: Duration = Duration::from_secs(120);

/// A bucket created for one case. On an external target it is emptied and deleted when dropped
/// (also when the case panics); the in-process emulator's temporary data directory goes away by
/// itself.
pub struct TestBucket {
    pub name: String,
    /// The creating client's configuration, on an external target. Not the client itself: its
    /// pooled connections belong to the case's runtime, which is blocked while `drop` waits, so a
    /// clean-up through them would wait forever.
    cleanup: Option<Config>,
}

impl TestBucket {
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Aborts uploads, deletes every object, then the bucket. A bucket that is already gone counts
/// as removed (several cases delete their bucket themselves).
pub async fn empty_and_delete(client: &Client, bucket: &str) -> Result<(), String> {
    use oss_client::protocol::xml::VersionEntry;
    use oss_client::{ListMultipartUploadsOptions, ListObjectVersionsOptions};
    let gone = |e: &Error| matches!(e, Error::Service(s) if s.code == "NoSuchBucket");
    loop {
        let uploads = match client.list_multipart_uploads(bucket, &ListMultipartUploadsOptions::default()).await {
            Ok(page) => page.uploads.clone(),
            Err(e) if gone(&e) => return Ok(()),
            Err(e) => return Err(format!("ListMultipartUploads: {e}")),
        };
        if uploads.is_empty() {
            break;
        }
        for u in &uploads {
            client
                .abort_multipart_upload(bucket, &u.key, &u.upload_id)
                .await
                .map_err(|e| format!("AbortMultipartUpload {:?}: {e}", u.key))?;
        }
    }
    // Every version and delete marker, by id: one loop for versioned buckets and for unversioned
    // ones (whose objects are listed as their `null` version).
    loop {
        let opts = ListObjectVersionsOptions { max_keys: Some(1000), ..Default::default() };
        let page = match client.list_object_versions(bucket, &opts).await {
            Ok(page) => page,
            Err(e) if gone(&e) => return Ok(()),
            Err(e) => return Err(format!("ListObjectVersions: {e}")),
        };
        let versions: Vec<(String, Option<String>)> = page
            .entries
            .iter()
            .filter_map(|e| match e {
                VersionEntry::Version(v) => Some((v.key.clone(), Some(v.version_id.clone()))),
                VersionEntry::DeleteMarker(m) => Some((m.key.clone(), Some(m.version_id.clone()))),
                VersionEntry::CommonPrefixes(_) => None,
            })
            .collect();
        if versions.is_empty() {
            break;
        }
        client
            .delete_object_versions(bucket, &versions, true)
            .await
            .map_err(|e| format!("DeleteMultipleObjects: {e}"))?;
    }
    match client.delete_bucket(bucket).await {
        Ok(_) => Ok(()),
        Err(e) if gone(&e) => Ok(()),
        Err(e) => Err(format!("DeleteBucket: {e}")),
    }
}

/// [`empty_and_delete`] on a thread of its own, with a client and a runtime of its own, within
/// [`CLEANUP_TIMEOUT`]. Blocking is fine: nothing it does waits for the caller's runtime.
fn clean_up_blocking(config: Config, bucket: String) -> Result<(), String> {
    let (done, outcome) = std::sync::mpsc::channel();
    let worker = bucket.clone();
    std::thread::Builder::new()
        .name(format!("cleanup-{bucket}"))
        .spawn(move || {
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("clean-up runtime: {e}"))
                .and_then(|rt| {
                    rt.block_on(async {
                        let client = Client::new(config).map_err(|e| format!("clean-up client: {e}"))?;
                        tokio::time::timeout(CLEANUP_TIMEOUT, empty_and_delete(&client, &worker))
                            .await
                            .unwrap_or_else(|_| Err(format!("timed out after {CLEANUP_TIMEOUT:?}")))
                    })
                });
            let _ = done.send(result);
        })
        .map_err(|e| format!("clean-up thread: {e}"))?;
    // The worker's own timeout normally answers first; this one covers a stuck runtime build or
    // a drop that never returns.
    outcome.recv_timeout(CLEANUP_TIMEOUT + Duration::from_secs(10)).unwrap_or_else(|e| Err(format!("clean-up: {e}")))
}

impl Drop for TestBucket {
    fn drop(&mut self) {
        let Some(config) = self.cleanup.take() else { return };
        if let Err(why) = clean_up_blocking(config, self.name.clone()) {
            // The name, so that whoever runs the suite against real OSS can remove it by hand.
            eprintln!("LEFTOVER bucket {}: {why}", self.name);
            // A clean-up that fails is a finding (a bucket the suite cannot delete), but a second
            // panic while unwinding would abort the whole test binary.
            if !std::thread::panicking() {
                panic!("clean-up left bucket {} behind: {why}", self.name);
            }
        }
    }
}

/// The service error of a result that must have failed.
pub fn service_error<T: Debug>(result: Result<T, Error>) -> ServiceError {
    match result {
        Ok(v) => panic!("expected an OSS error, got success: {v:?}"),
        Err(Error::Service(e)) => *e,
        Err(e) => panic!("expected an OSS error, got {e:?}"),
    }
}

/// Asserts status and code (and the request id every OSS error carries).
#[track_caller]
pub fn assert_error(err: &ServiceError, status: u16, code: &str) {
    assert_eq!(
        (err.status.as_u16(), err.code.as_str()),
        (status, code),
        "message: {:?}, document: {:?}",
        err.message,
        err.document
    );
    assert_eq!(err.request_id.len(), 24, "x-oss-request-id of {code}: {:?}", err.request_id);
}

/// Asserts status, code and EC.
#[track_caller]
pub fn assert_error_ec(err: &ServiceError, status: u16, code: &str, ec: &str) {
    assert_error(err, status, code);
    assert_eq!(err.ec.as_deref(), Some(ec), "EC of {code}");
}

/// PutObject that must succeed.
pub async fn put(client: &Client, bucket: &str, key: &str, body: &[u8]) {
    client
        .put_object(bucket, key, body.to_vec(), &oss_client::PutObjectOptions::default())
        .await
        .unwrap_or_else(|e| panic!("PutObject {bucket}/{key:?}: {e}"));
}

/// GetObject of a whole object that must succeed.
pub async fn get_body(client: &Client, bucket: &str, key: &str) -> Vec<u8> {
    client
        .get_object(bucket, key, &oss_client::GetObjectOptions::default())
        .await
        .unwrap_or_else(|e| panic!("GetObject {bucket}/{key:?}: {e}"))
        .body
        .to_vec()
}

/// Deterministic test data (so failures reproduce), not all one byte (so offsets matter).
pub fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// Quoted uppercase hex MD5, as OSS sends ETags of Normal objects and parts.
pub fn md5_etag(data: &[u8]) -> String {
    use md5::{Digest, Md5};
    protocol::etag_from_md5(&Md5::digest(data))
}
