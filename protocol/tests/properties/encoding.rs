use oss_protocol::encoding::*;
use proptest::prelude::*;

use crate::{any_text, cases};

/// Raw query-ish text: escapes valid and broken, separators, and free characters.
fn query_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("%".to_owned()),
        "%[0-9A-Fa-f]{0,2}",
        "%[G-Zg-z]{1,2}",
        Just("&".to_owned()),
        Just("=".to_owned()),
        Just("+".to_owned()),
        "[a-zA-Z0-9]{1,4}",
        any_text(),
    ];
    prop::collection::vec(token, 0..12).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn decoders_never_panic(s in prop_oneof![any_text(), query_like()], plus in any::<bool>()) {
        let decoded = percent_decode(&s, plus);
        prop_assert!(decoded.len() <= s.len());
        let _ = percent_decode_lossy(&s, plus);
        for (name, value) in parse_query(&s) {
            prop_assert!(!name.contains('&') && !value.contains('&') || s.contains("%26"));
        }
    }

    #[test]
    fn encode_then_decode_round_trips(s in any_text(), keep_slash in any::<bool>(), plus in any::<bool>()) {
        let encoded = uri_encode(&s, keep_slash);
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b) || (keep_slash && b == b'/')));
        let upper_hex = |b: &u8| b.is_ascii_digit() || (b'A'..=b'F').contains(b);
        prop_assert!(encoded.split('%').skip(1).all(|e| e.as_bytes().get(..2).is_some_and(|h| h.iter().all(upper_hex))));
        prop_assert_eq!(percent_decode(&encoded, plus), s.as_bytes());
        prop_assert_eq!(percent_decode_lossy(&encoded, plus), s);
    }

    /// Text with neither `%` nor `+` decodes to itself.
    #[test]
    fn plain_text_decodes_to_itself(s in "[^%+]*", plus in any::<bool>()) {
        prop_assert_eq!(percent_decode(&s, plus), s.as_bytes());
    }

    /// A pair with an empty name and value writes nothing and so cannot come back.
    #[test]
    fn build_then_parse_query_round_trips(
        pairs in prop::collection::vec((any_text(), any_text()).prop_filter("not both empty", |(k, v)| !(k.is_empty() && v.is_empty())), 0..8)
    ) {
        let built = build_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        prop_assert_eq!(parse_query(&built), pairs);
    }
}
