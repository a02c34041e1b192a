//! PostObject (HTML form upload, fact sheet §8): form-field credentials (V1 and V4), the policy
//! document, the success answers, anonymous forms, and the object the form describes.

use std::time::{Duration, SystemTime};

use conformance_tests::protocol::xml::root_name;
use conformance_tests::{assert_error, get_body, md5_etag, Client, Method, ServiceError, Target};
use oss_client::{multipart_body, GetObjectOptions, PostCondition, PostForm, Response};

const HOUR: Duration = Duration::from_secs(3600);

fn v1(target: &Target) -> Client {
    target.client_v1()
}

/// The form with one field's value replaced.
fn tampered(form: &PostForm, name: &str, value: &str) -> PostForm {
    let mut form = form.clone();
    for (n, v) in &mut form.fields {
        if n.eq_ignore_ascii_case(name) {
            *v = value.to_owned();
        }
    }
    form
}

async fn post_raw(client: &Client, form: &PostForm, data: &[u8]) -> Response {
    client.post_object_request(form, "upload.bin", None, data).send_raw().await.expect("PostObject transport")
}

#[track_caller]
fn error_of(resp: Response) -> ServiceError {
    assert!(!resp.status.is_success(), "expected an error, got {} {:?}", resp.status, resp.text());
    resp.into_service_error()
}

#[tokio::test]
async fn v1_form_uploads_with_204_and_stores_the_form_metadata() {
    let target = Target::start().await;
    let client = v1(&target);
    let bucket = target.bucket("postv1").await;
    let conditions = [
        PostCondition::eq("x-oss-meta-color", "red"),
        PostCondition::eq("Content-Type", "text/plain"),
        PostCondition::eq("Cache-Control", "max-age=60"),
        PostCondition::eq("Content-Disposition", "attachment; filename=\"r.txt\""),
    ];
    let form = client.post_object_form(&bucket.name, "dir/a b.txt", &conditions, HOUR).unwrap();
    let data = b"hello form".to_vec();
    // The file part says another type: the Content-Type field wins.
    let resp = client.post_object(&form, "local.bin", Some("application/x-other"), &data).await.expect("PostObject");
    assert_eq!(resp.status, 204);
    assert!(resp.body.is_empty());
    assert_eq!(resp.header("etag"), Some(md5_etag(&data).as_str()));
    assert_eq!(resp.request_id().map(str::len), Some(24));
    assert!(resp.header("x-oss-version-id").is_none(), "unversioned bucket");

    let got = target.client().get_object(&bucket.name, "dir/a b.txt", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(got.body.as_ref(), data.as_slice());
    assert_eq!(got.header("content-type"), Some("text/plain"));
    assert_eq!(got.header("x-oss-meta-color"), Some("red"));
    assert_eq!(got.header("cache-control"), Some("max-age=60"));
    assert_eq!(got.header("content-disposition"), Some("attachment; filename=\"r.txt\""));
    assert_eq!(got.header("etag"), Some(md5_etag(&data).as_str()));
}

#[tokio::test]
async fn v4_form_answers_200_and_201_as_asked() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("postv4").await;

    let form = client
        .post_object_form(&bucket.name, "two", &[PostCondition::eq("success_action_status", "200")], HOUR)
        .unwrap();
    assert!(form.field("x-oss-signature").is_some(), "a V4 form");
    let resp = client.post_object(&form, "f", None, b"200 body").await.expect("PostObject 200");
    assert_eq!(resp.status, 200);
    assert!(resp.body.is_empty());
    assert_eq!(get_body(&client, &bucket.name, "two").await, b"200 body");

    let form = client
        .post_object_form(&bucket.name, "one/k&<", &[PostCondition::eq("success_action_status", "201")], HOUR)
        .unwrap();
    let resp = client.post_object(&form, "f", None, b"201 body").await.expect("PostObject 201");
    assert_eq!(resp.status, 201);
    let text = resp.text();
    assert_eq!(root_name(&text).as_deref(), Some("PostResponse"), "{text}");
    assert!(text.contains(&format!("<Bucket>{}</Bucket>", bucket.name)), "{text}");
    assert!(text.contains("<Key>one/k&amp;&lt;</Key>"), "{text}");
    // The quotes of the ETag may be written as entities.
    let unquoted = text.replace("&quot;", "\"");
    assert!(unquoted.contains(&format!("<ETag>{}</ETag>", md5_etag(b"201 body"))), "{text}");
    assert!(text.contains("<Location>http://"), "{text}");

    // An unknown status is the default.
    let form = client
        .post_object_form(&bucket.name, "other", &[PostCondition::eq("success_action_status", "302")], HOUR)
        .unwrap();
    assert_eq!(client.post_object(&form, "f", None, b"x").await.unwrap().status, 204);
}

#[tokio::test]
#[cfg_attr(
    oss_external_target,
    ignore = "the redirect's status and query are the emulator's choice, unconfirmed on real OSS"
)]
async fn success_action_redirect_is_a_303_with_bucket_key_and_etag() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("postredir").await;
    let redirect = "http://app.example/done?from=form";
    let form = client
        .post_object_form(&bucket.name, "r/k", &[PostCondition::eq("success_action_redirect", redirect)], HOUR)
        .unwrap();
    let resp = post_raw(&client, &form, b"redirected").await;
    assert_eq!(resp.status, 303, "{}", resp.text());
    let location = resp.header("location").expect("Location");
    let url = reqwest::Url::parse(location).unwrap();
    assert!(location.starts_with("http://app.example/done?from=form&"), "{location}");
    let query: Vec<(String, String)> = url.query_pairs().map(|(n, v)| (n.into_owned(), v.into_owned())).collect();
    let get = |n: &str| query.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    assert_eq!(get("bucket"), Some(bucket.name.as_str()));
    assert_eq!(get("key"), Some("r/k"));
    assert_eq!(get("etag"), Some(md5_etag(b"redirected").as_str()));
    assert_eq!(get_body(&client, &bucket.name, "r/k").await, b"redirected");
}

#[tokio::test]
async fn a_wrong_signature_is_refused_v1_and_v4() {
    let target = Target::start().await;
    let bucket = target.bucket("postsig").await;
    for client in [v1(&target), target.client()] {
        let form = client.post_object_form(&bucket.name, "k", &[], HOUR).unwrap();
        let name = if form.field("Signature").is_some() { "Signature" } else { "x-oss-signature" };
        let bad = if name == "Signature" { "AAAAAAAAAAAAAAAAAAAAAAAAAAA=" } else { "00ff" };
        let err = error_of(post_raw(&client, &tampered(&form, name, bad), b"x").await);
        assert_error(&err, 403, "SignatureDoesNotMatch");
        // The policy is what is signed: changing it breaks the signature too.
        let other = client.post_object_form(&bucket.name, "k2", &[], HOUR).unwrap();
        let swapped = tampered(&form, "policy", other.field("policy").unwrap());
        assert_error(&error_of(post_raw(&client, &swapped, b"x").await), 403, "SignatureDoesNotMatch");
    }
    let found = target.client().head_object(&bucket.name, "k", &GetObjectOptions::default()).await;
    assert!(found.is_err(), "nothing was stored");
}

#[tokio::test]
async fn an_expired_policy_is_refused() {
    let target = Target::start().await;
    let bucket = target.bucket("postexp").await;
    for client in [v1(&target), target.client()] {
        let past = SystemTime::now() - 2 * HOUR;
        let form = client.post_object_form_at(&bucket.name, "k", &[], Duration::from_secs(60), past).unwrap();
        let err = error_of(post_raw(&client, &form, b"x").await);
        assert_error(&err, 403, "AccessDenied");
        assert_eq!(err.message, "Invalid according to Policy: Policy expired.");
    }
}

#[tokio::test]
async fn a_failed_condition_is_refused() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("postcond").await;
    let conditions =
        [PostCondition::eq("x-oss-meta-owner", "alice"), PostCondition::starts_with("Content-Type", "image/")];
    let form = client.post_object_form(&bucket.name, "user/alice/pic", &conditions, HOUR).unwrap();

    let err = error_of(post_raw(&client, &tampered(&form, "x-oss-meta-owner", "mallory"), b"x").await);
    assert_error(&err, 403, "AccessDenied");
    assert!(err.message.starts_with("Invalid according to Policy: Policy Condition failed:"), "{}", err.message);
    assert!(err.message.contains("x-oss-meta-owner"), "{}", err.message);

    let err = error_of(post_raw(&client, &tampered(&form, "key", "user/bob/pic"), b"x").await);
    assert_error(&err, 403, "AccessDenied");
    assert!(err.message.contains("$key"), "{}", err.message);

    // starts-with: the field is missing, then present and matching. Field names are matched
    // without regard to case.
    let err = error_of(post_raw(&client, &form, b"x").await);
    assert!(err.message.contains("starts-with"), "{}", err.message);
    let ok = form.clone().with_field("content-type", "image/png");
    let resp = client.post_object(&ok, "pic.png", None, b"png").await.expect("PostObject");
    assert_eq!(resp.status, 204);
    let got = client.get_object(&bucket.name, "user/alice/pic", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(got.header("content-type"), Some("image/png"));
    assert_eq!(got.header("x-oss-meta-owner"), Some("alice"));
}

#[tokio::test]
async fn content_length_range_bounds_the_file() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("postrange").await;
    let form = client.post_object_form(&bucket.name, "k", &[PostCondition::ContentLengthRange(2, 5)], HOUR).unwrap();
    assert_error(&error_of(post_raw(&client, &form, b"123456").await), 400, "EntityTooLarge");
    assert_error(&error_of(post_raw(&client, &form, b"1").await), 400, "EntityTooSmall");
    let found = client.head_object(&bucket.name, "k", &GetObjectOptions::default()).await;
    assert!(found.is_err(), "a refused file is not stored");
    for ok in [&b"12"[..], b"12345"] {
        assert_eq!(client.post_object(&form, "f", None, ok).await.expect("in range").status, 204);
        assert_eq!(get_body(&client, &bucket.name, "k").await, ok);
    }
}

#[tokio::test]
async fn a_form_without_a_file_or_not_a_form_is_refused() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("postbad").await;
    let form = client.post_object_form(&bucket.name, "k", &[], HOUR).unwrap();

    let (content_type, body) = multipart_body(&form.fields, None);
    let resp = client
        .request(Method::POST, Some(&bucket.name), None)
        .sign(false)
        .header("content-type", content_type)
        .body(body)
        .send_raw()
        .await
        .unwrap();
    let err = error_of(resp);
    assert_error(&err, 400, "IncorrectNumberOfFilesInPOSTRequest");
    assert_eq!(err.message, "POST requires exactly one file upload per request.");

    let resp = client
        .request(Method::POST, Some(&bucket.name), None)
        .sign(false)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("key=k&policy=p")
        .send_raw()
        .await
        .unwrap();
    let err = error_of(resp);
    assert_error(&err, 400, "RequestIsNotMultiPartContent");
    assert_eq!(err.message, "Bucket POST must be of the enclosure-type multipart/form-data.");

    // Cut inside the file part.
    let (content_type, body) = multipart_body(&form.fields, Some(("f", None, b"truncated file")));
    let cut = body.slice(..body.len() - 20);
    let resp = client
        .request(Method::POST, Some(&bucket.name), None)
        .sign(false)
        .header("content-type", content_type)
        .body(cut)
        .send_raw()
        .await
        .unwrap();
    assert_error(&error_of(resp), 400, "MalformedPOSTRequest");

    // Half of the V1 credentials.
    let v1_form = v1(&target).post_object_form(&bucket.name, "k", &[], HOUR).unwrap();
    let mut half = v1_form.clone();
    half.fields.retain(|(n, _)| n != "Signature");
    let err = error_of(post_raw(&client, &half, b"x").await);
    assert_error(&err, 400, "InvalidArgument");
    assert_eq!(err.message, "Post request signature is empty.");
}

#[tokio::test]
async fn anonymous_forms_need_a_public_read_write_bucket() {
    let target = Target::start().await;
    let owner = target.client();
    let anonymous = target.anonymous();
    let private = target.bucket("postanonpriv").await;
    let open = target.bucket_with(&owner, "postanonpub", Some("public-read-write")).await;
    let fields = |bucket: &str| PostForm {
        url: String::new(),
        bucket: bucket.to_owned(),
        fields: vec![("key".into(), "anon.txt".into()), ("x-oss-meta-by".into(), "nobody".into())],
        policy: String::new(),
    };
    let err =
        error_of(anonymous.post_object_request(&fields(&private.name), "f", None, b"x").send_raw().await.unwrap());
    assert_error(&err, 403, "AccessDenied");

    // A request signed in the Authorization header is still an anonymous form: the header is
    // not how PostObject authenticates.
    let (content_type, body) = multipart_body(&fields(&private.name).fields, Some(("f", None, b"x")));
    let signed = owner
        .request(Method::POST, Some(&private.name), None)
        .header("content-type", content_type)
        .body(body)
        .send_raw()
        .await
        .unwrap();
    assert_error(&error_of(signed), 403, "AccessDenied");

    let resp = anonymous
        .post_object_request(&fields(&open.name), "f.txt", Some("text/plain"), b"anonymous upload")
        .send_raw()
        .await
        .unwrap();
    assert_eq!(resp.status, 204, "{}", resp.text());
    let got = owner.get_object(&open.name, "anon.txt", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(got.body.as_ref(), b"anonymous upload");
    assert_eq!(got.header("content-type"), Some("text/plain"), "the file part's own type");
    assert_eq!(got.header("x-oss-meta-by"), Some("nobody"));
}

#[tokio::test]
async fn form_object_fields_acl_and_forbid_overwrite() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("postacl").await;
    let conditions =
        [PostCondition::eq("x-oss-object-acl", "public-read"), PostCondition::eq("x-oss-forbid-overwrite", "true")];
    let form = client.post_object_form(&bucket.name, "shared", &conditions, HOUR).unwrap();
    assert_eq!(client.post_object(&form, "f", None, b"first").await.unwrap().status, 204);
    // public-read: anyone may read it now.
    assert_eq!(get_body(&target.anonymous(), &bucket.name, "shared").await, b"first");
    let err = error_of(post_raw(&client, &form, b"second").await);
    assert_error(&err, 409, "FileAlreadyExists");
    assert_eq!(get_body(&client, &bucket.name, "shared").await, b"first");
}

#[tokio::test]
#[cfg_attr(oss_external_target, ignore = "reads the emulator's journal")]
async fn the_journal_names_the_operation_and_the_forms_key() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("postjournal").await;
    let form = client.post_object_form(&bucket.name, "journaled/key", &[], HOUR).unwrap();
    client.post_object(&form, "f", None, b"x").await.unwrap();
    let entries = target.require_emulator().journal().query(&oss_emulator::journal::Filter {
        operation: Some("PostObject".into()),
        bucket: Some(bucket.name.clone()),
        ..Default::default()
    });
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].key, "journaled/key");
    assert_eq!(entries[0].status, 204);
    assert_eq!(entries[0].auth, "v4-form");
}
