//! Bucket policies: Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus, and what a policy
//! grants and denies, alone and with requester pays (explicit Deny first; the owner keeps the
//! policy itself; a copy needs read on the source and write on the destination).

use conformance_tests::{assert_error, get_body, put, service_error, Client, Target};
use oss_client::protocol::xml::RequestPaymentConfiguration;
use oss_client::{CopyObjectRequest, ListBucketsOptions};

fn policy(statements: &[String]) -> String {
    format!(r#"{{"Version":"1","Statement":[{}]}}"#, statements.join(","))
}

fn statement(effect: &str, actions: &[&str], principal: &str, resources: &[String], condition: Option<&str>) -> String {
    let quoted = |xs: Vec<String>| xs.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>().join(",");
    let condition = condition.map(|c| format!(r#","Condition":{c}"#)).unwrap_or_default();
    format!(
        r#"{{"Effect":"{effect}","Action":[{}],"Principal":["{principal}"],"Resource":[{}]{condition}}}"#,
        quoted(actions.iter().map(|a| a.to_string()).collect()),
        quoted(resources.to_vec()),
    )
}

fn objects_of(bucket: &str) -> Vec<String> {
    vec![format!("acs:oss:*:*:{bucket}/*")]
}

async fn account_id(client: &Client) -> String {
    client.list_buckets(&ListBucketsOptions::default()).await.expect("ListBuckets").data.owner.id
}

#[tokio::test]
async fn a_policy_round_trips_byte_for_byte_and_delete_leaves_none() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("policy").await;
    let err = service_error(client.get_bucket_policy(&bucket.name).await);
    assert_error(&err, 404, "NoSuchBucketPolicy");
    assert_eq!(err.message, "The specified bucket policy does not exist.");
    assert!(!client.get_bucket_policy_status(&bucket.name).await.unwrap().is_public);

    // Spacing and field order are the caller's, and come back as sent.
    let text = format!(
        "{{ \"Version\": \"1\",\n  \"Statement\": [ {} ] }}",
        statement("Allow", &["oss:GetObject"], "*", &objects_of(&bucket.name), None)
    );
    assert_eq!(client.put_bucket_policy(&bucket.name, &text).await.unwrap().status, 200);
    assert_eq!(client.get_bucket_policy(&bucket.name).await.unwrap().data, text);
    assert!(client.get_bucket_policy_status(&bucket.name).await.unwrap().is_public);

    assert_eq!(client.delete_bucket_policy(&bucket.name).await.unwrap().status, 204);
    assert_error(&service_error(client.get_bucket_policy(&bucket.name).await), 404, "NoSuchBucketPolicy");
    assert_eq!(client.delete_bucket_policy(&bucket.name).await.unwrap().status, 204, "deleting none is fine");
}

#[tokio::test]
async fn a_document_that_is_no_policy_is_refused() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("policy-bad").await;
    let objects = objects_of(&bucket.name);
    for bad in [
        "{unnormal-policy-text}".to_owned(),
        r#"{"Version":"1","Statement":[]}"#.to_owned(),
        r#"{"Version":1,"Statement":[{"Effect":"Allow","Action":["oss:*"],"Resource":["*"]}]}"#.to_owned(),
        policy(&[statement("Perhaps", &["oss:GetObject"], "*", &objects, None)]),
    ] {
        let err = service_error(client.put_bucket_policy(&bucket.name, &bad).await);
        assert_error(&err, 400, "InvalidPolicyDocument");
    }
    assert_error(&service_error(client.get_bucket_policy(&bucket.name).await), 404, "NoSuchBucketPolicy");
}

#[tokio::test]
#[cfg_attr(oss_no_second_account, ignore = "needs a second account (OSS_TEST_SECOND_*)")]
async fn a_grant_lets_another_account_read_and_a_copy_needs_both_grants() {
    let target = Target::start().await;
    let (owner, second) = (target.client(), target.second_account());
    let uid = account_id(&second).await;
    let source = target.bucket("policy-src").await;
    let dest = target.bucket("policy-dst").await;
    put(&owner, &source.name, "k", b"granted").await;

    let read = policy(&[statement("Allow", &["oss:GetObject"], &uid, &objects_of(&source.name), None)]);
    owner.put_bucket_policy(&source.name, &read).await.unwrap();
    assert_eq!(get_body(&second, &source.name, "k").await, b"granted");
    let err = service_error(second.put_object(&dest.name, "k", "x", &Default::default()).await);
    assert_error(&err, 403, "AccessDenied");

    // Read on the source alone is not enough to copy into a bucket the caller may not write.
    let copy = CopyObjectRequest::new(&source.name, "k", &dest.name, "copied");
    assert_error(&service_error(second.copy_object(&copy).await), 403, "AccessDenied");
    let write = policy(&[statement("Allow", &["oss:PutObject"], &uid, &objects_of(&dest.name), None)]);
    owner.put_bucket_policy(&dest.name, &write).await.unwrap();
    assert_eq!(second.copy_object(&copy).await.unwrap().status, 200);
    assert_eq!(get_body(&owner, &dest.name, "copied").await, b"granted");

    // And write on the destination alone is not enough either.
    owner.delete_bucket_policy(&source.name).await.unwrap();
    assert_error(&service_error(second.copy_object(&copy).await), 403, "AccessDenied");
}

#[tokio::test]
#[cfg_attr(oss_no_second_account, ignore = "needs a second account (OSS_TEST_SECOND_*)")]
async fn an_explicit_deny_wins_and_binds_the_owner_only_with_a_condition() {
    let target = Target::start().await;
    let (owner, second) = (target.client(), target.second_account());
    let uid = account_id(&second).await;
    let bucket = target.bucket("policy-deny").await;
    put(&owner, &bucket.name, "k", b"kept").await;
    let objects = objects_of(&bucket.name);
    let doc = policy(&[
        statement("Allow", &["oss:*"], &uid, &objects, None),
        statement("Deny", &["oss:DeleteObject"], "*", &objects, None),
    ]);
    owner.put_bucket_policy(&bucket.name, &doc).await.unwrap();
    assert_eq!(get_body(&second, &bucket.name, "k").await, b"kept");
    let err = service_error(second.delete_object(&bucket.name, "k").await);
    assert_error(&err, 403, "AccessDenied");
    assert_eq!(err.message, "Access denied by bucket policy.");
    // `*` without a condition leaves the owner alone.
    put(&owner, &bucket.name, "gone", b"x").await;
    owner.delete_object(&bucket.name, "gone").await.unwrap();

    // With a condition it binds the owner too, who can still read and remove the policy.
    let since_2000 = r#"{"DateGreaterThan":{"acs:CurrentTime":["2000-01-01T00:00:00Z"]}}"#;
    let lockout = policy(&[statement("Deny", &["oss:GetObject"], "*", &objects, Some(since_2000))]);
    owner.put_bucket_policy(&bucket.name, &lockout).await.unwrap();
    let err = service_error(owner.get_object(&bucket.name, "k", &Default::default()).await);
    assert_error(&err, 403, "AccessDenied");
    assert_eq!(owner.get_bucket_policy(&bucket.name).await.unwrap().data, lockout);
    owner.delete_bucket_policy(&bucket.name).await.unwrap();
    assert_eq!(get_body(&owner, &bucket.name, "k").await, b"kept");
}

#[tokio::test]
#[cfg_attr(oss_no_second_account, ignore = "needs a second account (OSS_TEST_SECOND_*)")]
async fn a_requester_pays_bucket_serves_other_accounts_only_when_they_pay() {
    let target = Target::start().await;
    let (owner, second) = (target.client(), target.second_account());
    let uid = account_id(&second).await;
    let bucket = target.bucket("policy-payer").await;
    put(&owner, &bucket.name, "k", b"paid").await;
    let resources = vec![format!("acs:oss:*:*:{}", bucket.name), format!("acs:oss:*:*:{}/*", bucket.name)];
    owner
        .put_bucket_policy(&bucket.name, &policy(&[statement("Allow", &["oss:*"], &uid, &resources, None)]))
        .await
        .unwrap();
    let requester = RequestPaymentConfiguration { payer: "Requester".into() };
    owner.put_bucket_request_payment(&bucket.name, &requester).await.unwrap();

    let err = service_error(second.get_object(&bucket.name, "k", &Default::default()).await);
    assert_error(&err, 403, "AccessDenied");
    assert!(err.message.starts_with("Access denied for requester pay bucket"), "{}", err.message);
    let paying = target.second_account_paying();
    assert_eq!(get_body(&paying, &bucket.name, "k").await, b"paid");
    put(&paying, &bucket.name, "from-requester", b"x").await;
    assert_eq!(get_body(&owner, &bucket.name, "from-requester").await, b"x", "the owner needs no header");
}

/// Reading through a symlink is judged twice as a GetObject would be: the link, then its target,
/// each by the bucket policy as well as by the ACLs.
#[tokio::test]
#[cfg_attr(oss_no_second_account, ignore = "needs a second account (OSS_TEST_SECOND_*)")]
async fn a_symlink_is_read_through_only_where_the_policy_grants_its_target() {
    let target = Target::start().await;
    let (owner, second) = (target.client(), target.second_account());
    let uid = account_id(&second).await;
    let bucket = target.bucket("policy-link").await;
    put(&owner, &bucket.name, "open/doc", b"granted").await;
    put(&owner, &bucket.name, "secret/doc", b"kept").await;
    owner.put_symlink(&bucket.name, "link-open", "open/doc", &Default::default()).await.unwrap();
    owner.put_symlink(&bucket.name, "link-secret", "secret/doc", &Default::default()).await.unwrap();
    let resources = |prefix: &str| vec![format!("acs:oss:*:*:{}/{prefix}*", bucket.name)];
    let grants = policy(&[
        statement("Allow", &["oss:GetObject"], &uid, &resources("link-"), None),
        statement("Allow", &["oss:GetObject"], &uid, &resources("open/"), None),
    ]);
    owner.put_bucket_policy(&bucket.name, &grants).await.unwrap();

    assert_eq!(get_body(&second, &bucket.name, "link-open").await, b"granted");
    let err = service_error(second.get_object(&bucket.name, "link-secret", &Default::default()).await);
    assert_error(&err, 403, "AccessDenied");
}
