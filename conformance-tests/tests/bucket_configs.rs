//! The smaller bucket configurations: CORS (rules, the preflight, headers on actual requests),
//! referer, logging, default encryption, request payment, public access block, HTTPS config, and
//! GetBucketStat, website, inventory, transfer acceleration, resource group, access monitor and the
//! live channel list.

use conformance_tests::{assert_error, put, service_error, Target};
use oss_client::protocol::xml::{
    ApplyServerSideEncryptionByDefault, BucketEncryptionRule, BucketLoggingStatus, CorsConfiguration, CorsRule,
    Element, HttpsConfiguration, HttpsTls, LoggingEnabled, PublicAccessBlockConfiguration, QoSConfiguration,
    RefererConfiguration, RefererList, RequestPaymentConfiguration,
};
use oss_client::{Method, Preflight};

fn strings(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

fn cors_rule(origins: &[&str], methods: &[&str], headers: &[&str]) -> CorsRule {
    CorsRule {
        allowed_origins: strings(origins),
        allowed_methods: strings(methods),
        allowed_headers: strings(headers),
        ..CorsRule::default()
    }
}

fn ask(origin: &str, method: &str, headers: Option<&str>) -> Preflight {
    Preflight { origin: origin.into(), method: method.into(), headers: headers.map(str::to_owned) }
}

#[tokio::test]
async fn cors_rules_round_trip_and_delete_leaves_none() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("cors").await;
    assert_error(&service_error(client.get_bucket_cors(&bucket.name).await), 404, "NoSuchCORSConfiguration");

    let rule = CorsRule {
        expose_headers: strings(&["x-oss-test", "ETag"]),
        max_age_seconds: Some("100".into()),
        ..cors_rule(&["http://www.example.com", "https://*.example.com"], &["GET", "PUT"], &["Authorization", "*"])
    };
    let doc =
        CorsConfiguration { rules: vec![rule, cors_rule(&["*"], &["HEAD"], &[])], response_vary: Some("true".into()) };
    client.put_bucket_cors(&bucket.name, &doc).await.unwrap();
    let got = client.get_bucket_cors(&bucket.name).await.unwrap();
    assert_eq!(got.rules.len(), 2);
    assert_eq!(got.rules[0].allowed_origins, ["http://www.example.com", "https://*.example.com"]);
    assert_eq!(got.rules[0].allowed_methods, ["GET", "PUT"]);
    // OSS stores allowed headers lowercased.
    assert_eq!(got.rules[0].allowed_headers, ["authorization", "*"]);
    assert_eq!(got.rules[0].expose_headers, ["x-oss-test", "ETag"]);
    assert_eq!(got.rules[0].max_age_seconds.as_deref(), Some("100"));
    assert_eq!(got.response_vary.as_deref(), Some("true"));

    for _ in 0..2 {
        assert_eq!(client.delete_bucket_cors(&bucket.name).await.unwrap().status, 204);
    }
    assert_error(&service_error(client.get_bucket_cors(&bucket.name).await), 404, "NoSuchCORSConfiguration");
}

#[tokio::test]
async fn invalid_cors_rules_are_refused() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("corsbad").await;
    let eleven = CorsConfiguration { rules: vec![cors_rule(&["*"], &["GET"], &[]); 11], response_vary: None };
    let err = service_error(client.put_bucket_cors(&bucket.name, &eleven).await);
    assert_error(&err, 400, "CORSRuleBeyondLimit");
    assert_eq!(err.message, "The CORS Rules num is beyond limit.");
    let negative = CorsRule { max_age_seconds: Some("-1".into()), ..cors_rule(&["*"], &["GET"], &[]) };
    let err = service_error(
        client.put_bucket_cors(&bucket.name, &CorsConfiguration { rules: vec![negative], response_vary: None }).await,
    );
    assert_error(&err, 400, "InvalidArgument");
    assert_eq!(err.document.extra("ArgumentName"), Some("MaxAgeSeconds"));
    let method = cors_rule(&["*"], &["PATCH"], &[]);
    let err = service_error(
        client.put_bucket_cors(&bucket.name, &CorsConfiguration { rules: vec![method], response_vary: None }).await,
    );
    assert_error(&err, 400, "MalformedXML");
    assert_error(&service_error(client.get_bucket_cors(&bucket.name).await), 404, "NoSuchCORSConfiguration");
}

/// A browser preflights a presigned PUT at the URL it will PUT to: the URL's signature (made for
/// PUT) comes along on the OPTIONS, and the CORS rules alone must answer it.
#[tokio::test]
async fn a_preflight_of_a_presigned_url_is_not_judged_by_its_signature() {
    use conformance_tests::SignatureVersion;
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("preflightsig").await;
    let origin = "http://app.example";
    let doc = CorsConfiguration { rules: vec![cors_rule(&[origin], &["PUT"], &["*"])], response_vary: None };
    client.put_bucket_cors(&bucket.name, &doc).await.unwrap();
    for version in [SignatureVersion::V1, SignatureVersion::V4] {
        let signer = target.client_as(Some(&target.primary), version);
        let url = signer
            .presign(Method::PUT, Some(&bucket.name), Some("k"), std::time::Duration::from_secs(600), &[], &[])
            .unwrap();
        let query = url.split_once('?').map(|(_, q)| q.to_owned()).unwrap_or_default();
        let resp = client
            .request(Method::OPTIONS, Some(&bucket.name), Some("k"))
            .sign(false)
            .raw_query(query)
            .header("origin", origin)
            .header("access-control-request-method", "PUT")
            .header("access-control-request-headers", "content-type")
            .send_raw()
            .await
            .unwrap();
        assert_eq!(resp.status, 200, "{version:?}: {}", resp.text());
        assert_eq!(resp.header("access-control-allow-origin"), Some(origin));
    }
}

#[tokio::test]
async fn preflight_is_answered_from_the_first_matching_rule() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("preflight").await;
    let origin = "http://www.example.com";
    // No rules: every preflight is forbidden, with OSS's (misspelt) message.
    let err = service_error(client.option_object(&bucket.name, Some("k"), &ask(origin, "PUT", None)).await);
    assert_error(&err, 403, "AccessForbidden");
    assert!(err.message.starts_with("CORSResponse: This CORS request is not allowed."), "{:?}", err.message);

    let first = CorsRule {
        expose_headers: strings(&["x-oss-test2", "x-oss-test3"]),
        max_age_seconds: Some("33012".into()),
        ..cors_rule(&[origin], &["PUT", "POST"], &["*"])
    };
    let second = cors_rule(&["*"], &["GET"], &["x-oss-meta-*"]);
    let doc = CorsConfiguration { rules: vec![first, second], response_vary: None };
    client.put_bucket_cors(&bucket.name, &doc).await.unwrap();

    // The key need not exist; the grant lists every method of the rule.
    let ok = client.option_object(&bucket.name, Some("never-uploaded"), &ask(origin, "PUT", Some("x-oss-test2"))).await;
    let ok = ok.unwrap();
    assert_eq!(ok.status, 200);
    assert_eq!(ok.header("access-control-allow-origin"), Some(origin));
    assert_eq!(ok.header("access-control-allow-methods"), Some("PUT, POST"));
    assert_eq!(ok.header("access-control-allow-headers"), Some("x-oss-test2"));
    assert_eq!(ok.header("access-control-expose-headers"), Some("x-oss-test2,x-oss-test3"));
    assert_eq!(ok.header("access-control-max-age"), Some("33012"));

    // Another origin falls through to the second rule, whose header pattern must cover every
    // requested header.
    let other = "http://other.example";
    let got = client.option_object(&bucket.name, Some("k"), &ask(other, "GET", Some("X-OSS-META-A"))).await.unwrap();
    assert_eq!(got.header("access-control-allow-origin"), Some(other));
    assert_eq!(got.header("access-control-allow-methods"), Some("GET"));
    assert_eq!(got.header("access-control-max-age"), None);
    for refused in [ask(other, "GET", Some("x-oss-meta-a, content-type")), ask(other, "DELETE", None)] {
        let err = service_error(client.option_object(&bucket.name, Some("k"), &refused).await);
        assert_error(&err, 403, "AccessForbidden");
    }

    // What a preflight must carry.
    let bare = client.request(Method::OPTIONS, Some(&bucket.name), Some("k")).sign(false);
    let err = service_error(bare.header("access-control-request-method", "PUT").send().await);
    assert_error(&err, 400, "BadRequest");
    assert_eq!(err.message, "Insufficient information. Origin request header needed.");
    let bare = client.request(Method::OPTIONS, Some(&bucket.name), Some("k")).sign(false);
    let err = service_error(bare.header("origin", origin).send().await);
    assert_error(&err, 400, "BadRequest");
    assert_eq!(err.message, "Insufficient information. Request Access-Control-Request-Method header needed.");

    let missing = format!("{}-gone", bucket.name);
    let err = service_error(client.option_object(&missing, Some("k"), &ask(origin, "PUT", None)).await);
    assert_error(&err, 404, "NoSuchBucket");
}

#[tokio::test]
async fn actual_requests_carry_the_matching_rules_headers() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("corsget").await;
    put(&client, &bucket.name, "k", b"hello").await;
    let origin = "http://www.example.com";
    let rule = CorsRule { expose_headers: strings(&["ETag"]), ..cors_rule(&[origin], &["GET", "HEAD"], &[]) };
    let doc = CorsConfiguration { rules: vec![rule], response_vary: Some("true".into()) };
    client.put_bucket_cors(&bucket.name, &doc).await.unwrap();

    let get = client.request(Method::GET, Some(&bucket.name), Some("k")).header("origin", origin).send().await.unwrap();
    assert_eq!(get.header("access-control-allow-origin"), Some(origin));
    assert_eq!(get.header("access-control-allow-methods"), Some("GET, HEAD"));
    assert_eq!(get.header("access-control-expose-headers"), Some("ETag"));
    assert!(get.header_all("vary").iter().any(|v| v.contains("Origin")), "{:?}", get.header_all("vary"));
    assert_eq!(get.text(), "hello");

    // No rule for this origin: the answer is the plain one, never an error.
    let other = client.request(Method::GET, Some(&bucket.name), Some("k")).header("origin", "http://evil.example");
    let other = other.send().await.unwrap();
    assert_eq!(other.header("access-control-allow-origin"), None);
    assert_eq!(other.text(), "hello");

    // Error answers carry them too, so a browser script can read the error.
    let missing = client.request(Method::GET, Some(&bucket.name), Some("nope")).header("origin", origin);
    let err = service_error(missing.send().await);
    assert_error(&err, 404, "NoSuchKey");
    assert_eq!(err.headers.get("access-control-allow-origin").and_then(|v| v.to_str().ok()), Some(origin));
}

#[tokio::test]
async fn referer_lists_round_trip() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("referer").await;
    let open = client.get_bucket_referer(&bucket.name).await.unwrap();
    assert_eq!(open.allow_empty_referer, "true");
    assert!(open.referer_list.referers.is_empty());

    let doc = RefererConfiguration {
        allow_empty_referer: "false".into(),
        allow_truncate_query_string: Some("false".into()),
        referer_list: RefererList {
            referers: strings(&["http://hello.com", "https://www.?.aliyuncs.com", "中文+referer"]),
        },
        referer_blacklist: Some(RefererList { referers: strings(&["http://bad.example"]) }),
        ..RefererConfiguration::default()
    };
    client.put_bucket_referer(&bucket.name, &doc).await.unwrap();
    let got = client.get_bucket_referer(&bucket.name).await.unwrap();
    assert_eq!(got.allow_empty_referer, "false");
    assert_eq!(got.allow_truncate_query_string.as_deref(), Some("false"));
    assert_eq!(got.referer_list.referers, doc.referer_list.referers);
    assert_eq!(got.referer_blacklist.as_ref().map(|l| l.referers.clone()), Some(strings(&["http://bad.example"])));

    // Saying nothing about truncation reads back as true (the oss2 suite's finding on OSS).
    let plain = RefererConfiguration { allow_empty_referer: "true".into(), ..RefererConfiguration::default() };
    client.put_bucket_referer(&bucket.name, &plain).await.unwrap();
    let got = client.get_bucket_referer(&bucket.name).await.unwrap();
    assert_eq!(got.allow_truncate_query_string.as_deref(), Some("true"));
    assert!(got.referer_blacklist.as_ref().is_none_or(|l| l.referers.is_empty()));
}

#[tokio::test]
async fn logging_goes_to_a_bucket_of_the_same_owner() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("logged").await;
    let logs = target.bucket("logs").await;
    let off = client.get_bucket_logging(&bucket.name).await.unwrap();
    assert_eq!(off.logging_enabled, None);

    let on = |to: &str| BucketLoggingStatus {
        logging_enabled: Some(LoggingEnabled {
            target_bucket: to.to_owned(),
            target_prefix: "日志+/".into(),
            logging_role: None,
        }),
    };
    client.put_bucket_logging(&bucket.name, &on(&logs.name)).await.unwrap();
    let got = client.get_bucket_logging(&bucket.name).await.unwrap();
    let enabled = got.logging_enabled.clone().expect("logging on");
    assert_eq!((enabled.target_bucket.as_str(), enabled.target_prefix.as_str()), (logs.name.as_str(), "日志+/"));

    let gone = format!("{}-gone", logs.name);
    let err = service_error(client.put_bucket_logging(&bucket.name, &on(&gone)).await);
    assert_error(&err, 400, "InvalidTargetBucketForLogging");

    for _ in 0..2 {
        assert_eq!(client.delete_bucket_logging(&bucket.name).await.unwrap().status, 204);
    }
    assert_eq!(client.get_bucket_logging(&bucket.name).await.unwrap().logging_enabled, None);
}

#[tokio::test]
async fn default_encryption_is_validated_and_shown_in_bucket_info() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("sse").await;
    let err = service_error(client.get_bucket_encryption(&bucket.name).await);
    assert_error(&err, 404, "NoSuchServerSideEncryptionRule");
    assert_eq!(
        client.get_bucket_info(&bucket.name).await.unwrap().bucket.server_side_encryption_rule.sse_algorithm,
        "None"
    );

    let rule = |alg: &str, key: Option<&str>| BucketEncryptionRule {
        apply_by_default: ApplyServerSideEncryptionByDefault {
            sse_algorithm: alg.into(),
            kms_master_key_id: key.map(str::to_owned),
            kms_data_encryption: None,
        },
    };
    let err = service_error(client.put_bucket_encryption(&bucket.name, &rule("AES256", Some("k"))).await);
    assert_error(&err, 400, "InvalidArgument");
    assert_eq!(err.message, "KMSMasterKeyID is not applicable if the default sse algorithm is not KMS.");
    let err = service_error(client.put_bucket_encryption(&bucket.name, &rule("random", None)).await);
    assert_error(&err, 400, "InvalidEncryptionAlgorithmError");

    client.put_bucket_encryption(&bucket.name, &rule("KMS", Some(""))).await.unwrap();
    let got = client.get_bucket_encryption(&bucket.name).await.unwrap();
    assert_eq!(
        (got.apply_by_default.sse_algorithm.as_str(), got.apply_by_default.kms_master_key_id.as_deref()),
        ("KMS", None)
    );

    client.put_bucket_encryption(&bucket.name, &rule("KMS", Some("key-123"))).await.unwrap();
    let info = client.get_bucket_info(&bucket.name).await.unwrap().into_inner().bucket.server_side_encryption_rule;
    assert_eq!((info.sse_algorithm.as_str(), info.kms_master_key_id.as_deref()), ("KMS", Some("key-123")));

    assert_eq!(client.delete_bucket_encryption(&bucket.name).await.unwrap().status, 204);
    let err = service_error(client.get_bucket_encryption(&bucket.name).await);
    assert_error(&err, 404, "NoSuchServerSideEncryptionRule");
}

#[tokio::test]
async fn request_payment_defaults_to_the_owner() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("payer").await;
    assert_eq!(client.get_bucket_request_payment(&bucket.name).await.unwrap().payer, "BucketOwner");
    let requester = RequestPaymentConfiguration { payer: "Requester".into() };
    assert_eq!(client.put_bucket_request_payment(&bucket.name, &requester).await.unwrap().status, 200);
    assert_eq!(client.get_bucket_request_payment(&bucket.name).await.unwrap().payer, "Requester");
    let bad = RequestPaymentConfiguration { payer: "Nobody".into() };
    assert_error(&service_error(client.put_bucket_request_payment(&bucket.name, &bad).await), 400, "MalformedXML");
    let owner = RequestPaymentConfiguration { payer: "BucketOwner".into() };
    client.put_bucket_request_payment(&bucket.name, &owner).await.unwrap();
    assert_eq!(client.get_bucket_request_payment(&bucket.name).await.unwrap().payer, "BucketOwner");
}

#[tokio::test]
async fn public_access_block_round_trips_and_stops_public_acls() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("pab").await;
    let block = |on: &str| PublicAccessBlockConfiguration { block_public_access: on.into() };
    // Public ACLs need the block off; a fresh bucket on current OSS starts with it on.
    client.put_bucket_public_access_block(&bucket.name, &block("false")).await.unwrap();
    client.put_bucket_acl(&bucket.name, "public-read").await.unwrap();
    put(&client, &bucket.name, "k", b"public").await;
    let anonymous = target.anonymous();
    assert_eq!(anonymous.get_object(&bucket.name, "k", &Default::default()).await.unwrap().body, "public");

    assert_eq!(client.put_bucket_public_access_block(&bucket.name, &block("true")).await.unwrap().status, 200);
    let got = client.get_bucket_public_access_block(&bucket.name).await.unwrap();
    assert_eq!(got.block_public_access, "true");
    assert_eq!(client.get_bucket_info(&bucket.name).await.unwrap().bucket.block_public_access, "true");
    let err = service_error(anonymous.get_object(&bucket.name, "k", &Default::default()).await);
    assert_error(&err, 403, "AccessDenied");

    assert_eq!(client.delete_bucket_public_access_block(&bucket.name).await.unwrap().status, 204);
    assert_eq!(client.get_bucket_public_access_block(&bucket.name).await.unwrap().block_public_access, "false");
    assert_eq!(anonymous.get_object(&bucket.name, "k", &Default::default()).await.unwrap().body, "public");
}

/// The account-level block stands over every bucket of the account, whatever the bucket's own
/// setting says, and leaves other accounts' buckets alone.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "blocks public access for the whole account, under every other test")]
async fn the_account_level_public_access_block_stops_every_buckets_public_acls() {
    let target = Target::start().await;
    let client = target.client();
    let block = |on: &str| PublicAccessBlockConfiguration { block_public_access: on.into() };
    assert_eq!(client.get_public_access_block().await.unwrap().block_public_access, "false");
    let bucket = target.bucket("pabacct").await;
    client.put_bucket_public_access_block(&bucket.name, &block("false")).await.unwrap();
    client.put_bucket_acl(&bucket.name, "public-read").await.unwrap();
    put(&client, &bucket.name, "k", b"public").await;
    let anonymous = target.anonymous();
    assert_eq!(anonymous.get_object(&bucket.name, "k", &Default::default()).await.unwrap().body, "public");

    assert_eq!(client.put_public_access_block(&block("true")).await.unwrap().status, 200);
    assert_eq!(client.get_public_access_block().await.unwrap().block_public_access, "true");
    assert_eq!(client.get_bucket_public_access_block(&bucket.name).await.unwrap().block_public_access, "false");
    let err = service_error(anonymous.get_object(&bucket.name, "k", &Default::default()).await);
    assert_error(&err, 403, "AccessDenied");
    let err = service_error(anonymous.get_public_access_block().await);
    assert_error(&err, 403, "AccessDenied");

    assert_eq!(client.delete_public_access_block().await.unwrap().status, 204);
    assert_eq!(client.get_public_access_block().await.unwrap().block_public_access, "false");
    assert_eq!(anonymous.get_object(&bucket.name, "k", &Default::default()).await.unwrap().body, "public");
}

#[tokio::test]
async fn storage_capacity_defaults_to_none_and_refuses_negatives() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("qos").await;
    assert_eq!(client.get_bucket_storage_capacity(&bucket.name).await.unwrap().storage_capacity, "-1");
    client.put_bucket_storage_capacity(&bucket.name, 100).await.unwrap();
    assert_eq!(client.get_bucket_storage_capacity(&bucket.name).await.unwrap().storage_capacity, "100");
    let err = service_error(client.put_bucket_storage_capacity(&bucket.name, -2).await);
    assert_error(&err, 400, "InvalidArgument");
    client.put_bucket_storage_capacity(&bucket.name, -1).await.unwrap();
    assert_eq!(client.get_bucket_storage_capacity(&bucket.name).await.unwrap().storage_capacity, "-1");
}

/// Bucket limits nest within the account's: no total above the account's, no part above the
/// total; members left out read back as `-1`.
#[tokio::test]
async fn qos_info_stays_within_the_accounts_limits() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("qosinfo").await;
    let user = client.get_user_qos_info().await.unwrap();
    assert_eq!(user.region.as_deref(), Some(target.region.as_str()));
    let account_upload: i64 = user.total_upload_bandwidth.as_deref().unwrap().parse().unwrap();
    assert!(account_upload > 0);

    let some = |v: &str| Some(v.to_owned());
    let doc = QoSConfiguration {
        total_upload_bandwidth: some("-1"),
        intranet_upload_bandwidth: some("2"),
        ..Default::default()
    };
    client.put_bucket_qos_info(&bucket.name, &doc).await.unwrap();
    let got = client.get_bucket_qos_info(&bucket.name).await.unwrap();
    assert_eq!((got.intranet_upload_bandwidth.as_deref(), got.total_qps.as_deref()), (Some("2"), Some("-1")));

    let above = (account_upload + 1).to_string();
    for bad in [
        QoSConfiguration { total_upload_bandwidth: some(&above), ..Default::default() },
        QoSConfiguration {
            total_upload_bandwidth: some("1"),
            extranet_upload_bandwidth: some("2"),
            ..Default::default()
        },
    ] {
        assert_error(&service_error(client.put_bucket_qos_info(&bucket.name, &bad).await), 400, "InvalidArgument");
    }
    assert_eq!(client.delete_bucket_qos_info(&bucket.name).await.unwrap().status, 204);
    let cleared = client.get_bucket_qos_info(&bucket.name).await.unwrap();
    assert_eq!(cleared.intranet_upload_bandwidth.as_deref(), Some("-1"));
}

#[tokio::test]
async fn https_config_needs_a_known_tls_version() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("https").await;
    let doc = |enable: &str, versions: &[&str]| HttpsConfiguration {
        tls: HttpsTls { enable: enable.into(), tls_versions: strings(versions) },
        cipher_suite: None,
    };
    client.put_bucket_https_config(&bucket.name, &doc("true", &["TLSv1.2", "TLSv1.3", "TLSv1.2"])).await.unwrap();
    let got = client.get_bucket_https_config(&bucket.name).await.unwrap();
    assert_eq!((got.tls.enable.as_str(), got.tls.tls_versions.clone()), ("true", strings(&["TLSv1.2", "TLSv1.3"])));
    for bad in [doc("true", &[]), doc("true", &["aaa"])] {
        assert_error(&service_error(client.put_bucket_https_config(&bucket.name, &bad).await), 400, "MalformedXML");
    }
    client.put_bucket_https_config(&bucket.name, &doc("false", &[])).await.unwrap();
    let got = client.get_bucket_https_config(&bucket.name).await.unwrap();
    assert_eq!((got.tls.enable.as_str(), got.tls.tls_versions.len()), ("false", 0));
}

#[tokio::test]
async fn bucket_stat_counts_objects_by_class() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("stat").await;
    put(&client, &bucket.name, "a.txt", b"content").await;
    put(&client, &bucket.name, "b.txt", b"more").await;
    client.initiate_multipart_upload(&bucket.name, "mp", &Default::default()).await.expect("initiate");
    let stat = client.get_bucket_stat(&bucket.name).await.unwrap();
    // Real OSS updates these within the hour; only the emulator's are exact at once.
    if target.is_emulator() {
        assert_eq!((stat.object_count, stat.storage, stat.multipart_upload_count), (2, 11, 1));
        assert_eq!((stat.standard_object_count, stat.standard_storage), (2, 11));
        assert_eq!((stat.archive_object_count, stat.delete_marker_count), (0, 0));
        assert!(stat.last_modified_time > 0);
    }
}

fn website(index: &str, error: &str) -> Element {
    let mut doc = Element::new("WebsiteConfiguration");
    let mut index_doc = Element::new("IndexDocument");
    index_doc.children.push(Element::leaf("Suffix", index));
    doc.children.push(index_doc);
    let mut error_doc = Element::new("ErrorDocument");
    error_doc.children.push(Element::leaf("Key", error));
    doc.children.push(error_doc);
    doc
}

#[tokio::test]
async fn a_website_document_round_trips_and_a_folder_gets_its_index() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("site").await;
    assert_error(&service_error(client.get_bucket_website(&bucket.name).await), 404, "NoSuchWebsiteConfiguration");
    let empty = Element::new("WebsiteConfiguration");
    assert_error(&service_error(client.put_bucket_website(&bucket.name, &empty).await), 400, "MalformedXML");

    let mut doc = website("index.html", "error.html");
    let mut rule = Element::new("RoutingRule");
    rule.children.push(Element::leaf("RuleNumber", "1"));
    let mut condition = Element::new("Condition");
    condition.children.push(Element::leaf("KeyPrefixEquals", "old/"));
    condition.children.push(Element::leaf("HttpErrorCodeReturnedEquals", "404"));
    rule.children.push(condition);
    let mut redirect = Element::new("Redirect");
    redirect.children.push(Element::leaf("RedirectType", "External"));
    redirect.children.push(Element::leaf("HostName", "example.com"));
    redirect.children.push(Element::leaf("HttpRedirectCode", "301"));
    rule.children.push(redirect);
    let mut rules = Element::new("RoutingRules");
    rules.children.push(rule);
    doc.children.push(rules);
    client.put_bucket_website(&bucket.name, &doc).await.unwrap();
    let got = client.get_bucket_website(&bucket.name).await.unwrap();
    let index = got.child("IndexDocument").and_then(|i| i.text_of("Suffix"));
    assert_eq!(index, Some("index.html"));
    let rule = got.child("RoutingRules").and_then(|r| r.child("RoutingRule"));
    let host = rule.and_then(|r| r.child("Redirect")).and_then(|r| r.text_of("HostName"));
    assert_eq!(host, Some("example.com"));

    // A key naming a folder that does not exist is answered with the index document.
    put(&client, &bucket.name, "index.html", b"<h1>home</h1>").await;
    assert_eq!(conformance_tests::get_body(&client, &bucket.name, "docs/").await, b"<h1>home</h1>");

    for _ in 0..2 {
        assert_eq!(client.delete_bucket_website(&bucket.name).await.unwrap().status, 204);
    }
    assert_error(&service_error(client.get_bucket_website(&bucket.name).await), 404, "NoSuchWebsiteConfiguration");
    let gone = client.get_object(&bucket.name, "docs/", &Default::default()).await;
    assert_error(&service_error(gone), 404, "NoSuchKey");
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "sub-folder index and error documents are served on the website domain")]
async fn a_website_serves_sub_folder_indexes_and_the_error_document() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket_with(&client, "site2", Some("public-read")).await;
    let mut doc = website("index.html", "404.html");
    if let Some(index) = doc.children.iter_mut().find(|c| c.name == "IndexDocument") {
        index.children.push(Element::leaf("SupportSubDir", "true"));
    }
    client.put_bucket_website(&bucket.name, &doc).await.unwrap();
    put(&client, &bucket.name, "guide/index.html", b"guide").await;
    put(&client, &bucket.name, "404.html", b"missing").await;

    assert_eq!(conformance_tests::get_body(&client, &bucket.name, "guide/").await, b"guide");
    let redirect = client.request(Method::GET, Some(&bucket.name), Some("guide")).send_raw().await.unwrap();
    assert_eq!(redirect.status, 302);
    assert_eq!(redirect.header("location"), Some("/guide/"));

    // Anonymous readers (browsers) get the error document with its status; signed callers keep
    // NoSuchKey, which SDKs parse.
    let browser = target.anonymous().request(Method::GET, Some(&bucket.name), Some("nope")).send_raw().await.unwrap();
    assert_eq!((redirect.status.as_u16(), browser.status.as_u16()), (302, 404));
    assert_eq!(&browser.body[..], b"missing");
    let signed = client.get_object(&bucket.name, "nope", &Default::default()).await;
    assert_error(&service_error(signed), 404, "NoSuchKey");
}

/// Routing rules run for keys that do not exist, before the index and error documents, for
/// anonymous readers: an external redirect with the rule's status, and an internal rewrite.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "routing rules run on the website domain")]
async fn routing_rules_redirect_and_rewrite_missing_keys() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket_with(&client, "site4", Some("public-read")).await;
    let rule = |number: &str, prefix: &str, redirect: &[(&str, &str)]| {
        let mut rule = Element::new("RoutingRule");
        rule.children.push(Element::leaf("RuleNumber", number));
        let mut condition = Element::new("Condition");
        condition.children.push(Element::leaf("KeyPrefixEquals", prefix));
        condition.children.push(Element::leaf("HttpErrorCodeReturnedEquals", "404"));
        rule.children.push(condition);
        let mut to = Element::new("Redirect");
        to.children.extend(redirect.iter().map(|(n, v)| Element::leaf(n, *v)));
        rule.children.push(to);
        rule
    };
    let mut doc = website("index.html", "404.html");
    let mut rules = Element::new("RoutingRules");
    rules.children.push(rule(
        "1",
        "old/",
        &[
            ("RedirectType", "External"),
            ("HostName", "example.com"),
            ("ReplaceKeyPrefixWith", "new/"),
            ("EnableReplacePrefix", "true"),
            ("HttpRedirectCode", "301"),
        ],
    ));
    rules.children.push(rule("2", "app/", &[("RedirectType", "Internal"), ("ReplaceKeyWith", "app.html")]));
    doc.children.push(rules);
    client.put_bucket_website(&bucket.name, &doc).await.unwrap();
    put(&client, &bucket.name, "app.html", b"<h1>app</h1>").await;
    put(&client, &bucket.name, "404.html", b"missing").await;

    let anonymous = target.anonymous();
    let get = |key: &'static str| anonymous.request(Method::GET, Some(&bucket.name), Some(key)).send_raw();
    let moved = get("old/a/page.html").await.unwrap();
    assert_eq!(moved.status, 301);
    assert_eq!(moved.header("location"), Some("http://example.com/new/a/page.html"));
    let app = get("app/deep/link").await.unwrap();
    assert_eq!((app.status.as_u16(), &app.body[..]), (200, &b"<h1>app</h1>"[..]));
    let other = get("nowhere").await.unwrap();
    assert_eq!((other.status.as_u16(), &other.body[..]), (404, &b"missing"[..]));
    // A signed SDK call keeps NoSuchKey.
    let signed = client.get_object(&bucket.name, "old/a/page.html", &Default::default()).await;
    assert_error(&service_error(signed), 404, "NoSuchKey");
}

/// The bucket's root, asked for by a browser, is the site's home page; signed callers and any
/// request with listing parameters keep ListObjects.
#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "the home page is served on the website domain")]
async fn an_anonymous_get_of_a_website_buckets_root_serves_the_home_page() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("site3").await;
    client.put_bucket_website(&bucket.name, &website("index.html", "404.html")).await.unwrap();
    let anonymous = target.anonymous();
    let home = || anonymous.request(Method::GET, Some(&bucket.name), None).send_raw();

    // The bucket is private: the page is served only once the index document itself is public.
    put(&client, &bucket.name, "index.html", b"<h1>home</h1>").await;
    assert_error(&home().await.unwrap().into_service_error(), 403, "AccessDenied");
    client.put_object_acl(&bucket.name, "index.html", "public-read", None).await.unwrap();
    let page = home().await.unwrap();
    assert_eq!((page.status.as_u16(), &page.body[..]), (200, &b"<h1>home</h1>"[..]));

    let listing =
        anonymous.request(Method::GET, Some(&bucket.name), None).query("prefix", "").send_raw().await.unwrap();
    assert_error(&listing.into_service_error(), 403, "AccessDenied");
    let listed = client.list_objects(&bucket.name, &Default::default()).await.unwrap();
    assert_eq!(listed.contents.len(), 1, "the owner still lists the bucket");
}

fn inventory(id: &str, dest: &str) -> Element {
    let mut doc = Element::new("InventoryConfiguration");
    doc.children.push(Element::leaf("Id", id));
    doc.children.push(Element::leaf("IsEnabled", "True"));
    let mut destination = Element::new("OSSBucketDestination");
    destination.children.push(Element::leaf("Format", "CSV"));
    destination.children.push(Element::leaf("Bucket", format!("acs:oss:::{dest}")));
    let mut wrap = Element::new("Destination");
    wrap.children.push(destination);
    doc.children.push(wrap);
    let mut schedule = Element::new("Schedule");
    schedule.children.push(Element::leaf("Frequency", "Daily"));
    doc.children.push(schedule);
    doc.children.push(Element::leaf("IncludedObjectVersions", "Current"));
    doc
}

#[tokio::test]
async fn inventory_configurations_are_kept_listed_and_deleted() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("inv").await;
    let dest = target.bucket("invdest").await;
    assert_error(&service_error(client.list_bucket_inventory(&bucket.name, None).await), 404, "NoSuchInventory");
    assert_error(&service_error(client.get_bucket_inventory(&bucket.name, "a").await), 404, "NoSuchInventory");
    let mismatch = client.put_bucket_inventory(&bucket.name, "other", &inventory("a", &dest.name)).await;
    assert_error(&service_error(mismatch), 400, "InvalidArgument");

    for id in ["b", "a"] {
        client.put_bucket_inventory(&bucket.name, id, &inventory(id, &dest.name)).await.unwrap();
    }
    let again = client.put_bucket_inventory(&bucket.name, "a", &inventory("a", &dest.name)).await;
    assert_error(&service_error(again), 409, "InventoryConfigurationAlreadyExists");
    let got = client.get_bucket_inventory(&bucket.name, "a").await.unwrap();
    // Booleans come back as OSS writes them.
    assert_eq!(got.text_of("IsEnabled"), Some("true"));
    let list = client.list_bucket_inventory(&bucket.name, None).await.unwrap();
    let ids: Vec<&str> = list.children_named("InventoryConfiguration").filter_map(|c| c.text_of("Id")).collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(list.text_of("IsTruncated"), Some("false"));

    for id in ["a", "b"] {
        assert_eq!(client.delete_bucket_inventory(&bucket.name, id).await.unwrap().status, 204);
    }
    assert_error(&service_error(client.list_bucket_inventory(&bucket.name, None).await), 404, "NoSuchInventory");
}

#[tokio::test]
async fn transfer_acceleration_resource_group_and_access_monitor_are_kept() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("misc").await;
    let unset = client.get_bucket_transfer_acceleration(&bucket.name).await;
    assert_error(&service_error(unset), 404, "NoSuchTransferAccelerationConfiguration");
    client.put_bucket_transfer_acceleration(&bucket.name, true).await.unwrap();
    assert_eq!(client.get_bucket_transfer_acceleration(&bucket.name).await.unwrap().enabled, "true");

    // Every bucket is in a resource group: the account's default one unless moved.
    let group = client.get_bucket_resource_group(&bucket.name).await.unwrap().into_inner().resource_group_id;
    assert!(group.starts_with("rg-"), "{group}");
    client.put_bucket_resource_group(&bucket.name, &group).await.unwrap();
    let info = client.get_bucket_info(&bucket.name).await.unwrap();
    assert_eq!(info.bucket.resource_group_id, group);
    let bad = client.put_bucket_resource_group(&bucket.name, "not-a-group").await;
    assert_error(&service_error(bad), 400, "ResourceGroupIdPreCheckError");

    assert_eq!(client.get_bucket_access_monitor(&bucket.name).await.unwrap().into_inner().status, "Disabled");
    client.put_bucket_access_monitor(&bucket.name, true).await.unwrap();
    assert_eq!(client.get_bucket_access_monitor(&bucket.name).await.unwrap().into_inner().status, "Enabled");
    assert_eq!(client.get_bucket_info(&bucket.name).await.unwrap().bucket.access_monitor, "Enabled");
    client.put_bucket_access_monitor(&bucket.name, false).await.unwrap();
}

#[tokio::test]
async fn a_bucket_without_live_channels_lists_none() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("live").await;
    let list = client.list_live_channel(&bucket.name).await.unwrap();
    assert!(!list.is_truncated);
    assert_eq!(list.max_keys, 100);
}

#[tokio::test]
async fn referer_lists_judge_anonymous_readers_only() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket_with(&client, "hotlink", Some("public-read")).await;
    put(&client, &bucket.name, "img.png", b"png").await;
    let doc = RefererConfiguration {
        allow_empty_referer: "false".into(),
        // The whole referer is matched (its query dropped, by default): a path needs its `*`.
        referer_list: RefererList { referers: strings(&["http://*.good.example/*"]) },
        referer_blacklist: Some(RefererList { referers: strings(&["http://bad.good.example*"]) }),
        ..RefererConfiguration::default()
    };
    client.put_bucket_referer(&bucket.name, &doc).await.unwrap();
    let anonymous = target.anonymous();
    let read = |referer: Option<&'static str>| {
        let req = anonymous.request(Method::GET, Some(&bucket.name), Some("img.png"));
        async move { req.header_opt("referer", referer).send_raw().await.unwrap() }
    };
    let denied = read(None).await.into_service_error();
    assert_error(&denied, 403, "AccessDenied");
    assert_eq!(denied.message, "You are denied by bucket referer policy.");
    assert_eq!(read(Some("http://www.good.example/page?x=1")).await.status, 200);
    assert_eq!(read(Some("http://bad.good.example/page")).await.status, 403);
    assert_eq!(read(Some("http://elsewhere.example/")).await.status, 403);
    assert_eq!(read(Some("http://www.good.example")).await.status, 403);
    // A signed request is never referer-checked.
    assert_eq!(conformance_tests::get_body(&client, &bucket.name, "img.png").await, b"png");
}

#[tokio::test]
async fn default_encryption_applies_to_new_objects() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("ssedefault").await;
    let rule = BucketEncryptionRule {
        apply_by_default: ApplyServerSideEncryptionByDefault { sse_algorithm: "AES256".into(), ..Default::default() },
    };
    client.put_bucket_encryption(&bucket.name, &rule).await.unwrap();
    let put = client.put_object(&bucket.name, "enc", b"x".to_vec(), &Default::default()).await.unwrap();
    assert_eq!(put.headers.get("x-oss-server-side-encryption").and_then(|v| v.to_str().ok()), Some("AES256"));
    let head = client.request(Method::HEAD, Some(&bucket.name), Some("enc")).send_raw().await.unwrap();
    assert_eq!(head.header("x-oss-server-side-encryption"), Some("AES256"));
    // An object's own request wins over the default.
    let own = oss_client::PutObjectOptions { server_side_encryption: Some("SM4".into()), ..Default::default() };
    client.put_object(&bucket.name, "sm4", b"x".to_vec(), &own).await.unwrap();
    let head = client.request(Method::HEAD, Some(&bucket.name), Some("sm4")).send_raw().await.unwrap();
    assert_eq!(head.header("x-oss-server-side-encryption"), Some("SM4"));
}
