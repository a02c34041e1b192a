//! PutBucketVersioning, GetBucketVersioning, ListObjectVersions, and deletes of one version or
//! many ([`Client::delete_object_version`], [`Client::delete_object_versions`]). Reads and
//! writes of a version take `version_id` in their own options.

use oss_protocol::xml::{
    self, Delete, DeleteObjectEntry, DeleteResult, ListVersionsResult, VersionEntry, VersioningConfiguration,
};
use oss_protocol::VersioningStatus;
use reqwest::Method;

use super::{content_md5, empty, is_url_encoded, url_decode, url_decode_opt, Output};
use crate::client::Client;
use crate::error::Error;

/// ListObjectVersions parameters.
#[derive(Debug, Clone, Default)]
pub struct ListObjectVersionsOptions {
    pub prefix: Option<String>,
    pub delimiter: Option<String>,
    pub key_marker: Option<String>,
    /// Only with `key_marker`: the listing continues after this version of that key.
    pub version_id_marker: Option<String>,
    pub max_keys: Option<u32>,
    /// `url` makes the server percent-encode keys; they are decoded again here.
    pub encoding_type: Option<String>,
}

/// What a DeleteObject did: in a versioned bucket, the delete marker it created (or the version it
/// removed, and whether that was a marker).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteObjectResult {
    pub version_id: Option<String>,
    pub delete_marker: bool,
}

impl Client {
    /// Turns versioning on (`Enabled`) or pauses it (`Suspended`); a bucket never returns to
    /// unversioned.
    pub async fn put_bucket_versioning(&self, bucket: &str, status: VersioningStatus) -> Result<Output<()>, Error> {
        let doc = VersioningConfiguration { status: Some(status.to_string()) };
        let body = xml::to_xml("VersioningConfiguration", &doc);
        let req = self
            .request(Method::PUT, Some(bucket), None)
            .query("versioning", "")
            .header("content-md5", content_md5(body.as_bytes()))
            .body(body);
        Ok(empty(req.send().await?))
    }

    /// The bucket's versioning state; `None` when it was never configured.
    pub async fn get_bucket_versioning(&self, bucket: &str) -> Result<Output<Option<VersioningStatus>>, Error> {
        let resp = self.request(Method::GET, Some(bucket), None).query("versioning", "").send().await?;
        let doc: VersioningConfiguration = resp.xml("VersioningConfiguration")?;
        let status = match doc.status.as_deref() {
            None => None,
            Some(s) => Some(
                s.parse().map_err(|e| Error::invalid(format!("versioning status: {e}"), resp.status, &resp.headers))?,
            ),
        };
        Ok(Output::from_response(resp, status))
    }

    /// ListObjectVersions: versions and delete markers in one order (keys ascending, each key's
    /// newest first), then common prefixes.
    pub async fn list_object_versions(
        &self,
        bucket: &str,
        opts: &ListObjectVersionsOptions,
    ) -> Result<Output<ListVersionsResult>, Error> {
        let resp = self
            .request(Method::GET, Some(bucket), None)
            .query("versions", "")
            .query_opt("prefix", opts.prefix.clone())
            .query_opt("delimiter", opts.delimiter.clone())
            .query_opt("key-marker", opts.key_marker.clone())
            .query_opt("version-id-marker", opts.version_id_marker.clone())
            .query_opt("max-keys", opts.max_keys.map(|n| n.to_string()))
            .query_opt("encoding-type", opts.encoding_type.clone())
            .send()
            .await?;
        let mut data: ListVersionsResult = resp.xml("ListVersionsResult")?;
        if is_url_encoded(&data.encoding_type) {
            url_decode(&mut data.prefix);
            url_decode(&mut data.key_marker);
            url_decode(&mut data.delimiter);
            url_decode_opt(&mut data.next_key_marker);
            for entry in &mut data.entries {
                match entry {
                    VersionEntry::Version(v) => url_decode(&mut v.key),
                    VersionEntry::DeleteMarker(m) => url_decode(&mut m.key),
                    VersionEntry::CommonPrefixes(p) => url_decode(&mut p.prefix),
                }
            }
        }
        Ok(Output::from_response(resp, data))
    }

    /// Removes one version for good (a delete marker too, which brings the object back).
    pub async fn delete_object_version(
        &self,
        bucket: &str,
        key: &str,
        version_id: &str,
    ) -> Result<Output<DeleteObjectResult>, Error> {
        self.delete_object_at(bucket, key, Some(version_id)).await
    }

    /// DeleteMultipleObjects naming versions: `(key, None)` deletes the current version (a new
    /// delete marker in a versioned bucket), `(key, Some(id))` removes that version.
    pub async fn delete_object_versions<K: AsRef<str>, V: AsRef<str>>(
        &self,
        bucket: &str,
        objects: &[(K, Option<V>)],
        quiet: bool,
    ) -> Result<Output<DeleteResult>, Error> {
        let objects = objects
            .iter()
            .map(|(k, v)| DeleteObjectEntry {
                key: k.as_ref().to_owned(),
                version_id: v.as_ref().map(|v| v.as_ref().to_owned()),
            })
            .collect();
        self.delete_entries(bucket, Delete { quiet: Some(quiet.to_string()), objects }, Some("url")).await
    }
}
