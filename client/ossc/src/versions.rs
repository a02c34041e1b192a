//! Versioned buckets: `ossc versioning` shows or sets a bucket's state, `ossc ls --all-versions`
//! lists every version and delete marker, and the version helpers `rb --force` uses to empty a
//! versioned bucket. Reading, removing, tagging and restoring one version are `--version-id` on
//! `cat`, `stat`, `rm`, `tag` and `restore`.

use clap::{Args, ValueEnum};
use oss_client::protocol::xml::VersionEntry;
use oss_client::protocol::VersioningStatus;
use oss_client::{Client, Error, ListObjectVersionsOptions};
use serde_json::json;

use crate::commands::oss;
use crate::output::{human_size, Output};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum State {
    /// Keep every version from now on.
    Enable,
    /// Stop making new versions (writes replace the `null` version); existing ones stay.
    Suspend,
}

#[derive(Args, Debug)]
pub struct VersioningArgs {
    /// The bucket, oss://bucket.
    pub url: String,
    /// What to set; without it, the state is shown (Enabled, Suspended, or never configured).
    #[arg(value_enum)]
    pub state: Option<State>,
}

pub async fn versioning(client: &Client, out: &Output, args: VersioningArgs) -> Result<(), Error> {
    let path = oss(&args.url)?;
    if !path.key.is_empty() {
        return Err(Error::Usage(format!("{}: expected oss://bucket", args.url)));
    }
    if let Some(state) = args.state {
        let status = match state {
            State::Enable => VersioningStatus::Enabled,
            State::Suspend => VersioningStatus::Suspended,
        };
        client.put_bucket_versioning(&path.bucket, status).await?;
        out.line(format!("versioning of oss://{} is {status}", path.bucket));
        out.json(json!({"bucket": path.bucket, "versioning": status.as_str()}));
        return Ok(());
    }
    let status = client.get_bucket_versioning(&path.bucket).await?.into_inner();
    let shown = status.map_or("never configured", |s| s.as_str());
    out.line(format!("versioning of oss://{} is {shown}", path.bucket));
    out.json(json!({"bucket": path.bucket, "versioning": status.map(|s| s.as_str())}));
    Ok(())
}

/// One version or delete marker.
pub struct Version {
    pub key: String,
    pub version_id: String,
    pub delete_marker: bool,
    pub latest: bool,
    pub size: u64,
    pub last_modified: String,
}

/// Every version and delete marker under `prefix`, in the listing's order.
pub async fn all_versions(client: &Client, bucket: &str, prefix: &str) -> Result<Vec<Version>, Error> {
    let mut opts = ListObjectVersionsOptions {
        prefix: Some(prefix.to_owned()).filter(|p| !p.is_empty()),
        max_keys: Some(1000),
        encoding_type: Some("url".into()),
        ..Default::default()
    };
    let mut all = Vec::new();
    loop {
        let page = client.list_object_versions(bucket, &opts).await?.into_inner();
        for entry in page.entries {
            all.push(match entry {
                VersionEntry::Version(v) => Version {
                    key: v.key,
                    version_id: v.version_id,
                    delete_marker: false,
                    latest: v.is_latest,
                    size: v.size,
                    last_modified: v.last_modified,
                },
                VersionEntry::DeleteMarker(m) => Version {
                    key: m.key,
                    version_id: m.version_id,
                    delete_marker: true,
                    latest: m.is_latest,
                    size: 0,
                    last_modified: m.last_modified,
                },
                VersionEntry::CommonPrefixes(_) => continue,
            });
        }
        if !page.is_truncated {
            return Ok(all);
        }
        opts.key_marker = page.next_key_marker;
        opts.version_id_marker = page.next_version_id_marker;
    }
}

/// `ls --all-versions`: one line per version, newest first within a key.
pub async fn ls(client: &Client, out: &Output, bucket: &str, prefix: &str, bytes: bool) -> Result<(), Error> {
    let versions = all_versions(client, bucket, prefix).await?;
    let mut doc = Vec::new();
    for v in &versions {
        let size = match (v.delete_marker, bytes) {
            (true, _) => "MARKER".to_owned(),
            (false, true) => v.size.to_string(),
            (false, false) => human_size(v.size),
        };
        let latest = if v.latest { "latest" } else { "" };
        out.line(format!(
            "{size:>12} {:<24} {:<64} {latest:<6} oss://{bucket}/{}",
            v.last_modified, v.version_id, v.key
        ));
        doc.push(json!({"key": v.key, "version_id": v.version_id, "delete_marker": v.delete_marker,
            "latest": v.latest, "size": v.size, "last_modified": v.last_modified}));
    }
    out.json(json!({"bucket": bucket, "prefix": prefix, "versions": doc}));
    Ok(())
}

/// Removes every version and delete marker of a versioned bucket, 1000 at a time. An
/// unversioned bucket's objects are removed as plain keys.
pub async fn delete_all(client: &Client, out: &Output, bucket: &str, versions: &[Version]) -> Result<(), Error> {
    let versioned = client.get_bucket_versioning(bucket).await?.is_some();
    for batch in versions.chunks(1000) {
        // A versioned bucket must be told the version, even `null`: without one it would only
        // add delete markers.
        let named: Vec<(&str, Option<&str>)> =
            batch.iter().map(|v| (v.key.as_str(), versioned.then_some(v.version_id.as_str()))).collect();
        client.delete_object_versions(bucket, &named, true).await?;
        for v in batch {
            match versioned {
                true => out.line(format!("removed oss://{bucket}/{} (version {})", v.key, v.version_id)),
                false => out.line(format!("removed oss://{bucket}/{}", v.key)),
            }
        }
    }
    Ok(())
}
