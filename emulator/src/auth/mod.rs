//! Authentication: turns a request's signature (V1 or V4, header or presigned URL) or its absence
//! into a [`Principal`], or into the exact OSS error. Authorization (ACLs, ownership, regions) is
//! [`crate::access`]'s job.

mod post;
mod v1;
mod v4;

use std::time::{Duration, SystemTime};

use oss_protocol::time::format_iso8601;

use crate::config::{Account, AuthMode};
use crate::error::{Code, OssError, Result};
use crate::journal::SignatureDetail;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    Anonymous,
    V1,
    V4,
    V1Presigned,
    V4Presigned,
    /// A PostObject form signed with V1 (`OSSAccessKeyId`, `policy`, `Signature` fields).
    V1Form,
    /// A PostObject form signed with V4 (`x-oss-signature-version`, … fields).
    V4Form,
    /// Made by the web console on an account's behalf: the admin token vouched for the caller,
    /// so there is no signature to check.
    Console,
}

impl AuthKind {
    pub fn name(self) -> &'static str {
        match self {
            AuthKind::Anonymous => "anonymous",
            AuthKind::V1 => "v1",
            AuthKind::V4 => "v4",
            AuthKind::V1Presigned => "v1-presigned",
            AuthKind::V4Presigned => "v4-presigned",
            AuthKind::V1Form => "v1-form",
            AuthKind::V4Form => "v4-form",
            AuthKind::Console => "console",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub kind: AuthKind,
    /// `None` for anonymous requests.
    pub account: Option<Account>,
    /// The access key the request named (kept for logs; never the secret or the signature).
    pub access_key_id: Option<String>,
}

impl Principal {
    pub fn account_id(&self) -> Option<&str> {
        self.account.as_ref().map(|a| a.id.as_str())
    }
}

/// What authentication looks at.
#[derive(Debug, Clone, Copy)]
pub struct AuthRequest<'a> {
    pub method: &'a str,
    pub bucket: Option<&'a str>,
    pub key: Option<&'a str>,
    pub query: &'a [(String, String)],
    /// Lowercase names, in arrival order.
    pub headers: &'a [(String, String)],
    /// The region the request addresses; a V4 scope must name it.
    pub region: &'a str,
}

impl AuthRequest<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// First value wins for repeated query parameters (fact sheet §1.2).
    fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn signable(&self) -> oss_protocol::sign::SignableRequest<'_> {
        oss_protocol::sign::SignableRequest {
            method: self.method,
            bucket: self.bucket,
            key: self.key,
            query: self.query,
            headers: self.headers,
        }
    }
}

pub struct Authenticator<'a> {
    pub accounts: &'a [Account],
    /// The regions the listeners serve: a V4 scope naming one of them is a wrong region, any other
    /// an invalid one.
    pub regions: &'a [String],
    pub mode: AuthMode,
    pub now: SystemTime,
    pub max_skew: Duration,
}

impl Authenticator<'_> {
    pub fn authenticate(&self, req: &AuthRequest<'_>) -> Result<Principal> {
        let authorization = req.header("authorization");
        let v1_presigned = ["OSSAccessKeyId", "Signature", "Expires"].iter().any(|p| req.param(p).is_some());
        let v4_presigned = req.param("x-oss-signature-version").is_some() || req.param("x-oss-signature").is_some();
        if authorization.is_some() && (v1_presigned || v4_presigned) {
            return Err(OssError::new(Code::InvalidArgument)
                .message("Only one auth mechanism allowed; only the X-OSS-Signature, the Signature query parameter or the Authorization header should be specified."));
        }
        let principal = match authorization {
            Some(value) if value.starts_with("OSS4-HMAC-SHA256") => v4::header(self, req, value)?,
            Some(value) if value.starts_with("OSS ") => v1::header(self, req, value)?,
            Some(_) => {
                return Err(OssError::new(Code::InvalidArgument)
                    .message("Authorization header is invalid.")
                    .with("ArgumentName", "Authorization"))
            }
            None if v4_presigned => v4::presigned(self, req)?,
            None if v1_presigned => v1::presigned(self, req)?,
            None if self.mode == AuthMode::Off => {
                Principal { kind: AuthKind::Anonymous, account: self.accounts.first().cloned(), access_key_id: None }
            }
            None => Principal { kind: AuthKind::Anonymous, account: None, access_key_id: None },
        };
        Ok(principal)
    }

    /// The account of an access key. Outside strict mode an unknown key acts as the first
    /// account, so storage-only users can use any credentials.
    fn account(&self, access_key_id: &str) -> Result<Account> {
        if let Some(account) = self.accounts.iter().find(|a| a.access_key_id == access_key_id) {
            return Ok(account.clone());
        }
        match (self.mode, self.accounts.first()) {
            (AuthMode::Strict, _) | (_, None) => {
                Err(OssError::new(Code::InvalidAccessKeyId).with("OSSAccessKeyId", access_key_id).ec("0002-00000902"))
            }
            (_, Some(first)) => Ok(first.clone()),
        }
    }

    fn verifies_signatures(&self) -> bool {
        self.mode == AuthMode::Strict
    }

    fn checks_expiry(&self) -> bool {
        self.mode != AuthMode::Off
    }

    fn check_skew(&self, request_time: SystemTime) -> Result<()> {
        fn skew_from_to(a: SystemTime, b: SystemTime) -> Duration {
            match a.duration_since(b) {
                Ok(ahead) => ahead,
                Err(behind) => behind.duration(),
            }
        }
        if !self.verifies_signatures() {
            return Ok(());
        }
        // Measured against the emulator's clock, so a frozen or shifted clock gives exact skew
        // errors (a client's skew correction is tested with a shift of minutes). Once that clock
        // is more than a day from the real time, a test has travelled in time (31 days, to run
        // lifecycle rules) and a request dated by the real time is in time too: SDKs keep
        // signing with it.
        const TIME_TRAVEL: Duration = Duration::from_secs(86_400);
        let wall = SystemTime::now();
        let travelled = skew_from_to(self.now, wall) > TIME_TRAVEL;
        let skew = skew_from_to(request_time, self.now);
        let skew = if travelled { skew.min(skew_from_to(request_time, wall)) } else { skew };
        if skew > self.max_skew {
            return Err(OssError::new(Code::RequestTimeTooSkewed)
                .with("RequestTime", format_iso8601(request_time))
                .with("ServerTime", format_iso8601(self.now))
                .with("MaxAllowedSkewMilliseconds", self.max_skew.as_millis().to_string())
                .ec("0002-00000504"));
        }
        Ok(())
    }

    fn check_expiry(&self, expires_at: SystemTime) -> Result<()> {
        if self.checks_expiry() && self.now > expires_at {
            return Err(OssError::access_denied("Request has expired.")
                .with("Expires", format_iso8601(expires_at))
                .with("ServerTime", format_iso8601(self.now))
                .ec("0002-00000069"));
        }
        Ok(())
    }
}

fn invalid_date(ec: &'static str) -> OssError {
    OssError::access_denied("OSS authentication requires a valid Date.").ec(ec)
}

fn signature_mismatch(ec: &'static str, access_key_id: &str, provided: &str, string_to_sign: &str) -> OssError {
    OssError::new(Code::SignatureDoesNotMatch)
        .with("OSSAccessKeyId", access_key_id)
        .with("SignatureProvided", provided)
        .with("StringToSign", string_to_sign)
        // Uppercase hex, as OSS writes it (`50 55 54 0A …`).
        .with("StringToSignBytes", oss_protocol::sign::string_to_sign_bytes(string_to_sign).to_ascii_uppercase())
        .ec(ec)
}

/// For a SignatureDoesNotMatch, what the emulator signed, for the journal: the web console shows
/// it beside the request so a developer can diff it against the client's debug log. Read from
/// the error's own elements (the ones OSS returns), so it is exactly what the verifier computed.
pub fn signature_detail(err: &OssError) -> Option<SignatureDetail> {
    if err.code != Code::SignatureDoesNotMatch {
        return None;
    }
    let element = |name: &str| err.extra.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
    let string_to_sign = element("StringToSign")?;
    let canonical_request = element("CanonicalRequest");
    let signed_headers = match &canonical_request {
        Some(canonical) => v4_signed_headers(canonical),
        None => v1_signed_headers(&string_to_sign),
    };
    let version = if canonical_request.is_some() { "v4" } else { "v1" };
    Some(SignatureDetail { version: version.to_owned(), canonical_request, string_to_sign, signed_headers })
}

/// The access key a refused request named, when the error says (a signature mismatch, an
/// unknown key), so the journal can show whose request it was.
pub fn named_access_key(err: &OssError) -> Option<String> {
    err.extra.iter().find(|(n, _)| *n == "OSSAccessKeyId").map(|(_, v)| v.clone())
}

/// A V4 canonical request is method, URI, query, one `name:value` line per signed header, an
/// empty line, the additional-header list and the payload hash: the header lines are the names.
fn v4_signed_headers(canonical: &str) -> Vec<String> {
    canonical
        .split('\n')
        .skip(3)
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_once(':').map(|(name, _)| name.to_owned()))
        .collect()
}

/// A V1 string-to-sign is method, Content-MD5, Content-Type, date, then one `x-oss-*:value`
/// line per signed header, then the resource.
fn v1_signed_headers(sts: &str) -> Vec<String> {
    let lines: Vec<&str> = sts.split('\n').collect();
    let mut names = vec!["content-md5".to_owned(), "content-type".to_owned(), "date".to_owned()];
    let oss_lines = lines.get(4..lines.len().saturating_sub(1)).unwrap_or_default();
    names.extend(oss_lines.iter().filter_map(|line| line.split_once(':').map(|(name, _)| name.to_owned())));
    names
}

#[cfg(test)]
mod tests;
