//! `ossc tag`: read, set and remove the tags of an object (oss://bucket/key) or of a bucket
//! (oss://bucket).

use clap::Args;
use oss_client::{Client, Error};
use serde_json::json;

use crate::commands::oss;
use crate::output::Output;

#[derive(Args, Debug)]
pub struct TagArgs {
    /// oss://bucket/key for an object's tags, oss://bucket for the bucket's.
    pub url: String,
    /// Replace the tags with these, each KEY=VALUE (KEY alone for an empty value).
    #[arg(long = "set", value_name = "KEY=VALUE", num_args = 1.., conflicts_with = "remove")]
    pub set: Vec<String>,
    /// Remove the tags (on a bucket: only the keys given with --key, when any).
    #[arg(long = "rm")]
    pub remove: bool,
    /// With --rm on a bucket: the tag keys to remove (repeatable).
    #[arg(long = "key", value_name = "KEY", requires = "remove")]
    pub keys: Vec<String>,
    /// The tags of this version of the object instead of the current one.
    #[arg(long, value_name = "ID")]
    pub version_id: Option<String>,
}

fn pairs(specs: &[String]) -> Vec<(String, String)> {
    specs
        .iter()
        .map(|s| {
            let (k, v) = s.split_once('=').unwrap_or((s, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

pub async fn tag(client: &Client, out: &Output, args: TagArgs) -> Result<(), Error> {
    let path = oss(&args.url)?;
    let on_object = !path.key.is_empty();
    if args.version_id.is_some() && !on_object {
        return Err(Error::Usage(format!("{}: --version-id needs an object, oss://bucket/key", args.url)));
    }
    let version = args.version_id.as_deref();
    if !args.set.is_empty() {
        let tags = pairs(&args.set);
        if on_object {
            client.put_object_tagging(&path.bucket, &path.key, &tags, version).await?;
        } else {
            client.put_bucket_tags(&path.bucket, &tags).await?;
        }
        out.line(format!("tagged {} with {} tags", args.url, tags.len()));
        out.json(json!({"url": args.url, "tags": tags}));
        return Ok(());
    }
    if args.remove {
        if on_object {
            client.delete_object_tagging(&path.bucket, &path.key, version).await?;
        } else {
            let keys: Vec<&str> = args.keys.iter().map(String::as_str).collect();
            client.delete_bucket_tags(&path.bucket, &keys).await?;
        }
        out.line(format!("removed tags of {}", args.url));
        out.json(json!({"url": args.url, "removed": true}));
        return Ok(());
    }
    let tags = if on_object {
        client.get_object_tagging(&path.bucket, &path.key, version).await?.data
    } else {
        client.get_bucket_tags(&path.bucket).await?.data
    };
    for (k, v) in &tags {
        out.line(format!("{k}={v}"));
    }
    let doc: serde_json::Map<String, serde_json::Value> = tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    out.json(json!({"url": args.url, "tags": doc}));
    Ok(())
}
