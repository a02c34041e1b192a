//! `ossc restore`: start (or extend) the restore of an archived object.

use clap::Args;
use oss_client::protocol::RestoreTier;
use oss_client::{Client, Error, RestoreOptions};
use serde_json::json;

use crate::commands::object;
use crate::output::Output;

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The archived object, oss://bucket/key.
    pub url: String,
    /// Days the restored copy stays readable (Archive 1–7, cold archives 1–365) [default: 1].
    #[arg(long)]
    pub days: Option<u32>,
    /// Restore tier of a ColdArchive or DeepColdArchive object: Expedited, Standard, Bulk.
    #[arg(long, value_parser = parse_tier)]
    pub tier: Option<RestoreTier>,
    /// Restore this version instead of the current one.
    #[arg(long, value_name = "ID")]
    pub version_id: Option<String>,
}

fn parse_tier(s: &str) -> Result<RestoreTier, String> {
    s.parse().map_err(|e: oss_client::protocol::types::UnknownValue| e.to_string())
}

pub async fn restore(client: &Client, out: &Output, args: RestoreArgs) -> Result<(), Error> {
    let path = object(&args.url)?;
    let opts = RestoreOptions { days: args.days, tier: args.tier, version_id: args.version_id };
    let result = client.restore_object(&path.bucket, &path.key, &opts).await?;
    let what = if result.started { "restore started for" } else { "already restored, extended:" };
    out.line(format!("{what} {}", args.url));
    out.json(json!({
        "url": args.url,
        "started": result.started,
        "priority": result.priority.map(|t| t.as_str()),
    }));
    Ok(())
}
