//! Authorization: may this principal do this to this bucket or object, from this region?
//! Ownership, bucket ACLs, object ACLs (`default` inherits the bucket's) and the rule that a
//! bucket is reached only through its own region's endpoint.

use std::sync::Arc;

use crate::auth::Principal;
use crate::error::{OssError, Result};
use crate::store::{Bucket, BucketMeta, ObjectVersion};

const NO_RIGHT: &str = "You have no right to access this object because of bucket acl.";

/// What an operation needs from the bucket it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Owner-only operations (bucket ACL, info, location, deletion).
    Owner,
    /// Listing: owner, or a public-read(-write) bucket.
    Read,
    /// Writing objects: owner, or a public-read-write bucket.
    Write,
}

pub fn is_owner(principal: &Principal, bucket: &BucketMeta) -> bool {
    principal.account_id() == Some(bucket.owner_id.as_str())
}

/// Rejects anonymous callers of account-level operations (ListBuckets, PutBucket).
pub fn require_account(principal: &Principal) -> Result<&crate::config::Account> {
    principal
        .account
        .as_ref()
        .ok_or_else(|| OssError::access_denied("Anonymous access is forbidden for this operation."))
}

/// The bucket is reachable only through its own region's endpoint (fact sheet §0).
pub fn check_region(bucket: &BucketMeta, request_region: &str) -> Result<()> {
    if bucket.region == request_region {
        return Ok(());
    }
    Err(OssError::access_denied(
        "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.",
    )
    .with("Bucket", bucket.name.as_str())
    .with("Endpoint", format!("oss-{}.aliyuncs.com", bucket.region)))
}

/// Looks a bucket up and applies the region rule and `need`.
pub fn bucket(
    store: &crate::store::Store,
    name: &str,
    principal: &Principal,
    region: &str,
    need: Need,
) -> Result<Arc<Bucket>> {
    let bucket = store.bucket(name).ok_or_else(|| OssError::no_such_bucket(name))?;
    let meta = bucket.meta();
    check_region(&meta, region)?;
    if is_owner(principal, &meta) {
        return Ok(bucket);
    }
    let allowed = match need {
        Need::Owner => false,
        Need::Read => matches!(meta.acl.as_str(), "public-read" | "public-read-write"),
        Need::Write => meta.acl == "public-read-write",
    };
    if allowed {
        return Ok(bucket);
    }
    Err(match (need, principal.account.is_some()) {
        (Need::Owner, true) => OssError::access_denied("The bucket you access does not belong to you."),
        _ => OssError::access_denied(NO_RIGHT),
    })
}

/// The ACL that governs an object: its own, or the bucket's when it says `default`.
fn effective_acl<'a>(bucket: &'a BucketMeta, object: Option<&'a ObjectVersion>) -> &'a str {
    match object.map(|o| o.meta.acl.as_str()) {
        Some(acl) if acl != "default" && !acl.is_empty() => acl,
        _ => bucket.acl.as_str(),
    }
}

/// Read access to an object (or, when it does not exist, to the bucket's objects).
pub fn can_read_object(principal: &Principal, bucket: &BucketMeta, object: Option<&ObjectVersion>) -> Result<()> {
    if is_owner(principal, bucket) || matches!(effective_acl(bucket, object), "public-read" | "public-read-write") {
        Ok(())
    } else {
        Err(OssError::access_denied(NO_RIGHT))
    }
}

/// Write access to an object key (overwriting an existing object follows its own ACL).
pub fn can_write_object(principal: &Principal, bucket: &BucketMeta, object: Option<&ObjectVersion>) -> Result<()> {
    if is_owner(principal, bucket) || effective_acl(bucket, object) == "public-read-write" {
        Ok(())
    } else {
        Err(OssError::access_denied(NO_RIGHT))
    }
}
