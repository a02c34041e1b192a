//! AppendObject (positions, the whole object's CRC-64, ObjectNotAppendable) and symlinks
//! (PutSymlink, GetSymlink, reading through a link, the errors of a missing or linked target).

use conformance_tests::{assert_error, get_body, put, service_error, Target};
use oss_client::protocol::crc64;
use oss_client::{GetObjectOptions, PutObjectOptions};

#[tokio::test]
async fn appends_grow_an_appendable_object_at_its_end() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("append").await;
    let opts = PutObjectOptions { content_type: Some("text/plain".into()), ..Default::default() };
    let first =
        client.append_object(&bucket.name, "log", 0, &b"hi oss,append object"[..], Some(0), &opts).await.unwrap();
    assert_eq!((first.next_position, first.crc64), (Some(20), Some(2_313_496_259_928_504_459)));
    let second = client
        .append_object(&bucket.name, "log", 20, &b",this is a demo"[..], first.crc64, &Default::default())
        .await
        .unwrap();
    assert_eq!((second.next_position, second.crc64), (Some(35), Some(8_586_970_469_916_596_321)));
    assert_eq!(second.crc64, Some(crc64::checksum(b"hi oss,append object,this is a demo")));
    let head = client.head_object(&bucket.name, "log", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(head.object_type.as_deref(), Some("Appendable"));
    assert_eq!(head.content_type.as_deref(), Some("text/plain"), "the first append's headers stay");
    assert_eq!(head.header("x-oss-next-append-position"), Some("35"));
    assert_eq!(get_body(&client, &bucket.name, "log").await, b"hi oss,append object,this is a demo");

    let wrong = service_error(client.append_object(&bucket.name, "log", 3, &b"x"[..], None, &Default::default()).await);
    assert_error(&wrong, 409, "PositionNotEqualToLength");
    assert_eq!(wrong.headers.get("x-oss-next-append-position").and_then(|v| v.to_str().ok()), Some("35"));
    put(&client, &bucket.name, "normal", b"plain").await;
    let not =
        service_error(client.append_object(&bucket.name, "normal", 5, &b"x"[..], None, &Default::default()).await);
    assert_error(&not, 409, "ObjectNotAppendable");
    assert_eq!(get_body(&client, &bucket.name, "normal").await, b"plain", "a refused append changes nothing");
}

#[tokio::test]
async fn symlinks_are_read_through_one_level() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("symlink").await;
    put(&client, &bucket.name, "dir/target 1", b"the target").await;
    let opts = PutObjectOptions { metadata: vec![("who".into(), "link".into())], ..Default::default() };
    client.put_symlink(&bucket.name, "link", "dir/target 1", &opts).await.unwrap();
    let info = client.get_symlink(&bucket.name, "link", None).await.unwrap();
    assert_eq!(info.target, "dir/target 1");
    assert_eq!(info.meta.object_type.as_deref(), Some("Symlink"));
    assert_eq!(info.meta.meta("who"), Some("link"));

    let got = client.get_object(&bucket.name, "link", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(got.body.as_ref(), b"the target");
    assert_eq!(got.meta.content_length, Some(10));
    assert_eq!(got.meta.object_type.as_deref(), Some("Symlink"), "other headers are the link's");
    let head = client.head_object(&bucket.name, "dir/target 1", &GetObjectOptions::default()).await.unwrap();
    assert_eq!(got.meta.etag, head.etag, "the ETag is the target's");

    assert_error(&service_error(client.get_symlink(&bucket.name, "dir/target 1", None).await), 400, "NotSymlink");
    client.put_symlink(&bucket.name, "dangling", "nothing-here", &Default::default()).await.unwrap();
    let err = service_error(client.get_object(&bucket.name, "dangling", &GetObjectOptions::default()).await);
    assert_error(&err, 404, "SymlinkTargetNotExist");
    client.put_symlink(&bucket.name, "twice", "link", &Default::default()).await.unwrap();
    let err = service_error(client.get_object(&bucket.name, "twice", &GetObjectOptions::default()).await);
    assert_error(&err, 400, "InvalidTargetType");
}
