//! What a new user of the client meets: HTTPS against an emulator with a generated certificate
//! (verified through its CA), a clear error for missing credentials, and a connection error
//! that names the endpoint.

use oss_client::{Client, Config, CopyOptions, ObjectPath};
use oss_emulator::config::{DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET};
use oss_emulator::tls::TlsConfig;

#[tokio::test]
async fn https_with_the_generated_ca_verified() {
    let tls = TlsConfig { self_signed: true, ..Default::default() };
    let em = oss_emulator::Emulator::builder().tls(tls).start().await.expect("start");
    let ca = std::fs::read(em.tls_ca_file().expect("generated CA")).unwrap();
    assert!(em.endpoint().starts_with("https://"));
    let client = Client::new(
        Config::new(em.endpoint(), em.region())
            .credentials(DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET)
            .root_certificate_pem(ca.clone()),
    )
    .expect("client");
    client.put_bucket("secure", None, None).await.expect("PutBucket over HTTPS");
    client.put_object("secure", "a.txt", &b"over tls"[..], &Default::default()).await.expect("put");
    let copy = client
        .copy(&ObjectPath::new("secure", "a.txt"), &ObjectPath::new("secure", "b.txt"), &CopyOptions::default())
        .await
        .expect("copy");
    assert_eq!(copy.size, 8);
    let got = client.get_object("secure", "b.txt", &Default::default()).await.expect("get");
    assert_eq!(&got.data.body[..], b"over tls");

    // Virtual-hosted names are in the certificate too: <bucket>.oss-<region>.aliyuncs.com,
    // reached without DNS. (`*.localhost` is in it as well, but webpki, like browsers, refuses
    // a wildcard over a single label.)
    let vhost = Client::new(
        Config::new(format!("https://oss-cn-hangzhou.aliyuncs.com:{}", em.addr().port()), em.region())
            .credentials(DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET)
            .resolve("oss-cn-hangzhou.aliyuncs.com", em.addr())
            .root_certificate_pem(ca),
    )
    .expect("client");
    let got = vhost.get_object("secure", "a.txt", &Default::default()).await.expect("get via a virtual host");
    assert_eq!(&got.data.body[..], b"over tls");

    // Without the CA the certificate is refused.
    let untrusting =
        Client::new(Config::new(em.endpoint(), em.region()).credentials(DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET))
            .expect("client");
    let err = untrusting.get_object("secure", "a.txt", &Default::default()).await.expect_err("unverified");
    assert!(err.is_transport(), "{err}");

    assert!(Client::new(Config::new(em.endpoint(), em.region()).root_certificate_pem(&b"junk"[..])).is_err());
}

#[test]
fn missing_credentials_are_an_error_that_says_so() {
    // CI has neither variable; a developer who exported them still runs the other checks.
    if std::env::var_os("OSS_ACCESS_KEY_ID").is_none() {
        let err = Client::new(Config::new("http://127.0.0.1:9000", "cn-hangzhou").credentials_from_env())
            .expect_err("no credentials");
        assert!(err.to_string().contains("OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET"), "{err}");
    }
    let err = Client::new(Config::new("http://127.0.0.1:9000", "cn-hangzhou").credentials("ak", "")).unwrap_err();
    assert!(err.to_string().contains("AccessKeySecret is empty"), "{err}");
    // Anonymous requests, asked for, are still possible.
    let anonymous = Config::new("http://127.0.0.1:9000", "cn-hangzhou").credentials_from_env().anonymous();
    assert!(Client::new(anonymous).is_ok());
}

#[tokio::test]
async fn connection_refused_names_the_endpoint() {
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let client = Client::new(
        Config::new(format!("http://{addr}"), "cn-hangzhou").credentials(DEV_ACCESS_KEY_ID, DEV_ACCESS_KEY_SECRET),
    )
    .unwrap();
    let err = client.put_bucket("b", None, None).await.expect_err("nothing listens");
    let text = err.to_string();
    assert!(text.contains(&format!("http://{addr}")), "{text}");
    assert!(text.to_lowercase().contains("refused"), "{text}");
    assert!(text.contains("is the emulator running?"), "{text}");
}
