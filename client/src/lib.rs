//! A low-level Alibaba Cloud OSS client for the emulator and for real OSS.
//!
//! Every typed operation (`Client::put_object`, `Client::list_objects_v2`, …) is a thin layer over
//! the raw [`RequestBuilder`] from [`Client::request`], which is also the escape hatch for
//! malformed input: any query, any header, unsigned or tampered requests, a chosen clock.
//! Canonicalisation, signing, XML and CRC-64 all come from `oss-protocol`, the same code the
//! emulator verifies with.
//!
//! ```no_run
//! # async fn demo() -> Result<(), oss_client::Error> {
//! use std::time::{Duration, SystemTime};
//! use oss_client::{Client, Config, GetObjectOptions, Method, PutObjectOptions, SignatureVersion};
//!
//! // An IP endpoint means path-style addressing; V4 signing is the default.
//! let client = Client::new(Config::new("http://127.0.0.1:9000", "cn-hangzhou").credentials("ak", "sk"))?;
//! client.put_bucket("demo", None, None).await?;
//! client.put_object("demo", "dir/a b.txt", &b"hello"[..], &PutObjectOptions::default()).await?;
//! let got = client.get_object("demo", "dir/a b.txt", &GetObjectOptions::default()).await?;
//! assert_eq!(got.body.as_ref(), b"hello");
//!
//! // The escape hatch: a V1-signed request with a clock an hour behind, every status returned.
//! let resp = client
//!     .request(Method::GET, Some("demo"), None)
//!     .query("acl", "")
//!     .signature_version(SignatureVersion::V1)
//!     .date(SystemTime::now() - Duration::from_secs(3600))
//!     .send_raw()
//!     .await?;
//! assert_eq!(resp.status, 403);
//! assert_eq!(resp.into_service_error().code, "RequestTimeTooSkewed");
//! # Ok(()) }
//! ```
//!
//! On top of the operations: [`Client::copy`] (CopyObject below a threshold, a parallel
//! multipart copy above it, resumable, CRC-checked), [`Client::upload_file`] and
//! [`Client::download_file`], [`Client::upload_reader`] for data of unknown length (a pipe),
//! many objects at once ([`bulk`]: [`Client::list_objects_stream`] pages a listing lazily,
//! [`Client::transfer_many`] runs uploads, downloads and copies a bounded number at a time with
//! progress and a result per object), retries ([`RetryPolicy`]) with clock-skew correction, and
//! configuration from the environment or an ossutil file ([`Profile`]). The `ossc` binary is
//! the command line over all of it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), oss_client::Error> {
//! use oss_client::{Client, Config, CopyOptions, ObjectPath, RetryPolicy};
//! let client = Client::new(Config::new("http://127.0.0.1:9000", "cn-hangzhou").credentials_from_env().retry(RetryPolicy::standard()))?;
//! client.put_object("demo", "report.csv", &b"a,b\n1,2\n"[..], &Default::default()).await?;
//! let out = client.copy(&ObjectPath::new("demo", "report.csv"), &ObjectPath::new("demo", "archive/report.csv"), &CopyOptions::default()).await?;
//! println!("copied {} bytes, CRC-64 {:?}", out.size, out.crc64);
//! # Ok(()) }
//! ```

pub mod bulk;
pub mod checkpoint;
mod client;
mod config;
pub mod copy;
mod error;
mod ops;
mod parts;
mod path;
mod plan;
mod post;
mod presign;
mod request;
mod retry;
mod stream;
pub mod transfer;

pub use client::Client;
pub use config::{Addressing, Config, Credentials, Profile, SignatureVersion};
pub use copy::{CopyOptions, CopyOutput};
pub use error::{Error, ErrorKind, ErrorSource, ServiceError};
pub use ops::copy_source;
pub use ops::{
    complete_part, content_md5, AppendObjectResult, Callback, CallbackBodyType, CompleteMultipartUploadOptions,
    CopyObjectRequest, DeleteObjectResult, GetObjectOptions, GetObjectResult, InitiateMultipartUploadOptions,
    ListBucketsOptions, ListMultipartUploadsOptions, ListObjectVersionsOptions, ListObjectsOptions,
    ListObjectsV2Options, ListPartsOptions, ObjectMeta, ObjectStream, Output, Preflight, PutObjectOptions,
    PutObjectResult, RestoreOptions, RestoreResult, RestoreStatus, SymlinkInfo, UploadPartCopyRequest,
    UploadPartOptions, UploadPartResult,
};
pub use parts::{Progress, ProgressFn};
pub use path::ObjectPath;
pub use plan::{plan_parts, PartPlan, MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE};
pub use post::{multipart_body, PostCondition, PostForm};
pub use presign::PresignRequest;
pub use request::{PreparedRequest, RequestBuilder, Response, StreamingResponse};
pub use retry::RetryPolicy;
pub use tokio_util::sync::CancellationToken;
pub use transfer::{TransferOptions, TransferOutput};

/// The wire vocabulary the client speaks, re-exported so callers need no second dependency.
pub use oss_protocol as protocol;
pub use reqwest::{Method, StatusCode, Url};
