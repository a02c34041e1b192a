//! The OSS wire vocabulary, shared by the emulator and the client so that both sides of every
//! test speak from one definition: signature canonicalisation (V1 and V4), CRC-64/XZ, dates,
//! percent-encoding, error codes and the XML documents exchanged.
//!
//! Nothing here performs I/O or knows about an HTTP library: the emulator and the client feed
//! plain strings in and get plain strings out.

pub mod crc64;
pub mod encoding;
pub mod error;
pub mod headers;
pub mod sign;
pub mod time;
pub mod types;
pub mod xml;

pub use types::{Acl, ObjectType, RestoreTier, StorageClass, VersionId, VersioningStatus};

/// Quoted uppercase hex MD5, the ETag of a Normal object or an uploaded part.
pub fn etag_from_md5(digest: &[u8]) -> String {
    format!("\"{}\"", hex::encode_upper(digest))
}

/// The ETag of a multipart object: MD5 over the part ETags' uppercase hex *text* (without quotes)
/// in Complete order, plus `-<parts>`. This is what the Java SDK's live tests assert (fact sheet §2);
/// it differs from S3, which hashes the binary digests.
pub fn multipart_etag<'a>(part_etags: impl IntoIterator<Item = &'a str>) -> String {
    use md5::{Digest, Md5};
    let mut hasher = Md5::new();
    let mut count = 0usize;
    for etag in part_etags {
        hasher.update(trim_etag(etag).to_ascii_uppercase().as_bytes());
        count += 1;
    }
    format!("\"{}-{}\"", hex::encode_upper(hasher.finalize()), count)
}

/// An ETag without its surrounding quotes (clients send both forms).
pub fn trim_etag(etag: &str) -> &str {
    etag.trim().trim_matches('"')
}

/// Bucket names: 3–63 characters of `[a-z0-9-]`, starting and ending with a letter or digit.
pub fn is_valid_bucket_name(name: &str) -> bool {
    (3..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_etag_hashes_hex_text() {
        // md5("") part etag twice
        let e = "\"D41D8CD98F00B204E9800998ECF8427E\"";
        let got = multipart_etag([e, e]);
        use md5::{Digest, Md5};
        let want = hex::encode_upper(Md5::digest(b"D41D8CD98F00B204E9800998ECF8427ED41D8CD98F00B204E9800998ECF8427E"));
        assert_eq!(got, format!("\"{want}-2\""));
    }

    #[test]
    fn bucket_names() {
        for ok in ["abc", "a-b-c", "123", &"a".repeat(63)] {
            assert!(is_valid_bucket_name(ok), "{ok}");
        }
        for bad in ["ab", &"a".repeat(64), "abC", "abc#", "-abc", "abcdefg-", "_emulator", "a.b"] {
            assert!(!is_valid_bucket_name(bad), "{bad}");
        }
    }
}
