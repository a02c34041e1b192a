//! Listing family: ListObjects (v1) and ListObjectsV2 — prefix, delimiter, markers, tokens,
//! max-keys, fetch-owner, URL encoding, and who may list.

use bytes::Bytes;
use conformance_tests::protocol::time::parse_iso8601;
use conformance_tests::protocol::xml::{element_text, ListBucketResult};
use conformance_tests::{assert_error, assert_error_ec, md5_etag, service_error, Client, Method, Target};
use oss_client::{ListObjectsOptions, ListObjectsV2Options, PutObjectOptions};

async fn put_all(client: &Client, bucket: &str, keys: &[&str]) {
    let mut tasks = tokio::task::JoinSet::new();
    for key in keys {
        let (client, bucket, key) = (client.clone(), bucket.to_owned(), (*key).to_owned());
        tasks.spawn(async move {
            let body = Bytes::from(key.clone().into_bytes());
            client
                .put_object(&bucket, &key, body, &PutObjectOptions::default())
                .await
                .unwrap_or_else(|e| panic!("PutObject {key:?}: {e}"));
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("upload task");
    }
}

fn keys(page: &ListBucketResult) -> Vec<&str> {
    page.contents.iter().map(|o| o.key.as_str()).collect()
}

fn prefixes(page: &ListBucketResult) -> Vec<&str> {
    page.common_prefixes.iter().map(|p| p.prefix.as_str()).collect()
}

fn v1(
    prefix: Option<&str>,
    delimiter: Option<&str>,
    marker: Option<&str>,
    max_keys: Option<u32>,
) -> ListObjectsOptions {
    ListObjectsOptions {
        prefix: prefix.map(str::to_owned),
        delimiter: delimiter.map(str::to_owned),
        marker: marker.map(str::to_owned),
        max_keys,
        encoding_type: None,
    }
}

/// Sorted, the order OSS lists in (byte order of UTF-8).
const TREE: &[&str] = &["a/", "a/1", "a/2", "a/b/3", "a/b/4", "b", "c/x", "c/y/z", "d", "e-1", "e-2"];

#[tokio::test]
async fn list_objects_v1_prefix_and_entries() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("lsv1").await;
    put_all(&client, &bucket.name, TREE).await;

    let all = client.list_objects(&bucket.name, &ListObjectsOptions::default()).await.unwrap();
    assert_eq!(keys(&all), TREE);
    assert_eq!(all.name, bucket.name);
    assert_eq!(all.max_keys, 100, "default max-keys");
    assert!(!all.is_truncated);
    assert_eq!(all.next_marker, None);
    assert_eq!(all.key_count, None, "v1 has no KeyCount");
    for o in &all.contents {
        assert_eq!(o.etag, md5_etag(o.key.as_bytes()), "{}", o.key);
        assert_eq!(o.size, o.key.len() as u64);
        assert_eq!(o.object_type, "Normal");
        assert_eq!(o.storage_class, "Standard");
        assert!(o.last_modified.ends_with(".000Z") && parse_iso8601(&o.last_modified).is_some(), "{}", o.last_modified);
        let owner = o.owner.as_ref().expect("v1 lists owners");
        assert!(!owner.id.is_empty());
    }

    let a = client.list_objects(&bucket.name, &v1(Some("a/"), None, None, None)).await.unwrap();
    assert_eq!(keys(&a), ["a/", "a/1", "a/2", "a/b/3", "a/b/4"]);
    assert_eq!(a.prefix, "a/");
    let none = client.list_objects(&bucket.name, &v1(Some("zzz"), None, None, None)).await.unwrap();
    assert!(none.contents.is_empty() && none.common_prefixes.is_empty() && !none.is_truncated);

    // Empty Prefix, Marker and Delimiter are still present as elements.
    let raw = client.request(Method::GET, Some(&bucket.name), None).query("max-keys", "1").send().await.unwrap();
    let text = raw.text();
    assert!(!text.contains("xmlns"), "{text}");
    for element in ["<Name>", "<Prefix", "<Marker", "<MaxKeys>1</MaxKeys>", "<Delimiter", "<IsTruncated>true<"] {
        assert!(text.contains(element), "{element}: {text}");
    }
    assert!(!text.contains("<EncodingType>"), "{text}");
}

#[tokio::test]
async fn list_objects_v1_delimiter_folds_common_prefixes() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("lsdelim").await;
    put_all(&client, &bucket.name, TREE).await;

    let top = client.list_objects(&bucket.name, &v1(None, Some("/"), None, None)).await.unwrap();
    assert_eq!(keys(&top), ["b", "d", "e-1", "e-2"]);
    assert_eq!(prefixes(&top), ["a/", "c/"]);
    assert_eq!(top.delimiter, "/");

    let a = client.list_objects(&bucket.name, &v1(Some("a/"), Some("/"), None, None)).await.unwrap();
    assert_eq!(keys(&a), ["a/", "a/1", "a/2"], "the directory marker itself is a key");
    assert_eq!(prefixes(&a), ["a/b/"]);

    let c = client.list_objects(&bucket.name, &v1(Some("c/"), Some("/"), None, None)).await.unwrap();
    assert_eq!(keys(&c), ["c/x"]);
    assert_eq!(prefixes(&c), ["c/y/"]);

    // Any string can delimit.
    let dash = client.list_objects(&bucket.name, &v1(None, Some("-"), None, None)).await.unwrap();
    assert_eq!(prefixes(&dash), ["e-"]);
    assert!(!keys(&dash).contains(&"e-1"));
    assert!(keys(&dash).contains(&"a/b/3"));

    // A prefix that does not end at a delimiter.
    let partial = client.list_objects(&bucket.name, &v1(Some("a/b"), Some("/"), None, None)).await.unwrap();
    assert!(keys(&partial).is_empty());
    assert_eq!(prefixes(&partial), ["a/b/"]);
}

/// Pages through v1 with `max` entries per page; returns keys and prefixes in order.
async fn walk_v1(client: &Client, bucket: &str, delimiter: Option<&str>, max: u32) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(pages < 50, "paging does not end");
        let page = client.list_objects(bucket, &v1(None, delimiter, marker.as_deref(), Some(max))).await.unwrap();
        assert_eq!(page.marker.as_deref().unwrap_or_default(), marker.as_deref().unwrap_or_default(), "Marker echo");
        let entries = page.contents.len() + page.common_prefixes.len();
        assert!(entries <= max as usize);
        seen.extend(page.contents.iter().map(|o| o.key.clone()));
        seen.extend(page.common_prefixes.iter().map(|p| p.prefix.clone()));
        if !page.is_truncated {
            assert_eq!(page.next_marker, None, "no NextMarker on the last page");
            break;
        }
        assert_eq!(entries, max as usize, "a truncated page is full");
        let next = page.next_marker.clone().expect("NextMarker on a truncated page");
        // NextMarker is the last entry returned (key or common prefix).
        let last_key = page.contents.last().map(|o| o.key.clone());
        let last_prefix = page.common_prefixes.last().map(|p| p.prefix.clone());
        let last = [last_key, last_prefix].into_iter().flatten().max().unwrap();
        assert_eq!(next, last);
        marker = Some(next);
    }
    (seen, pages)
}

#[tokio::test]
async fn list_objects_v1_paging_with_and_without_delimiter() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("lspage").await;
    put_all(&client, &bucket.name, TREE).await;

    let (seen, pages) = walk_v1(&client, &bucket.name, None, 3).await;
    assert_eq!(seen, TREE);
    assert_eq!(pages, 4);

    let (mut seen, _) = walk_v1(&client, &bucket.name, Some("/"), 1).await;
    seen.sort();
    assert_eq!(seen, ["a/", "b", "c/", "d", "e-1", "e-2"], "each common prefix once, keys under it skipped");

    let (mut seen, _) = walk_v1(&client, &bucket.name, Some("/"), 2).await;
    seen.sort();
    assert_eq!(seen, ["a/", "b", "c/", "d", "e-1", "e-2"]);

    // A marker names where to start after, whether or not it exists.
    let after = client.list_objects(&bucket.name, &v1(None, None, Some("a/b"), None)).await.unwrap();
    assert_eq!(keys(&after), ["a/b/3", "a/b/4", "b", "c/x", "c/y/z", "d", "e-1", "e-2"]);
    assert_eq!(after.marker.as_deref(), Some("a/b"));
    let past = client.list_objects(&bucket.name, &v1(None, None, Some("zzz"), None)).await.unwrap();
    assert!(past.contents.is_empty() && !past.is_truncated);
}

#[tokio::test]
async fn list_objects_v2_start_after_tokens_and_key_count() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("lsv2").await;
    put_all(&client, &bucket.name, TREE).await;

    let all = client.list_objects_v2(&bucket.name, &ListObjectsV2Options::default()).await.unwrap();
    assert_eq!(keys(&all), TREE);
    assert_eq!(all.key_count, Some(TREE.len() as u32));
    assert_eq!(all.max_keys, 100);
    assert_eq!(all.start_after, None, "echoed only when sent");
    assert_eq!(all.continuation_token, None);
    assert_eq!(all.next_continuation_token, None);
    assert_eq!(all.marker, None, "v2 has no Marker");
    assert!(all.contents.iter().all(|o| o.owner.is_none()), "no Owner without fetch-owner");

    let owners = ListObjectsV2Options { fetch_owner: Some(true), ..Default::default() };
    let with = client.list_objects_v2(&bucket.name, &owners).await.unwrap();
    assert!(with.contents.iter().all(|o| o.owner.as_ref().is_some_and(|o| !o.id.is_empty())), "fetch-owner=true");

    let after = ListObjectsV2Options { start_after: Some("c/x".into()), ..Default::default() };
    let after = client.list_objects_v2(&bucket.name, &after).await.unwrap();
    assert_eq!(keys(&after), ["c/y/z", "d", "e-1", "e-2"]);
    assert_eq!(after.start_after.as_deref(), Some("c/x"));
    assert_eq!(after.key_count, Some(4));

    // Paging with tokens: every key once, in order.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(pages < 20);
        let opts = ListObjectsV2Options { max_keys: Some(4), continuation_token: token.clone(), ..Default::default() };
        let page = client.list_objects_v2(&bucket.name, &opts).await.unwrap();
        assert_eq!(page.continuation_token, token, "ContinuationToken echoes the one sent");
        assert_eq!(page.key_count, Some(page.contents.len() as u32));
        assert_eq!(page.max_keys, 4);
        seen.extend(page.contents.iter().map(|o| o.key.clone()));
        if !page.is_truncated {
            assert_eq!(page.next_continuation_token, None);
            break;
        }
        assert_eq!(page.contents.len(), 4);
        token = Some(page.next_continuation_token.clone().expect("NextContinuationToken"));
    }
    assert_eq!(seen, TREE);
    assert_eq!(pages, 3);

    // A token wins over start-after, which then only echoes.
    let first = ListObjectsV2Options { max_keys: Some(2), ..Default::default() };
    let first = client.list_objects_v2(&bucket.name, &first).await.unwrap();
    let both = ListObjectsV2Options {
        max_keys: Some(2),
        continuation_token: first.next_continuation_token.clone(),
        start_after: Some("d".into()),
        ..Default::default()
    };
    let both = client.list_objects_v2(&bucket.name, &both).await.unwrap();
    assert_eq!(keys(&both), ["a/2", "a/b/3"]);
}

#[tokio::test]
async fn list_objects_v2_delimiter_counts_prefixes() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("lsv2delim").await;
    put_all(&client, &bucket.name, TREE).await;

    let opts = ListObjectsV2Options { delimiter: Some("/".into()), ..Default::default() };
    let top = client.list_objects_v2(&bucket.name, &opts).await.unwrap();
    assert_eq!(keys(&top), ["b", "d", "e-1", "e-2"]);
    assert_eq!(prefixes(&top), ["a/", "c/"]);
    assert_eq!(top.key_count, Some(6), "KeyCount counts keys and common prefixes");

    // Paging one entry at a time never repeats a common prefix.
    let mut seen = Vec::new();
    let mut token = None;
    for _ in 0..20 {
        let opts = ListObjectsV2Options {
            delimiter: Some("/".into()),
            max_keys: Some(1),
            continuation_token: token.clone(),
            ..Default::default()
        };
        let page = client.list_objects_v2(&bucket.name, &opts).await.unwrap();
        assert_eq!(page.key_count, Some(1));
        seen.extend(page.contents.iter().map(|o| o.key.clone()));
        seen.extend(page.common_prefixes.iter().map(|p| p.prefix.clone()));
        if !page.is_truncated {
            token = None;
            break;
        }
        token = page.next_continuation_token.clone();
    }
    assert_eq!(token, None, "paging ended");
    assert_eq!(seen, ["a/", "b", "c/", "d", "e-1", "e-2"]);

    let opts = ListObjectsV2Options { prefix: Some("a/".into()), delimiter: Some("/".into()), ..Default::default() };
    let a = client.list_objects_v2(&bucket.name, &opts).await.unwrap();
    assert_eq!(keys(&a), ["a/", "a/1", "a/2"]);
    assert_eq!(prefixes(&a), ["a/b/"]);
    assert_eq!(a.key_count, Some(4));
    assert_eq!(a.prefix, "a/");
}

#[tokio::test]
async fn list_objects_max_keys_default_and_limits() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("lsmax").await;
    let names: Vec<String> = (0..101).map(|i| format!("k{i:03}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    put_all(&client, &bucket.name, &refs).await;

    let v1_page = client.list_objects(&bucket.name, &ListObjectsOptions::default()).await.unwrap();
    assert_eq!(v1_page.contents.len(), 100, "default max-keys is 100");
    assert_eq!(v1_page.max_keys, 100);
    assert!(v1_page.is_truncated);
    assert_eq!(v1_page.next_marker.as_deref(), Some("k099"));
    let v2_page = client.list_objects_v2(&bucket.name, &ListObjectsV2Options::default()).await.unwrap();
    assert_eq!(v2_page.contents.len(), 100);
    assert_eq!(v2_page.key_count, Some(100));
    assert!(v2_page.is_truncated && v2_page.next_continuation_token.is_some());

    let most = client.list_objects(&bucket.name, &v1(None, None, None, Some(1000))).await.unwrap();
    assert_eq!(most.contents.len(), 101);
    assert_eq!(most.max_keys, 1000);
    assert!(!most.is_truncated);

    for bad in ["1001", "-1"] {
        for list_type in [None, Some("2")] {
            let mut req = client.request(Method::GET, Some(&bucket.name), None);
            if let Some(t) = list_type {
                req = req.query("list-type", t);
            }
            let resp = req.query("max-keys", bad).send_raw().await.unwrap();
            let err = resp.into_service_error();
            assert_error(&err, 400, "InvalidArgument");
        }
    }
}

#[tokio::test]
async fn list_objects_url_encoding_of_awkward_keys() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("lsurl").await;
    let awkward = ["dir/sp ace", "dir/pl+us", "dir/中文", "dir/ctl\u{1}x", "dir/amp&lt<", "dir/sub/deep"];
    put_all(&client, &bucket.name, &awkward).await;
    let mut sorted = awkward.to_vec();
    sorted.sort();

    // The client decodes what the server encoded: the keys come back as they were put.
    let opts =
        ListObjectsOptions { prefix: Some("dir/".into()), encoding_type: Some("url".into()), ..Default::default() };
    let page = client.list_objects(&bucket.name, &opts).await.unwrap();
    assert_eq!(page.encoding_type.as_deref(), Some("url"));
    assert_eq!(keys(&page), sorted);
    assert_eq!(page.prefix, "dir/");

    let opts = ListObjectsV2Options {
        prefix: Some("dir/".into()),
        delimiter: Some("/".into()),
        start_after: Some("dir/amp&lt<".into()),
        encoding_type: Some("url".into()),
        ..Default::default()
    };
    let page = client.list_objects_v2(&bucket.name, &opts).await.unwrap();
    assert_eq!(page.encoding_type.as_deref(), Some("url"));
    assert_eq!(keys(&page), ["dir/ctl\u{1}x", "dir/pl+us", "dir/sp ace", "dir/中文"]);
    assert_eq!(prefixes(&page), ["dir/sub/"]);
    assert_eq!(page.start_after.as_deref(), Some("dir/amp&lt<"));
    assert_eq!(page.delimiter, "/");

    // On the wire: everything outside unreserved characters is percent-encoded, `/` included.
    let raw = client
        .request(Method::GET, Some(&bucket.name), None)
        .query("prefix", "dir/")
        .query("delimiter", "/")
        .query("marker", "dir/a")
        .query("max-keys", "3")
        .query("encoding-type", "url")
        .send()
        .await
        .unwrap();
    let text = raw.text();
    assert!(text.contains("<EncodingType>url</EncodingType>"), "{text}");
    assert_eq!(element_text(&text, "Prefix").as_deref(), Some("dir%2F"), "{text}");
    assert_eq!(element_text(&text, "Delimiter").as_deref(), Some("%2F"), "{text}");
    assert_eq!(element_text(&text, "Marker").as_deref(), Some("dir%2Fa"), "{text}");
    for encoded in ["<Key>dir%2Famp%26lt%3C</Key>", "<Key>dir%2Fctl%01x</Key>", "<Key>dir%2Fpl%2Bus</Key>"] {
        assert!(text.contains(encoded), "{encoded}: {text}");
    }
    assert_eq!(element_text(&text, "NextMarker").as_deref(), Some("dir%2Fpl%2Bus"), "{text}");

    let raw = client
        .request(Method::GET, Some(&bucket.name), None)
        .query("list-type", "2")
        .query("prefix", "dir/s")
        .query("encoding-type", "url")
        .send()
        .await
        .unwrap();
    let text = raw.text();
    for encoded in ["<Key>dir%2Fsp%20ace</Key>", "<Key>dir%2Fsub%2Fdeep</Key>", "<Prefix>dir%2Fs</Prefix>"] {
        assert!(text.contains(encoded), "{encoded}: {text}");
    }
    let raw = client
        .request(Method::GET, Some(&bucket.name), None)
        .query("list-type", "2")
        .query("prefix", "dir/中")
        .query("encoding-type", "url")
        .send()
        .await
        .unwrap();
    assert!(raw.text().contains("<Key>dir%2F%E4%B8%AD%E6%96%87</Key>"), "{}", raw.text());

    // Without encoding, XML escaping carries the printable ones.
    let plain = ListObjectsOptions { prefix: Some("dir/amp".into()), ..Default::default() };
    let page = client.list_objects(&bucket.name, &plain).await.unwrap();
    assert_eq!(page.encoding_type, None);
    assert_eq!(keys(&page), ["dir/amp&lt<"]);

    // Plain listings (bucket clean-up on real OSS among them) cannot carry a control character.
    client.delete_object(&bucket.name, "dir/ctl\u{1}x").await.unwrap();
}

#[tokio::test]
async fn list_objects_keeps_edge_whitespace_in_keys() {
    let target = Target::start().await;
    let client = target.client();
    let bucket = target.bucket("lsspace").await;
    let spaced = ["ws/ lead", "ws/trail ", "ws/ both ", "ws/tab\t"];
    put_all(&client, &bucket.name, &spaced).await;
    let mut want = spaced.to_vec();
    want.sort();
    for encoding_type in [None, Some("url".to_owned())] {
        let opts = ListObjectsOptions {
            prefix: Some("ws/".into()),
            encoding_type: encoding_type.clone(),
            ..Default::default()
        };
        let page = client.list_objects(&bucket.name, &opts).await.unwrap();
        assert_eq!(keys(&page), want, "encoding {encoding_type:?}");
        let opts = ListObjectsV2Options { prefix: Some("ws/".into()), encoding_type, ..Default::default() };
        let page = client.list_objects_v2(&bucket.name, &opts).await.unwrap();
        assert_eq!(keys(&page), want);
    }
    // A listed key names the object exactly.
    for key in &want {
        let got = client.get_object(&bucket.name, key, &Default::default()).await.unwrap();
        assert_eq!(got.body.as_ref(), key.as_bytes());
    }
    let raw = client.request(Method::GET, Some(&bucket.name), None).query("prefix", "ws/ ").send().await.unwrap();
    assert!(raw.text().contains("<Key>ws/ both </Key>"), "{}", raw.text());
}

#[tokio::test]
async fn list_objects_access_follows_the_bucket_acl() {
    let target = Target::start().await;
    let client = target.client();
    let public = target.bucket_with(&client, "lspub", Some("public-read")).await;
    let private = target.bucket("lspriv").await;
    put_all(&client, &public.name, &["x", "y"]).await;
    put_all(&client, &private.name, &["x"]).await;
    let anonymous = target.anonymous();

    let page = anonymous.list_objects(&public.name, &ListObjectsOptions::default()).await.expect("public-read v1");
    assert_eq!(keys(&page), ["x", "y"]);
    let page = anonymous.list_objects_v2(&public.name, &ListObjectsV2Options::default()).await.expect("public-read v2");
    assert_eq!(keys(&page), ["x", "y"]);

    let err = service_error(anonymous.list_objects(&private.name, &ListObjectsOptions::default()).await);
    assert_error(&err, 403, "AccessDenied");
    let err = service_error(anonymous.list_objects_v2(&private.name, &ListObjectsV2Options::default()).await);
    assert_error(&err, 403, "AccessDenied");

    let missing = target.bucket_name("lsnone");
    let err = service_error(client.list_objects(&missing, &ListObjectsOptions::default()).await);
    assert_error_ec(&err, 404, "NoSuchBucket", "0015-00000101");
    assert_eq!(err.extra("BucketName"), Some(missing.as_str()));
    let err = service_error(client.list_objects_v2(&missing, &ListObjectsV2Options::default()).await);
    assert_error_ec(&err, 404, "NoSuchBucket", "0015-00000101");
}

/// Another account is a stranger: it lists a public-read bucket and not a private one.
#[tokio::test]
#[cfg_attr(oss_no_second_account, ignore = "needs OSS_TEST_SECOND_ACCESS_KEY_ID/_SECRET")]
async fn list_objects_by_another_account_follows_the_bucket_acl() {
    let target = Target::start().await;
    let (client, second) = (target.client(), target.second_account());
    let public = target.bucket_with(&client, "lsapub", Some("public-read")).await;
    let private = target.bucket("lsapriv").await;
    put_all(&client, &public.name, &["x", "y"]).await;
    put_all(&client, &private.name, &["x"]).await;
    let err = service_error(second.list_objects(&private.name, &ListObjectsOptions::default()).await);
    assert_error(&err, 403, "AccessDenied");
    let err = service_error(second.list_objects_v2(&private.name, &ListObjectsV2Options::default()).await);
    assert_error(&err, 403, "AccessDenied");
    let page = second.list_objects(&public.name, &ListObjectsOptions::default()).await.expect("other account");
    assert_eq!(keys(&page), ["x", "y"]);
}
