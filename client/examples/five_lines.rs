//! The README's "client in five lines", as it is written there: run it against a started
//! emulator with its credentials in the environment,
//! `OSS_ACCESS_KEY_ID=oss-emulator-ak OSS_ACCESS_KEY_SECRET=oss-emulator-secret cargo run -p oss-client --example five_lines`.

use oss_client::{Client, Config, CopyOptions, ObjectPath, RetryPolicy};

#[tokio::main]
async fn main() -> Result<(), oss_client::Error> {
    let client = Client::new(
        Config::new("http://127.0.0.1:9000", "cn-hangzhou").credentials_from_env().retry(RetryPolicy::standard()),
    )?;
    client.put_bucket("demo", None, None).await?;
    client.put_object("demo", "report.csv", &b"a,b\n1,2\n"[..], &Default::default()).await?;
    let out = client
        .copy(
            &ObjectPath::new("demo", "report.csv"),
            &ObjectPath::new("demo", "archive/report.csv"),
            &CopyOptions::default(),
        )
        .await?;
    println!("copied {} bytes, CRC-64 {:?}", out.size, out.crc64);
    Ok(())
}
