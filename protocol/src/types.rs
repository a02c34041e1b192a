//! Closed sets of values OSS spells as strings on the wire (ACLs, storage classes, object types),
//! as types: parsed once where they enter, matched exhaustively everywhere else, and stored by
//! their wire spelling so a data file stays readable by a person.

use std::fmt;
use std::str::FromStr;

/// A string no variant of `what` is spelt as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a valid {}", self.value, self.what)
    }
}

impl std::error::Error for UnknownValue {}

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($(#[$vdoc:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in the order OSS documents them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire spelling (case-sensitive, as OSS compares it).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ => Err(UnknownValue { what: $what, value: s.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

wire_enum! {
    /// An access control list as OSS names it (`x-oss-acl`, `x-oss-object-acl`, `<Grant>`).
    Acl, "ACL" {
        Private => "private",
        PublicRead => "public-read",
        PublicReadWrite => "public-read-write",
        /// Objects only: the bucket's ACL applies.
        Default => "default",
    }
}

impl Acl {
    /// Whether a bucket may carry it (`default` is for objects only).
    pub fn fits_bucket(self) -> bool {
        self != Acl::Default
    }

    pub fn allows_read(self) -> bool {
        matches!(self, Acl::PublicRead | Acl::PublicReadWrite)
    }

    pub fn allows_write(self) -> bool {
        self == Acl::PublicReadWrite
    }
}

wire_enum! {
    /// `x-oss-storage-class`, `<StorageClass>`.
    StorageClass, "storage class" {
        Standard => "Standard",
        IA => "IA",
        Archive => "Archive",
        ColdArchive => "ColdArchive",
        DeepColdArchive => "DeepColdArchive",
    }
}

wire_enum! {
    /// `<JobParameters><Tier>` of RestoreObject, echoed as `x-oss-object-restore-priority`: how
    /// fast a cold archive comes back.
    RestoreTier, "restore tier" {
        Expedited => "Expedited",
        Standard => "Standard",
        Bulk => "Bulk",
    }
}

impl StorageClass {
    /// Classes whose data must be restored before it can be read.
    pub fn is_archive(self) -> bool {
        matches!(self, StorageClass::Archive | StorageClass::ColdArchive | StorageClass::DeepColdArchive)
    }
}

wire_enum! {
    /// `<VersioningConfiguration><Status>`: a bucket that was never configured has neither.
    VersioningStatus, "versioning status" {
        Enabled => "Enabled",
        Suspended => "Suspended",
    }
}

wire_enum! {
    /// `x-oss-object-type`, `<Type>` in listings: how an object came to be.
    ObjectType, "object type" {
        Normal => "Normal",
        Multipart => "Multipart",
        Appendable => "Appendable",
        Symlink => "Symlink",
    }
}

/// An object version's id, as OSS spells it: `null` for the version written while a bucket was
/// unversioned or suspended, else an opaque 64-character id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct VersionId(String);

impl VersionId {
    pub const NULL: &'static str = "null";
    /// The length of the ids OSS hands out (the Java SDK's tests assert it).
    pub const LEN: usize = 64;

    pub fn null() -> VersionId {
        VersionId(Self::NULL.to_owned())
    }

    pub fn is_null(&self) -> bool {
        self.0 == Self::NULL
    }

    /// `null`, or 64 characters of the base64-like alphabet OSS ids are drawn from. Anything else
    /// (`234`, `IllegalVersion`) is what OSS calls an invalid version id.
    pub fn parse(s: &str) -> Option<VersionId> {
        let id_char = |b: u8| b.is_ascii_alphanumeric() || b"._-+/=".contains(&b);
        (s == Self::NULL || (s.len() == Self::LEN && s.bytes().all(id_char))).then(|| VersionId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_spellings_round_trip() {
        for acl in Acl::ALL {
            assert_eq!(acl.as_str().parse::<Acl>(), Ok(*acl));
        }
        for class in StorageClass::ALL {
            assert_eq!(class.to_string().parse::<StorageClass>(), Ok(*class));
        }
        assert!("standard".parse::<StorageClass>().is_err(), "OSS compares storage classes case-sensitively");
        assert_eq!("Multipart".parse::<ObjectType>(), Ok(ObjectType::Multipart));
        let err = "Public-Read".parse::<Acl>().unwrap_err();
        assert_eq!(err.to_string(), "\"Public-Read\" is not a valid ACL");
    }

    #[test]
    fn version_ids_are_null_or_sixty_four_characters() {
        assert!(VersionId::parse("null").is_some_and(|v| v.is_null()));
        let id = format!("CAEQ{}", "a".repeat(60));
        assert_eq!(VersionId::parse(&id).map(|v| v.to_string()), Some(id));
        for bad in ["", "234", "IllegalVersion", "NULL", &"%".repeat(64)] {
            assert!(VersionId::parse(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn serde_uses_the_wire_spelling() {
        assert_eq!(serde_json::to_string(&StorageClass::ColdArchive).unwrap(), "\"ColdArchive\"");
        assert_eq!(serde_json::from_str::<Acl>("\"public-read\"").unwrap(), Acl::PublicRead);
        assert!(serde_json::from_str::<ObjectType>("\"Weird\"").is_err());
    }
}
