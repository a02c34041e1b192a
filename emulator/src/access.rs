//! Authorization, checked once per request before its handler runs: may this principal have what
//! the endpoint [needs](crate::endpoint::Endpoint::needs)? Ownership, bucket ACLs, object ACLs
//! (`default` inherits the bucket's) and the rule that a bucket is reached only through its own
//! region's endpoint; then the bucket policy, read for the same needs (an explicit Deny first, an
//! Allow in place of the ACLs), and last whether a requester-pays bucket was told who pays.

use std::sync::{Arc, Mutex, PoisonError};

use oss_protocol::Acl;

use crate::auth::Principal;
use crate::endpoint::{Action, Need, Resource};
use crate::error::{OssError, Result};
use crate::policy::{PolicyRequest, RequestContext, Verdict};
use crate::store::{BucketMeta, ObjectMeta, Opened, Store, PRELOAD_MAX};

const NO_RIGHT: &str = "You have no right to access this object because of bucket acl.";

/// What the caller was granted: the buckets authorization looked up, so handlers need not look
/// them up (or check them) again.
#[derive(Default)]
pub struct Grant {
    /// The bucket the request names.
    pub bucket: Option<Arc<BucketMeta>>,
    /// The bucket of a copy's source.
    pub source: Option<Arc<BucketMeta>>,
    /// The object the caller was judged on, when judging needed it (`Some(None)`: it did not
    /// exist), so a read serves exactly the version whose ACL allowed it, without a second
    /// lookup. Handlers take it.
    object: Mutex<Option<Option<Opened>>>,
    /// A copy's source object (always looked up: the copy needs it).
    source_object: Mutex<Option<Opened>>,
}

impl Grant {
    /// The object judged, if judging looked it up.
    pub fn take_object(&self) -> Option<Option<Opened>> {
        self.object.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    pub fn take_source_object(&self) -> Option<Opened> {
        self.source_object.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// How an action is judged when the caller does not own the bucket.
enum Rule {
    /// The owner only.
    Owner,
    /// Anyone, signed or not (the bucket must still exist).
    Anyone,
    /// The bucket's ACL must allow reading.
    BucketRead,
    /// The bucket's ACL must allow writing.
    BucketWrite,
    /// The object's effective ACL must allow reading.
    ObjectRead,
    /// The object's effective ACL (its own when it exists and says so) must allow writing.
    ObjectWrite,
}

fn rule(action: Action, on_object: bool) -> Rule {
    use Action as A;
    match action {
        A::GetObject if on_object => Rule::ObjectRead,
        // A restore changes what the object can do, like a write; under ACLs it is judged as one
        // ([UNCONFIRMED]: OSS's ACL table does not list RestoreObject).
        A::PutObject | A::DeleteObject | A::AbortMultipartUpload | A::RestoreObject if on_object => Rule::ObjectWrite,
        A::DeleteObject | A::PutObject => Rule::BucketWrite,
        // Listing versions reveals what listing objects does, and older versions of it.
        A::ListObjects | A::ListObjectVersions | A::ListMultipartUploads | A::ListParts | A::GetObject => {
            Rule::BucketRead
        }
        A::ListBuckets
        | A::DescribeRegions
        | A::PutPublicAccessBlock
        | A::GetPublicAccessBlock
        | A::DeletePublicAccessBlock
        | A::GetUserQoSInfo
        | A::PutBucket
        | A::DeleteBucket
        | A::GetBucketLocation
        | A::GetBucketInfo
        | A::GetBucketAcl
        | A::PutBucketAcl
        | A::GetObjectAcl
        | A::PutObjectAcl
        | A::PutBucketTagging
        | A::GetBucketTagging
        | A::DeleteBucketTagging
        | A::PutObjectTagging
        | A::GetObjectTagging
        | A::DeleteObjectTagging
        | A::AbortMultipartUpload
        | A::RestoreObject
        | A::PutBucketLifecycle
        | A::GetBucketLifecycle
        | A::DeleteBucketLifecycle
        | A::PutBucketVersioning
        | A::GetBucketVersioning
        | A::PutBucketCors
        | A::GetBucketCors
        | A::DeleteBucketCors
        | A::PutBucketReferer
        | A::GetBucketReferer
        | A::PutBucketLogging
        | A::GetBucketLogging
        | A::DeleteBucketLogging
        | A::PutBucketEncryption
        | A::GetBucketEncryption
        | A::DeleteBucketEncryption
        | A::PutBucketRequestPayment
        | A::GetBucketRequestPayment
        | A::PutBucketPublicAccessBlock
        | A::GetBucketPublicAccessBlock
        | A::DeleteBucketPublicAccessBlock
        | A::PutBucketHttpsConfig
        | A::GetBucketHttpsConfig
        | A::GetBucketStat
        | A::PutBucketCallbackPolicy
        | A::GetBucketCallbackPolicy
        | A::DeleteBucketCallbackPolicy
        | A::PutBucketStorageCapacity
        | A::GetBucketStorageCapacity
        | A::PutBucketQoSInfo
        | A::GetBucketQoSInfo
        | A::DeleteBucketQoSInfo
        | A::InitiateBucketWorm
        | A::AbortBucketWorm
        | A::GetBucketWorm
        | A::ExtendBucketWorm
        | A::CompleteBucketWorm
        | A::PutBucketWebsite
        | A::GetBucketWebsite
        | A::DeleteBucketWebsite
        | A::PutBucketInventory
        | A::GetBucketInventory
        | A::ListBucketInventory
        | A::DeleteBucketInventory
        | A::PutBucketTransferAcceleration
        | A::GetBucketTransferAcceleration
        | A::PutBucketResourceGroup
        | A::GetBucketResourceGroup
        | A::PutBucketAccessMonitor
        | A::GetBucketAccessMonitor
        | A::ListLiveChannel
        | A::PutBucketPolicy
        | A::GetBucketPolicy
        | A::DeleteBucketPolicy
        | A::GetBucketPolicyStatus
        | A::Unimplemented => Rule::Owner,
        A::OptionObject => Rule::Anyone,
    }
}

pub fn is_owner(principal: &Principal, bucket: &BucketMeta) -> bool {
    principal.account_id() == Some(bucket.owner_id.as_str())
}

/// Who asks, and how the request looks to a bucket policy's conditions.
pub struct Caller<'a> {
    pub principal: &'a Principal,
    /// The region the request addresses.
    pub region: &'a str,
    pub context: RequestContext<'a>,
}

/// Checks every need of a request, in order, and hands over what it looked up.
pub async fn authorize(store: &Store, caller: &Caller<'_>, needs: &[Need<'_>]) -> Result<Grant> {
    let mut grant = Grant::default();
    for need in needs {
        check(store, caller, need, &mut grant).await.inspect_err(|e| {
            tracing::debug!(action = need.action.policy_name(), resource = ?need.resource, "not authorized: {}", e.code);
        })?;
    }
    Ok(grant)
}

async fn check(store: &Store, caller: &Caller<'_>, need: &Need<'_>, grant: &mut Grant) -> Result<()> {
    let (principal, region) = (caller.principal, caller.region);
    match need.resource {
        Resource::Account => {
            require_account(principal)?;
        }
        Resource::Bucket(name) => {
            let bucket = lookup(store, name)?;
            check_region(&bucket, region)?;
            check_referer(caller, &bucket, need.action)?;
            let blocked = store.blocks_public_access(&bucket);
            if !by_policy(caller, &bucket, need.action, None, blocked)? {
                judge(principal, &bucket, None, rule(need.action, false), blocked)?;
            }
            charge(caller, &bucket, need.action)?;
            grant.bucket = Some(bucket);
        }
        Resource::Object { bucket: name, key, version } => {
            let bucket = lookup(store, name)?;
            check_region(&bucket, region)?;
            check_referer(caller, &bucket, need.action)?;
            let rule = rule(need.action, true);
            let blocked = store.blocks_public_access(&bucket);
            // The owner may do anything: the object is looked up only when its ACL decides. A
            // read keeps what it looked up (the handler serves that very version); a write only
            // needs the ACL of the object it would replace.
            match rule {
                _ if by_policy(caller, &bucket, need.action, Some((key, version.is_some())), blocked)? => {}
                _ if is_owner(principal, &bucket) => judge(principal, &bucket, None, rule, blocked)?,
                Rule::ObjectRead => {
                    let object = store.open_object(name, key, version, PRELOAD_MAX).await?;
                    let found = object.as_ref().map(|o| &o.meta).filter(|m| !m.delete_marker);
                    judge(principal, &bucket, found, rule, blocked)?;
                    *grant.object.get_mut().unwrap_or_else(PoisonError::into_inner) = Some(object);
                }
                Rule::ObjectWrite => {
                    let object = store.head(name, key, None).await?;
                    judge(principal, &bucket, object.as_ref().filter(|m| !m.delete_marker), rule, blocked)?;
                }
                _ => judge(principal, &bucket, None, rule, blocked)?,
            }
            charge(caller, &bucket, need.action)?;
            grant.bucket = Some(bucket);
        }
        Resource::CopySource { bucket: name, key, version } => {
            if !oss_protocol::is_valid_bucket_name(name) {
                return Err(OssError::no_such_bucket(name));
            }
            crate::ops::validate_key(key)?;
            let bucket = lookup(store, name)?;
            if bucket.region != region {
                return Err(OssError::access_denied(
                    "Target object does not reside in the same data center as source object.",
                )
                .ec("0016-00000306"));
            }
            let object = store.open_object(name, key, version, 0).await?;
            let blocked = store.blocks_public_access(&bucket);
            if !by_policy(caller, &bucket, need.action, Some((key, version.is_some())), blocked)? {
                let meta = object.as_ref().map(|o| &o.meta).filter(|m| !m.delete_marker);
                judge(principal, &bucket, meta, Rule::ObjectRead, blocked)?;
            }
            charge(caller, &bucket, need.action)?;
            grant.source = Some(bucket);
            *grant.source_object.get_mut().unwrap_or_else(PoisonError::into_inner) = object;
        }
    }
    Ok(())
}

/// Hotlink protection: only requests without an `Authorization` header (anonymous ones and
/// presigned URLs, the owner's included) are judged by the bucket's referer lists. A preflight
/// carries no credentials and is CORS's to answer.
fn check_referer(caller: &Caller<'_>, bucket: &BucketMeta, action: Action) -> Result<()> {
    use crate::auth::AuthKind;
    let Some(referer) = &bucket.configs.referer else { return Ok(()) };
    // A PostObject form is a browser's request without an Authorization header, like a URL.
    let by_url = matches!(
        caller.principal.kind,
        AuthKind::Anonymous | AuthKind::V1Presigned | AuthKind::V4Presigned | AuthKind::V1Form | AuthKind::V4Form
    );
    if !by_url || action == Action::OptionObject || referer.allows(caller.context.referer) {
        return Ok(());
    }
    Err(OssError::access_denied("You are denied by bucket referer policy."))
}

/// What the bucket's policy says of `action` on the bucket, or on `(key, versioned)` in it:
/// `Err` for an explicit Deny, `true` for an Allow that stands in for the ACLs, `false` when the
/// ACLs decide. The owner can always manage the policy itself, or a Deny could lock it out for
/// good; a public grant stops granting under a public access block.
fn by_policy(
    caller: &Caller<'_>,
    bucket: &BucketMeta,
    action: Action,
    object: Option<(&str, bool)>,
    blocked: bool,
) -> Result<bool> {
    let Some(policy) = &bucket.configs.policy else { return Ok(false) };
    let is_owner = is_owner(caller.principal, bucket);
    if action == Action::OptionObject || (is_owner && action.manages_policy()) {
        return Ok(false);
    }
    let base = format!("acs:oss:{}:{}:{}", bucket.region, bucket.owner_id, bucket.name);
    let (resource, action_name) = match object {
        Some((key, versioned)) => (format!("{base}/{key}"), action.policy_name_for(versioned)),
        None => (base, action.policy_name()),
    };
    let request = PolicyRequest {
        account: caller.principal.account_id(),
        is_owner,
        action: action_name,
        resource: &resource,
        context: &caller.context,
    };
    match policy.evaluate(&request) {
        Verdict::Deny => Err(OssError::access_denied("Access denied by bucket policy.")),
        Verdict::Allow { public } => Ok(!(public && blocked)),
        Verdict::Silent => Ok(false),
    }
}

/// A requester-pays bucket serves other accounts only when they say they pay
/// (`x-oss-request-payer: requester`, as a header or a query parameter), and nobody anonymous.
fn charge(caller: &Caller<'_>, bucket: &BucketMeta, action: Action) -> Result<()> {
    if !bucket.configs.requester_pays || action == Action::OptionObject || is_owner(caller.principal, bucket) {
        return Ok(());
    }
    let context = &caller.context;
    let header = context.headers.get(oss_protocol::headers::REQUEST_PAYER).and_then(|v| v.to_str().ok());
    let param = context.query.iter().find(|(n, _)| n == oss_protocol::headers::REQUEST_PAYER).map(|(_, v)| v.as_str());
    let pays = header.or(param).is_some_and(|v| v.trim().eq_ignore_ascii_case("requester"));
    if pays && caller.principal.account.is_some() {
        return Ok(());
    }
    Err(OssError::access_denied("Access denied for requester pay bucket"))
}

fn lookup(store: &Store, name: &str) -> Result<Arc<BucketMeta>> {
    store.bucket(name).ok_or_else(|| OssError::no_such_bucket(name))
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

/// The ACL that governs an object: its own, or the bucket's when it says `default`.
fn effective_acl(bucket: &BucketMeta, object: Option<&ObjectMeta>) -> Acl {
    match object.map(|o| o.acl) {
        Some(acl) if acl != Acl::Default => acl,
        _ => bucket.acl,
    }
}

/// Whether the caller may read `object` of `bucket` by its ACL (a symlink's target is judged as
/// well as the link).
/// Judges by ownership and ACLs. `blocked`: a public access block (the bucket's or its owner's
/// account's, see [`Store::blocks_public_access`]) stands.
fn judge(
    principal: &Principal,
    bucket: &BucketMeta,
    object: Option<&ObjectMeta>,
    rule: Rule,
    blocked: bool,
) -> Result<()> {
    if is_owner(principal, bucket) {
        return Ok(());
    }
    // Every grant an ACL makes to a non-owner is a public one, and a public access block makes
    // those grant nothing.
    let public = !blocked;
    let allowed = match rule {
        Rule::Owner => false,
        Rule::Anyone => true,
        Rule::BucketRead => public && bucket.acl.allows_read(),
        Rule::BucketWrite => public && bucket.acl.allows_write(),
        Rule::ObjectRead => public && effective_acl(bucket, object).allows_read(),
        Rule::ObjectWrite => public && effective_acl(bucket, object).allows_write(),
    };
    match (allowed, rule, principal.account.is_some()) {
        (true, _, _) => Ok(()),
        (false, Rule::Owner, true) => Err(OssError::access_denied("The bucket you access does not belong to you.")),
        (false, _, _) => Err(OssError::access_denied(NO_RIGHT)),
    }
}
