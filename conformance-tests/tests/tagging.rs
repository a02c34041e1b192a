//! Tagging family: PutObjectTagging, GetObjectTagging, DeleteObjectTagging, `x-oss-tagging` on
//! writes (PutObject, CopyObject with its directive, InitiateMultipartUpload), and PutBucketTags,
//! GetBucketTags, DeleteBucketTags with their limits.

use conformance_tests::{assert_error, put, service_error, Target};
use oss_client::{CompleteMultipartUploadOptions, CopyObjectRequest, GetObjectOptions, PutObjectOptions};

fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[tokio::test]
async fn object_tags_round_trip_and_replace_the_whole_set() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("objtags").await;
    put(&client, &bucket.name, "o", b"data").await;
    let before = client.head_object(&bucket.name, "o", &GetObjectOptions::default()).await.unwrap();
    assert!(client.get_object_tagging(&bucket.name, "o", None).await.unwrap().is_empty(), "no tags yet");
    assert_eq!(before.tagging_count, None, "no x-oss-tagging-count without tags");

    let limits = tags(&[(&"a".repeat(128), &"a".repeat(256)), ("+-.:", "_/"), ("empty", "")]);
    let put_tags = client.put_object_tagging(&bucket.name, "o", &limits, None).await.unwrap();
    assert_eq!(put_tags.status, 200);
    let got = client.get_object_tagging(&bucket.name, "o", None).await.unwrap();
    assert_eq!(*got, limits);
    let head = client.head_object(&bucket.name, "o", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(head.tagging_count, Some(3));
    assert_eq!(head.last_modified, before.last_modified, "tag operations leave Last-Modified alone");
    assert_eq!(head.etag, before.etag);

    // A put replaces the set; a delete empties it, and deleting nothing is still 204.
    client.put_object_tagging(&bucket.name, "o", &tags(&[("k", "v")]), None).await.unwrap();
    assert_eq!(*client.get_object_tagging(&bucket.name, "o", None).await.unwrap(), tags(&[("k", "v")]));
    for _ in 0..2 {
        let deleted = client.delete_object_tagging(&bucket.name, "o", None).await.unwrap();
        assert_eq!(deleted.status, 204);
    }
    assert!(client.get_object_tagging(&bucket.name, "o", None).await.unwrap().is_empty());

    let err = service_error(client.get_object_tagging(&bucket.name, "missing", None).await);
    assert_error(&err, 404, "NoSuchKey");
    let err = service_error(client.put_object_tagging(&bucket.name, "missing", &tags(&[("k", "v")]), None).await);
    assert_error(&err, 404, "NoSuchKey");
}

#[tokio::test]
async fn object_tags_outside_the_limits_are_refused_and_change_nothing() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("badtags").await;
    put(&client, &bucket.name, "o", b"data").await;
    client.put_object_tagging(&bucket.name, "o", &tags(&[("keep", "me")]), None).await.unwrap();
    let eleven: Vec<(String, String)> = (0..11).map(|i| (format!("k{i}"), "v".to_owned())).collect();
    let long_key = "a".repeat(129);
    let long_value = "a".repeat(257);
    for bad in [
        tags(&[("", "v")]),
        tags(&[(&long_key, "v")]),
        tags(&[("k", &long_value)]),
        tags(&[("%@abc", "v")]),
        tags(&[("k", "%abc")]),
        tags(&[("k", "1"), ("k", "2")]),
        eleven,
    ] {
        let err = service_error(client.put_object_tagging(&bucket.name, "o", &bad, None).await);
        assert_eq!(err.status, 400, "{bad:?}: {err:?}");
    }
    assert_eq!(*client.get_object_tagging(&bucket.name, "o", None).await.unwrap(), tags(&[("keep", "me")]));
}

#[tokio::test]
async fn writes_take_tags_from_x_oss_tagging() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("hdrtags").await;
    let tagged = PutObjectOptions { tagging: Some("k1=v1&k2=v2&k3=v3".into()), ..Default::default() };
    client.put_object(&bucket.name, "src", &b"data"[..], &tagged).await.unwrap();
    assert_eq!(
        *client.get_object_tagging(&bucket.name, "src", None).await.unwrap(),
        tags(&[("k1", "v1"), ("k2", "v2"), ("k3", "v3")])
    );
    // Malformed headers are refused and nothing is written.
    for bad in ["aa=bb=cc", "=v", "k=1&k=2"] {
        let opts = PutObjectOptions { tagging: Some(bad.into()), ..Default::default() };
        let err = service_error(client.put_object(&bucket.name, "bad", &b"x"[..], &opts).await);
        assert_error(&err, 400, "InvalidArgument");
    }
    let err = service_error(client.head_object(&bucket.name, "bad", &GetObjectOptions::default()).await);
    assert_error(&err, 404, "NoSuchKey");

    // CopyObject copies the source's tags by default and takes the request's with Replace.
    let copy = |key: &str, directive: Option<&str>, tagging: Option<&str>| CopyObjectRequest {
        source_bucket: bucket.name.clone(),
        source_key: "src".into(),
        bucket: bucket.name.clone(),
        key: key.into(),
        tagging_directive: directive.map(str::to_owned),
        tagging: tagging.map(str::to_owned),
        ..Default::default()
    };
    client.copy_object(&copy("copied", None, Some("ignored=1"))).await.unwrap();
    assert_eq!(client.get_object_tagging(&bucket.name, "copied", None).await.unwrap().len(), 3);
    client.copy_object(&copy("replaced", Some("REPLACE"), Some("only=one"))).await.unwrap();
    assert_eq!(*client.get_object_tagging(&bucket.name, "replaced", None).await.unwrap(), tags(&[("only", "one")]));

    // InitiateMultipartUpload's tags land on the completed object.
    let init = oss_client::InitiateMultipartUploadOptions {
        object: PutObjectOptions { tagging: Some("mp=yes".into()), ..Default::default() },
        ..Default::default()
    };
    let up = client.initiate_multipart_upload(&bucket.name, "mp", &init).await.unwrap();
    let part =
        client.upload_part(&bucket.name, "mp", &up.upload_id, 1, &b"part"[..], &Default::default()).await.unwrap();
    let parts = vec![oss_client::complete_part(1, part.data.etag.clone().unwrap_or_default())];
    client
        .complete_multipart_upload(
            &bucket.name,
            "mp",
            &up.upload_id,
            &parts,
            &CompleteMultipartUploadOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(*client.get_object_tagging(&bucket.name, "mp", None).await.unwrap(), tags(&[("mp", "yes")]));
}

#[tokio::test]
async fn bucket_tags_round_trip_delete_by_key_and_enforce_their_limits() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("bkttags").await;
    assert!(client.get_bucket_tags(&bucket.name).await.unwrap().is_empty());
    // Bucket tags take any UTF-8, unlike object tags.
    let set = tags(&[("%@abc", "abc"), ("123++", "++123%"), ("key3", "")]);
    client.put_bucket_tags(&bucket.name, &set).await.unwrap();
    assert_eq!(*client.get_bucket_tags(&bucket.name).await.unwrap(), set);
    let deleted = client.delete_bucket_tags(&bucket.name, &["%@abc", "key3"]).await.unwrap();
    assert_eq!(deleted.status, 204);
    assert_eq!(*client.get_bucket_tags(&bucket.name).await.unwrap(), tags(&[("123++", "++123%")]));
    client.delete_bucket_tags(&bucket.name, &[]).await.unwrap();
    assert!(client.get_bucket_tags(&bucket.name).await.unwrap().is_empty());

    let twenty_one: Vec<(String, String)> = (0..21).map(|i| (format!("k{i}"), String::new())).collect();
    assert_error(&service_error(client.put_bucket_tags(&bucket.name, &twenty_one).await), 400, "TooManyTags");
    let repeated = tags(&[("k", "1"), ("k", "2")]);
    assert_error(&service_error(client.put_bucket_tags(&bucket.name, &repeated).await), 400, "RepeatedTags");
    for bad in [tags(&[("Aliyun-x", "v")]), tags(&[(&"a".repeat(65), "v")]), tags(&[("k", &"v".repeat(129))])] {
        assert_error(&service_error(client.put_bucket_tags(&bucket.name, &bad).await), 400, "InvalidTag");
    }
    let other = target.second_client();
    if let Some(other) = other {
        let err = service_error(other.get_bucket_tags(&bucket.name).await);
        assert_error(&err, 403, "AccessDenied");
    }
}
