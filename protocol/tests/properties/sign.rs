use oss_protocol::sign::*;
use proptest::prelude::*;

use crate::{any_text, cases, near_miss};

fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((any_text(), any_text()), 0..6)
}

/// Header names as the emulator hands them over (lowercase) mixed with arbitrary ones.
fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof!["x-oss-[a-z0-9-]{0,12}", "content-(md5|type)", "[a-z-]{1,12}", any_text()];
    prop::collection::vec((name, any_text()), 0..8)
}

#[derive(Debug, Clone)]
struct Parts {
    access_key_id: String,
    date: String,
    region: String,
    product: String,
    additional: Vec<String>,
    signature: String,
}

/// The parts of a well-formed Authorization: none holds `,` (the item separator) or edge
/// whitespace; the access key may hold `/`, since the credential is split from the right.
fn parts() -> impl Strategy<Value = Parts> {
    (
        "[A-Za-z0-9_.+=/-]{0,40}[A-Za-z0-9]",
        "[0-9]{8}",
        "[a-z0-9-]{0,20}",
        "[a-z0-9]{1,8}",
        prop::collection::vec("[a-z0-9-]{1,16}", 0..4),
        "[0-9a-f]{64}",
    )
        .prop_map(|(access_key_id, date, region, product, additional, signature)| Parts {
            access_key_id,
            date,
            region,
            product,
            additional,
            signature,
        })
}

fn expected(p: &Parts) -> V4Authorization {
    V4Authorization {
        access_key_id: p.access_key_id.clone(),
        date: p.date.clone(),
        region: p.region.clone(),
        product: p.product.clone(),
        additional_headers: p.additional.clone(),
        signature: p.signature.clone(),
    }
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn authorization_parsers_never_panic(s in any_text(), rest in any_text()) {
        let _ = parse_v4_authorization(&s);
        let _ = parse_v4_authorization(&format!("{V4_ALGORITHM} {rest}"));
        let _ = parse_v4_credential(&s);
    }

    #[test]
    fn authorization_near_misses_never_panic(
        s in parts().prop_flat_map(|p| {
            near_miss(v4_authorization(&p.access_key_id, &v4_scope(&p.date, &p.region, &p.product), &p.additional, &p.signature))
        })
    ) {
        if let Some(parsed) = parse_v4_authorization(&s) {
            prop_assert!(!parsed.access_key_id.is_empty());
        }
    }

    #[test]
    fn built_authorization_parses_back(p in parts()) {
        let scope = v4_scope(&p.date, &p.region, &p.product);
        let header = v4_authorization(&p.access_key_id, &scope, &p.additional, &p.signature);
        prop_assert_eq!(parse_v4_authorization(&header), Some(expected(&p)));
        let credential = parse_v4_credential(&format!("{}/{scope}", p.access_key_id));
        prop_assert_eq!(credential, Some(V4Authorization { additional_headers: vec![], signature: String::new(), ..expected(&p) }));
    }

    /// The Python SDK v1 form: any item order, `, ` separators, AdditionalHeaders in any case.
    #[test]
    fn authorization_items_in_any_order_and_spacing(p in parts(), order in Just([0, 1, 2]).prop_shuffle(), spaced in any::<bool>(), upper in any::<bool>()) {
        let scope = v4_scope(&p.date, &p.region, &p.product);
        let additional = if upper { p.additional.join(";").to_ascii_uppercase() } else { p.additional.join(";") };
        let items = [
            format!("Credential={}/{scope}", p.access_key_id),
            format!("AdditionalHeaders={additional}"),
            format!("Signature={}", p.signature),
        ];
        let list: Vec<&str> = order.iter().map(|&i| items[i].as_str()).collect();
        let header = format!("{V4_ALGORITHM} {}", list.join(if spaced { ", " } else { "," }));
        prop_assert_eq!(parse_v4_authorization(&header), Some(expected(&p)));
        // A repeated item is ambiguous and refused.
        let repeated = format!("{header},{}", items[order[0]]);
        prop_assert_eq!(parse_v4_authorization(&repeated), None);
    }

    #[test]
    fn string_to_sign_builders_never_panic(
        method in any_text(),
        bucket in proptest::option::of(any_text()),
        key in proptest::option::of(any_text()),
        query in pairs(),
        headers in headers(),
        date in any_text(),
        region in any_text(),
        requested in prop::collection::vec(any_text(), 0..4),
        token in proptest::option::of(any_text()),
        expires in any::<i64>(),
        expires_secs in any::<u64>(),
    ) {
        let req = SignableRequest { method: &method, bucket: bucket.as_deref(), key: key.as_deref(), query: &query, headers: &headers };
        for which in [V1Resource::SubResources, V1Resource::SubResourcesAndOssParams, V1Resource::AllParams] {
            let sts = v1_string_to_sign(&req, &date, which);
            let verb_line = format!("{method}\n");
            prop_assert!(sts.starts_with(&verb_line));
        }
        let requested: Vec<&str> = requested.iter().map(String::as_str).collect();
        let additional = v4_additional_headers(&requested, &headers);
        let canonical = v4_canonical_request(&req, &additional, UNSIGNED_PAYLOAD, Some("x-oss-signature"));
        let scope = v4_scope(&date, &region, "oss");
        let _ = v4_string_to_sign(&date, &scope, &canonical);
        let _ = string_to_sign_bytes(&canonical);
        let creds = Credentials { security_token: token, ..Credentials::new(method.clone(), date.clone()) };
        let _ = sign_v1_header(&req, &creds, &date);
        let _ = presign_v1(&req, &creds, expires);
        let authorization = sign_v4_header(&req, &creds, &region, "oss", &date, &additional);
        prop_assert!(authorization.starts_with(V4_ALGORITHM));
        let added = presign_v4(&req, &creds, &region, "oss", &date, expires_secs, &additional);
        prop_assert_eq!(added.last().map(|(n, _)| n.as_str()), Some("x-oss-signature"));
    }

    /// Canonical headers are sorted, so the order a client sends distinct headers in is irrelevant.
    #[test]
    fn canonical_headers_ignore_order(headers in prop::collection::btree_map("x-oss-[a-z]{1,8}|content-type|host", any_text(), 0..8), seed in any::<u64>()) {
        let sorted: Vec<(String, String)> = headers.into_iter().collect();
        let mut shuffled = sorted.clone();
        let len = shuffled.len().max(1);
        shuffled.rotate_left(usize::try_from(seed).unwrap_or(0) % len);
        if seed % 2 == 1 {
            shuffled.reverse();
        }
        prop_assert_eq!(v1_canonical_headers(&sorted), v1_canonical_headers(&shuffled));
        let additional = vec!["host".to_owned()];
        prop_assert_eq!(v4_canonical_headers(&sorted, &additional), v4_canonical_headers(&shuffled, &additional));
    }

    #[test]
    fn constant_time_eq_is_equality(a in any_text(), b in any_text()) {
        prop_assert_eq!(constant_time_eq(&a, &b), a == b);
        prop_assert!(constant_time_eq(&a, &a.clone()));
    }
}
