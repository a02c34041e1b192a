use oss_protocol::error::ErrorDocument;
use oss_protocol::xml::*;
use proptest::prelude::*;

use crate::{any_text, cases};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![any_text(), "[ \t\r\n]{0,3}[a-z<>&\"' ]{0,8}[ \t\r\n]{0,3}", Just(String::new())]
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

/// Fragments of the request bodies, in any order and nesting: well-formed, broken and in between,
/// with references, comments, CDATA and edge whitespace, the paths the whitespace pass takes.
fn xml_like() -> impl Strategy<Value = String> {
    let tag = prop_oneof![
        "</?(CompleteMultipartUpload|Part|PartNumber|ETag|Delete|Quiet|Object|Key|VersionId|CreateBucketConfiguration|StorageClass|DataRedundancyType|LocationConstraint|AccessControlPolicy|Owner|ID|DisplayName|AccessControlList|Grant|Error|Code)/?>",
        Just("<?xml version=\"1.0\" encoding=\"UTF-8\"?>".to_owned()),
        "&(amp|lt|gt|quot|apos|#32|#x20|#0|#xD800|#1114112|bogus|);",
        Just("<!-- c -->".to_owned()),
        Just("<![CDATA[ x ]]>".to_owned()),
        Just("<!DOCTYPE a>".to_owned()),
        "[ \t\r\n]{1,3}",
        "[a-z0-9\u{e9}\u{4e2d}]{1,4}",
        Just("<".to_owned()),
        Just(">".to_owned()),
        any_text(),
    ];
    prop::collection::vec(tag, 0..24).prop_map(|t| t.concat())
}

fn bodies() -> impl Strategy<Value = String> {
    prop_oneof![
        xml_like(),
        any_text(),
        prop::collection::vec(any::<u8>(), 0..256).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
}

fn complete() -> impl Strategy<Value = CompleteMultipartUpload> {
    prop::collection::vec((text(), text()).prop_map(|(part_number, etag)| CompletePart { part_number, etag }), 0..6)
        .prop_map(|parts| CompleteMultipartUpload { parts })
}

fn delete() -> impl Strategy<Value = Delete> {
    let entry = (text(), opt_text()).prop_map(|(key, version_id)| DeleteObjectEntry { key, version_id });
    (opt_text(), prop::collection::vec(entry, 0..6)).prop_map(|(quiet, objects)| Delete { quiet, objects })
}

fn create_bucket() -> impl Strategy<Value = CreateBucketConfiguration> {
    (opt_text(), opt_text(), opt_text()).prop_map(|(storage_class, data_redundancy_type, location_constraint)| {
        CreateBucketConfiguration { storage_class, data_redundancy_type, location_constraint }
    })
}

fn acl_policy() -> impl Strategy<Value = AccessControlPolicy> {
    (text(), text(), text()).prop_map(|(id, display_name, grant)| AccessControlPolicy {
        owner: Owner { id, display_name },
        access_control_list: AccessControlList { grant },
    })
}

/// A listing: the response that carries request-chosen keys and prefixes back to the client.
fn listing() -> impl Strategy<Value = ListBucketResult> {
    let object =
        (text(), text(), any::<u64>(), proptest::option::of((text(), text()))).prop_map(|(key, etag, size, owner)| {
            ObjectSummary {
                key,
                etag,
                size,
                owner: owner.map(|(id, display_name)| Owner { id, display_name }),
                ..Default::default()
            }
        });
    let prefixes = prop::collection::vec(text().prop_map(|prefix| CommonPrefix { prefix }), 0..3);
    (text(), text(), opt_text(), opt_text(), any::<u32>(), any::<bool>(), prop::collection::vec(object, 0..4), prefixes)
        .prop_map(
            |(name, prefix, marker, next_continuation_token, max_keys, is_truncated, contents, common_prefixes)| {
                ListBucketResult {
                    name,
                    prefix,
                    marker,
                    next_continuation_token,
                    max_keys,
                    is_truncated,
                    contents,
                    common_prefixes,
                    ..Default::default()
                }
            },
        )
}

fn error_document() -> impl Strategy<Value = ErrorDocument> {
    let extra_name = "(Key|BucketName|StringToSign|ArgumentName|ArgumentValue|[A-Z][a-zA-Z]{0,10}Extra)";
    (
        "[A-Za-z]{1,20}",
        text(),
        text(),
        text(),
        prop::collection::vec((extra_name, text()), 0..4),
        proptest::option::of("[0-9]{4}-[0-9]{8}"),
    )
        .prop_map(|(code, message, request_id, host_id, extra, ec)| ErrorDocument {
            code,
            message,
            request_id,
            host_id,
            extra,
            ec,
        })
}

proptest! {
    #![proptest_config(cases(512))]

    /// Everything the emulator does with a request body, and the client with a response body.
    #[test]
    fn request_bodies_never_panic(body in bodies()) {
        let _ = root_name(&body);
        let _ = element_text(&body, "LocationConstraint");
        let _ = from_xml::<CompleteMultipartUpload>(&body);
        let _ = from_xml::<Delete>(&body);
        let _ = from_xml::<CreateBucketConfiguration>(&body);
        let _ = from_xml::<AccessControlPolicy>(&body);
        let _ = from_xml::<ListBucketResult>(&body);
        let _ = ErrorDocument::parse(&body);
    }
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn complete_round_trips(doc in complete()) {
        let xml = to_xml("CompleteMultipartUpload", &doc);
        prop_assert_eq!(root_name(&xml), Some("CompleteMultipartUpload".to_owned()));
        prop_assert_eq!(from_xml::<CompleteMultipartUpload>(&xml), Ok(doc));
    }

    #[test]
    fn delete_round_trips(doc in delete()) {
        prop_assert_eq!(from_xml::<Delete>(&to_xml("Delete", &doc)), Ok(doc));
    }

    #[test]
    fn create_bucket_round_trips(doc in create_bucket()) {
        prop_assert_eq!(from_xml::<CreateBucketConfiguration>(&to_xml("CreateBucketConfiguration", &doc)), Ok(doc));
    }

    #[test]
    fn acl_policy_round_trips(doc in acl_policy()) {
        prop_assert_eq!(from_xml::<AccessControlPolicy>(&to_xml("AccessControlPolicy", &doc)), Ok(doc));
    }

    #[test]
    fn listing_round_trips(doc in listing()) {
        prop_assert_eq!(from_xml::<ListBucketResult>(&to_xml("ListBucketResult", &doc)), Ok(doc));
    }

    #[test]
    fn error_document_round_trips(doc in error_document()) {
        prop_assert_eq!(ErrorDocument::parse(&doc.to_xml()), Some(doc));
    }

    #[test]
    fn location_constraint_round_trips(location in text()) {
        prop_assert_eq!(element_text(&location_constraint(&location), "LocationConstraint"), Some(location));
    }
}
