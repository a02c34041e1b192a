//! Shared pieces of the conformance suite: the [`Target`] (in-process emulator or real OSS),
//! clients for its accounts, throw-away buckets, and assertions on OSS errors.
//!
//! Every case runs unchanged against both targets; a case needing something a target cannot
//! offer (a second account, a second region, a restart) says so with [`skip`] and returns.

pub mod target;

use std::fmt::Debug;

pub use oss_client::{protocol, Addressing, Client, Config, Error, Method, ServiceError, SignatureVersion, StatusCode};
pub use target::{skip, Credentials, Target};

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
        TestBucket { name, client: client.clone(), cleanup: !self.is_emulator() }
    }
}

/// A bucket created for one case. On real OSS it is emptied and deleted when dropped (also when
/// the case panics); the emulator's temporary data directory goes away by itself.
pub struct TestBucket {
    pub name: String,
    client: Client,
    cleanup: bool,
}

impl TestBucket {
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Aborts uploads, deletes every object, then the bucket. Best effort: it reports, never panics.
pub async fn empty_and_delete(client: &Client, bucket: &str) {
    use oss_client::{ListMultipartUploadsOptions, ListObjectsV2Options};
    if let Ok(uploads) = client.list_multipart_uploads(bucket, &ListMultipartUploadsOptions::default()).await {
        for u in &uploads.uploads {
            let _ = client.abort_multipart_upload(bucket, &u.key, &u.upload_id).await;
        }
    }
    loop {
        let Ok(page) =
            client.list_objects_v2(bucket, &ListObjectsV2Options { max_keys: Some(1000), ..Default::default() }).await
        else {
            break;
        };
        if page.contents.is_empty() {
            break;
        }
        let keys: Vec<String> = page.contents.iter().map(|o| o.key.clone()).collect();
        if client.delete_multiple_objects(bucket, &keys, true, None).await.is_err() {
            break;
        }
    }
    if let Err(e) = client.delete_bucket(bucket).await {
        eprintln!("cleanup of {bucket} failed: {e}");
    }
}

impl Drop for TestBucket {
    fn drop(&mut self) {
        if !self.cleanup {
            return;
        }
        let (client, name) = (self.client.clone(), self.name.clone());
        // Drop cannot await, and may run inside the test's runtime: clean up on a fresh thread.
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                rt.block_on(empty_and_delete(&client, &name));
            }
        })
        .join();
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
