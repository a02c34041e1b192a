//! Percent-encoding as OSS uses it: RFC 3986 unreserved characters stay, everything else becomes
//! `%XX` with uppercase hex. Used for V4 canonical URIs and queries, `encoding-type=url` listings,
//! and by the client to build URLs.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// RFC 3986's unreserved characters: everything else is escaped.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
/// The same, keeping `/` (object keys in paths).
const UNRESERVED_AND_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');

/// Encodes every byte outside `A-Z a-z 0-9 - _ . ~` (and `/` when `keep_slash`), uppercase hex.
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let set = if keep_slash { UNRESERVED_AND_SLASH } else { UNRESERVED };
    percent_encoding::utf8_percent_encode(s, set).to_string()
}

/// Decodes `%XX` sequences (and `+` as a space when `plus_as_space`). Malformed escapes are kept
/// literally, as lenient servers do. The result may not be UTF-8; callers decide what that means.
pub fn percent_decode(s: &str, plus_as_space: bool) -> Vec<u8> {
    if plus_as_space && s.contains('+') {
        // `%2B` still decodes to `+`: only literal pluses are spaces.
        percent_encoding::percent_decode(s.replace('+', " ").as_bytes()).collect()
    } else {
        percent_encoding::percent_decode(s.as_bytes()).collect()
    }
}

/// Decodes to a `String`, replacing invalid UTF-8 (for query values, where OSS is lenient).
pub fn percent_decode_lossy(s: &str, plus_as_space: bool) -> String {
    String::from_utf8_lossy(&percent_decode(s, plus_as_space)).into_owned()
}

/// Splits a raw query string into decoded `(name, value)` pairs in their original order. A name
/// without `=` has an empty value; `+` means space, as every SDK's form encoder writes it.
pub fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode_lossy(name, true), percent_decode_lossy(value, true))
        })
        .collect()
}

/// Builds a query string from pairs, encoding names and values (`/` encoded too).
pub fn build_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .into_iter()
        .map(|(k, v)| {
            if v.is_empty() {
                uri_encode(k, false)
            } else {
                format!("{}={}", uri_encode(k, false), uri_encode(v, false))
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The `x-oss-tagging` header: `k1=v1&k2=v2`, each side URL-encoded (`+` is a space). A pair
/// without `=` has an empty value. `None` when it is not that shape: an empty key, a second `=`
/// (`aa=bb=cc`), an escape that is not UTF-8.
pub fn parse_tag_header(raw: &str) -> Option<Vec<(String, String)>> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if k.is_empty() || v.contains('=') {
                return None;
            }
            let decode = |s: &str| String::from_utf8(percent_decode(s, true)).ok();
            Some((decode(k)?, decode(v)?))
        })
        .collect()
}

/// Writes tags as the `x-oss-tagging` header reads them.
pub fn tag_header(tags: &[(String, String)]) -> String {
    build_query(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_rules() {
        assert_eq!(uri_encode("1234+-/123/1.txt", true), "1234%2B-/123/1.txt");
        assert_eq!(uri_encode("a b/c~", false), "a%20b%2Fc~");
        assert_eq!(uri_encode("中", false), "%E4%B8%AD");
    }

    #[test]
    fn decode_rules() {
        assert_eq!(percent_decode("dir%2Fa%20b+c", false), b"dir/a b+c");
        assert_eq!(percent_decode("a+b%2B", true), b"a b+");
        assert_eq!(percent_decode("100%", false), b"100%");
        assert_eq!(percent_decode("%zz%4", false), b"%zz%4");
        assert_eq!(percent_decode("%41", false), b"A");
    }

    #[test]
    fn tag_headers() {
        let tags = parse_tag_header("k1=v1&k2&a%20b=%E4%B8%AD+x").unwrap();
        assert_eq!(tags, [("k1", "v1"), ("k2", ""), ("a b", "中 x")].map(|(k, v)| (k.to_owned(), v.to_owned())));
        assert_eq!(parse_tag_header(&tag_header(&tags)).unwrap(), tags);
        assert!(parse_tag_header("aa=bb=cc").is_none());
        assert!(parse_tag_header("=v").is_none());
        assert!(parse_tag_header("k=%FF").is_none());
    }

    #[test]
    fn query_pairs() {
        let q = parse_query("uploads&uploadId=AB&x=%2B1&&empty=");
        assert_eq!(
            q,
            vec![
                ("uploads".into(), "".into()),
                ("uploadId".into(), "AB".into()),
                ("x".into(), "+1".into()),
                ("empty".into(), "".into())
            ]
        );
    }
}
