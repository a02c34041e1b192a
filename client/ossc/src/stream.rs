//! Standard input and output: `cat`, `cp oss://b/k -` and `cp - oss://b/k`.

use oss_client::{Client, Error, GetObjectOptions, ObjectPath};
use serde_json::json;

use super::commands::{self, CpArgs};
use super::output::{human_size, write_stdout, Output};

/// Writes the object to standard output as it arrives; its CRC-64 is checked at the end (a
/// mismatch is reported after the data, with a failing exit code).
pub async fn cat(client: &Client, _out: &Output, url: &str, version_id: Option<String>) -> Result<(), Error> {
    let path = commands::object(url)?;
    let opts = GetObjectOptions { version_id, ..Default::default() };
    let mut body = client.get_object_stream(&path.bucket, &path.key, &opts).await?;
    while let Some(chunk) = body.chunk().await? {
        write_stdout(&chunk);
    }
    Ok(())
}

/// `cp - oss://b/k`: standard input, streamed (multipart once it passes the threshold).
pub async fn upload_stdin(client: &Client, out: &Output, args: &CpArgs) -> Result<(), Error> {
    let dst = ObjectPath::parse(&args.dst)?;
    if dst.is_prefix() {
        return Err(Error::Usage(format!("{}: standard input needs a key to be uploaded to", args.dst)));
    }
    let cancel = commands::cancel_on_ctrl_c();
    let mut opts = commands::transfer_options(&args.transfer, cancel, false);
    opts.object = commands::object_options(&args.transfer);
    let o = client.upload_reader(tokio::io::stdin(), &dst, &opts).await?;
    // The data came from a pipe, so the report goes to stderr only when a person watches.
    if out.human() {
        eprintln!(
            "uploaded standard input -> {dst} ({}{})",
            human_size(o.size),
            if o.upload_id.is_some() { format!(", {} parts", o.parts) } else { String::new() }
        );
    }
    out.json(json!({
        "operation": "upload", "source": "-", "destination": dst.to_string(), "size": o.size, "etag": o.etag,
        "crc64": o.crc64.map(|c| c.to_string()), "multipart": o.upload_id.is_some(), "parts": o.parts,
        "request_id": o.request_id,
    }));
    Ok(())
}
