//! `oss://bucket/key` addresses.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// An object (or, with an empty key, a bucket or prefix) in `oss://bucket/key` form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectPath {
    pub bucket: String,
    /// May be empty (`oss://bucket`) or end in `/` (a prefix).
    pub key: String,
}

impl ObjectPath {
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        ObjectPath { bucket: bucket.into(), key: key.into() }
    }

    /// Whether `s` is meant as an OSS address rather than a local path.
    pub fn is_oss_url(s: &str) -> bool {
        s.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("oss://"))
    }

    /// Parses `oss://bucket[/key]`. The key is taken literally: no percent-decoding, since OSS
    /// keys may contain `%`.
    pub fn parse(s: &str) -> Result<ObjectPath, Error> {
        if !ObjectPath::is_oss_url(s) {
            return Err(Error::usage(format!("{s:?} is not an oss://bucket/key URL")));
        }
        let rest = &s[6..];
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(Error::usage(format!("{s:?} names no bucket")));
        }
        Ok(ObjectPath::new(bucket, key))
    }

    /// The last segment of the key (what a download names its file after).
    pub fn file_name(&self) -> Option<&str> {
        self.key.rsplit('/').next().filter(|n| !n.is_empty())
    }

    /// Whether the key is empty or ends in `/`: a place to put objects, not an object.
    pub fn is_prefix(&self) -> bool {
        self.key.is_empty() || self.key.ends_with('/')
    }

    /// This prefix with `name` appended.
    pub fn join(&self, name: &str) -> ObjectPath {
        ObjectPath::new(self.bucket.clone(), format!("{}{name}", self.key))
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "oss://{}/{}", self.bucket, self.key)
    }
}

impl FromStr for ObjectPath {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        ObjectPath::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        let p = ObjectPath::parse("oss://b/dir/a b%2F.txt").unwrap();
        assert_eq!((p.bucket.as_str(), p.key.as_str()), ("b", "dir/a b%2F.txt"));
        assert_eq!(p.to_string(), "oss://b/dir/a b%2F.txt");
        assert_eq!(p.file_name(), Some("a b%2F.txt"));
        assert!(!p.is_prefix());
        let b = ObjectPath::parse("OSS://bucket").unwrap();
        assert_eq!((b.bucket.as_str(), b.key.as_str()), ("bucket", ""));
        assert!(b.is_prefix());
        assert_eq!(b.join("x").to_string(), "oss://bucket/x");
        assert!(ObjectPath::parse("oss:///k").is_err());
        assert!(ObjectPath::parse("/tmp/x").is_err());
        assert!(ObjectPath::is_oss_url("oss://x") && !ObjectPath::is_oss_url("./oss://x"));
    }
}
