//! V4: `Authorization: OSS4-HMAC-SHA256 Credential=…` and `?x-oss-signature-version=…` URLs.

use oss_protocol::sign::{
    constant_time_eq, parse_v4_authorization, parse_v4_credential, v4_canonical_request, v4_scope, v4_signature,
    v4_string_to_sign, V4Authorization, UNSIGNED_PAYLOAD,
};
use oss_protocol::time::{format_iso8601, parse_v4_datetime};

use super::{invalid_date, signature_mismatch, AuthKind, AuthRequest, Authenticator, Principal};
use crate::error::{Code, OssError, Result};

/// Presigned V4 URLs may live at most 7 days (the SDKs refuse more; OSS is assumed to as well).
pub(super) const MAX_PRESIGN_SECS: u64 = 604_800;

pub(super) fn invalid(message: &'static str, ec: &'static str) -> OssError {
    OssError::new(Code::InvalidArgument).message(message).ec(ec)
}

/// Product, region and date checks shared by the header and the presigned form.
pub(super) fn check_scope(auth: &Authenticator<'_>, request_region: &str, cred: &V4Authorization) -> Result<()> {
    if cred.product != "oss" {
        return Err(invalid("Invalid signing product in Authorization header.", "0002-00000227"));
    }
    if cred.region.is_empty() {
        return Err(invalid("The signing region in credential is invalid.", "0002-00000226"));
    }
    // A region no listener serves is no OSS region as far as this endpoint knows; a served one
    // that is not the request's is the wrong region.
    let served = cred.region == request_region || auth.regions.contains(&cred.region);
    if !crate::config::is_region_name(&cred.region) || !served {
        return Err(invalid("Invalid signing region in Authorization header.", "0002-00000226"));
    }
    if cred.region != request_region {
        return Err(invalid("Invalid signing region in Authorization header.", "0002-00000228")
            .with("ArgumentName", "region")
            .with("ArgumentValue", cred.region.as_str()));
    }
    if cred.date.len() != 8 || !cred.date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("Invalid signing date in Authorization header.", "0002-00000212"));
    }
    Ok(())
}

fn verify(
    auth: &Authenticator<'_>,
    req: &AuthRequest<'_>,
    cred: &V4Authorization,
    datetime: &str,
    payload_hash: &str,
    skip_query: Option<&str>,
) -> Result<()> {
    let account = auth.account(&cred.access_key_id)?;
    if !auth.verifies_signatures() {
        return Ok(());
    }
    let canonical = v4_canonical_request(&req.signable(), &cred.additional_headers, payload_hash, skip_query);
    let scope = v4_scope(&cred.date, &cred.region, &cred.product);
    let sts = v4_string_to_sign(datetime, &scope, &canonical);
    let expected = v4_signature(&account.access_key_secret, &cred.date, &cred.region, &cred.product, &sts);
    // [UNCONFIRMED] whether OSS rejects a scope date other than the request's day; S3 does, and a
    // signature over another day cannot be the client's honest one, so it fails as a mismatch.
    if datetime.starts_with(&cred.date) && constant_time_eq(&expected, &cred.signature.to_ascii_lowercase()) {
        return Ok(());
    }
    Err(signature_mismatch("0002-00000201", &cred.access_key_id, &cred.signature, &sts)
        .with("CanonicalRequest", canonical))
}

pub(super) fn header(auth: &Authenticator<'_>, req: &AuthRequest<'_>, value: &str) -> Result<Principal> {
    let cred = parse_v4_authorization(value).ok_or_else(|| {
        invalid("Authorization header is invalid.", "0002-00000202").with("ArgumentName", "Authorization")
    })?;
    let datetime = req.header("x-oss-date").map(str::trim).ok_or_else(|| invalid_date("0002-00000503"))?;
    let request_time = parse_v4_datetime(datetime).ok_or_else(|| invalid_date("0002-00000502"))?;
    check_scope(auth, req.region, &cred)?;
    let payload_hash = req.header("x-oss-content-sha256").map(str::trim).unwrap_or(UNSIGNED_PAYLOAD);
    if payload_hash != UNSIGNED_PAYLOAD {
        return Err(invalid("x-oss-content-sha256 must be UNSIGNED-PAYLOAD.", "0002-00000214")
            .with("ArgumentName", "x-oss-content-sha256")
            .with("ArgumentValue", payload_hash));
    }
    auth.account(&cred.access_key_id)?;
    auth.check_skew(request_time)?;
    verify(auth, req, &cred, datetime, payload_hash, None)?;
    Ok(Principal {
        kind: AuthKind::V4,
        account: Some(auth.account(&cred.access_key_id)?),
        access_key_id: Some(cred.access_key_id),
    })
}

pub(super) fn presigned(auth: &Authenticator<'_>, req: &AuthRequest<'_>) -> Result<Principal> {
    let param = |name: &'static str| {
        req.param(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| invalid("Query-string authentication requires the x-oss-signature-version, x-oss-credential, x-oss-date, x-oss-expires and x-oss-signature parameters.", "0002-00000067").with("ArgumentName", name))
    };
    if param("x-oss-signature-version")? != "OSS4-HMAC-SHA256" {
        return Err(invalid("Invalid x-oss-signature-version.", "0002-00000202"));
    }
    let mut cred = parse_v4_credential(param("x-oss-credential")?)
        .ok_or_else(|| invalid("Invalid x-oss-credential.", "0002-00000202"))?;
    cred.signature = param("x-oss-signature")?.to_owned();
    cred.additional_headers = req
        .param("x-oss-additional-headers")
        .map(|a| a.split(';').filter(|h| !h.is_empty()).map(str::to_ascii_lowercase).collect())
        .unwrap_or_default();
    let datetime = param("x-oss-date")?;
    let signed_at = parse_v4_datetime(datetime).ok_or_else(|| invalid_date("0002-00000502"))?;
    let expires: u64 = param("x-oss-expires")?
        .parse()
        .map_err(|_| invalid("x-oss-expires must be a number of seconds.", "0002-00000070"))?;
    if expires > MAX_PRESIGN_SECS {
        return Err(invalid("x-oss-expires must be no more than 604800 seconds.", "0002-00000070"));
    }
    check_scope(auth, req.region, &cred)?;
    // A URL whose validity starts in the future is refused, with the same allowance for clock
    // differences as a signed header has (the documentation's 15 minutes).
    if auth.checks_expiry() && signed_at > auth.now + auth.max_skew {
        return Err(OssError::access_denied("Request is not valid yet.")
            .with("RequestTime", format_iso8601(signed_at))
            .with("ServerTime", format_iso8601(auth.now))
            .ec("0002-00000235"));
    }
    auth.check_expiry(signed_at + std::time::Duration::from_secs(expires))?;
    verify(auth, req, &cred, datetime, UNSIGNED_PAYLOAD, Some("x-oss-signature"))?;
    Ok(Principal {
        kind: AuthKind::V4Presigned,
        account: Some(auth.account(&cred.access_key_id)?),
        access_key_id: Some(cred.access_key_id),
    })
}
