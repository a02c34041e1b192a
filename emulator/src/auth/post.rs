//! PostObject's credentials, which travel as form fields (fact sheet §8.3): V1 signs the policy's
//! base64 text with HMAC-SHA1, V4 with the header V4 signing key; no field at all is an anonymous
//! upload. The `Authorization` header and URL signatures of a form POST are ignored.

use std::time::Duration;

use oss_protocol::sign::{constant_time_eq, parse_v4_credential, v1_signature, v4_signature};
use oss_protocol::time::{format_iso8601, parse_v4_datetime};

use super::v4::{check_scope, invalid, MAX_PRESIGN_SECS};
use super::{invalid_date, signature_mismatch, AuthKind, Authenticator, Principal};
use crate::config::AuthMode;
use crate::error::{Code, OssError, Result};
use crate::form::{field, Field};

/// A required field that is missing (0002-00000703) or empty (0002-00000704).
fn required<'a>(fields: &'a [Field], name: &str, message: &'static str) -> Result<&'a str> {
    match field(fields, name).map(str::trim) {
        None => Err(OssError::new(Code::InvalidArgument).message(message).ec("0002-00000703")),
        Some("") => Err(OssError::new(Code::InvalidArgument).message(message).ec("0002-00000704")),
        Some(v) => Ok(v),
    }
}

impl Authenticator<'_> {
    /// Who signed the form, from its fields before the file; `region` is the one the request
    /// addresses.
    pub fn authenticate_form(&self, fields: &[Field], region: &str) -> Result<Principal> {
        if let Some(version) = field(fields, "x-oss-signature-version") {
            return self.form_v4(fields, version.trim(), region);
        }
        if ["OSSAccessKeyId", "policy", "Signature"].iter().any(|n| field(fields, n).is_some()) {
            return self.form_v1(fields);
        }
        let account = if self.mode == AuthMode::Off { self.accounts.first().cloned() } else { None };
        Ok(Principal { kind: AuthKind::Anonymous, account, access_key_id: None })
    }

    /// `Signature = base64(HMAC-SHA1(secret, policy))`, the policy as sent (its base64 text).
    fn form_v1(&self, fields: &[Field]) -> Result<Principal> {
        let access_key_id = required(fields, "OSSAccessKeyId", "Post request accessKeyId is empty.")?;
        // [UNCONFIRMED] the message for a missing policy: OSS documents the other two only.
        let policy = required(fields, "policy", "Post request policy is empty.")?;
        let signature = required(fields, "Signature", "Post request signature is empty.")?;
        let account = self.account(access_key_id)?;
        if self.verifies_signatures() && !constant_time_eq(&v1_signature(&account.access_key_secret, policy), signature)
        {
            return Err(signature_mismatch("0002-00000040", access_key_id, signature, policy));
        }
        Ok(Principal { kind: AuthKind::V1Form, access_key_id: Some(access_key_id.to_owned()), account: Some(account) })
    }

    /// `x-oss-signature = hex(HMAC-SHA256(signing key of the credential's scope, policy))`.
    fn form_v4(&self, fields: &[Field], version: &str, region: &str) -> Result<Principal> {
        if version != "OSS4-HMAC-SHA256" {
            return Err(OssError::new(Code::InvalidArgument)
                .message("Invalid signature version.")
                .with("ArgumentName", "x-oss-signature-version")
                .with("ArgumentValue", version)
                .ec("0002-00000701"));
        }
        let credential = required(fields, "x-oss-credential", "Post request credential is empty.")?;
        let mut cred = parse_v4_credential(credential)
            .ok_or_else(|| invalid("Invalid x-oss-credential in the post form.", "0002-00000710"))?;
        let datetime = required(fields, "x-oss-date", "Post request x-oss-date is empty.")?;
        let policy = required(fields, "policy", "Post request policy is empty.")?;
        cred.signature = required(fields, "x-oss-signature", "Post request signature is empty.")?.to_owned();
        let signed_at = parse_v4_datetime(datetime).ok_or_else(|| invalid_date("0002-00000502"))?;
        check_scope(self, region, &cred)?;
        let account = self.account(&cred.access_key_id)?;
        // [UNCONFIRMED] the exact arithmetic: the docs allow 15 minutes of clock difference on
        // `x-oss-date` and refuse a form more than 7 days after it; these are the presigned URL
        // rules, which say the same.
        if self.checks_expiry() {
            if signed_at > self.now + self.max_skew {
                return Err(OssError::access_denied("Request is not valid yet.")
                    .with("RequestTime", format_iso8601(signed_at))
                    .with("ServerTime", format_iso8601(self.now))
                    .ec("0002-00000235"));
            }
            self.check_expiry(signed_at + Duration::from_secs(MAX_PRESIGN_SECS))?;
        }
        if self.verifies_signatures() {
            let expected = v4_signature(&account.access_key_secret, &cred.date, &cred.region, &cred.product, policy);
            // A signature over another day than `x-oss-date`'s cannot be the client's honest
            // one, as for signed headers.
            if !datetime.starts_with(&cred.date) || !constant_time_eq(&expected, &cred.signature.to_ascii_lowercase()) {
                return Err(signature_mismatch("0002-00000201", &cred.access_key_id, &cred.signature, policy));
            }
        }
        Ok(Principal { kind: AuthKind::V4Form, access_key_id: Some(cred.access_key_id), account: Some(account) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Account;
    use oss_protocol::time::from_unix_seconds;

    const NOW: i64 = 1_900_000_000;

    fn authenticator<'a>(accounts: &'a [Account], regions: &'a [String]) -> Authenticator<'a> {
        Authenticator {
            accounts,
            regions,
            mode: AuthMode::Strict,
            now: from_unix_seconds(NOW),
            max_skew: Duration::from_secs(900),
        }
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<Field> {
        pairs.iter().map(|(n, v)| Field { name: (*n).into(), value: (*v).into() }).collect()
    }

    fn check(pairs: &[(&str, &str)]) -> Result<Principal> {
        let accounts = [Account::new("ak", "sk")];
        let regions = ["cn-hangzhou".to_owned()];
        authenticator(&accounts, &regions).authenticate_form(&fields(pairs), "cn-hangzhou")
    }

    fn ec(r: Result<Principal>) -> (Code, Option<&'static str>) {
        let e = r.unwrap_err();
        (e.code, e.ec)
    }

    #[test]
    fn v1_fields() {
        let signature = v1_signature("sk", "cG9saWN5");
        let ok = check(&[("OSSAccessKeyId", "ak"), ("Policy", "cG9saWN5"), ("signature", &signature)]).unwrap();
        assert_eq!((ok.kind, ok.access_key_id.as_deref()), (AuthKind::V1Form, Some("ak")));
        let wrong = check(&[("OSSAccessKeyId", "ak"), ("policy", "cG9saWN5"), ("Signature", "AAAA")]);
        assert_eq!(ec(wrong), (Code::SignatureDoesNotMatch, Some("0002-00000040")));
        assert_eq!(ec(check(&[("policy", "p"), ("Signature", "s")])), (Code::InvalidArgument, Some("0002-00000703")));
        let empty = check(&[("OSSAccessKeyId", "ak"), ("policy", "p"), ("Signature", "")]);
        assert_eq!(ec(empty), (Code::InvalidArgument, Some("0002-00000704")));
        let unknown = check(&[("OSSAccessKeyId", "nobody"), ("policy", "p"), ("Signature", "s")]);
        assert_eq!(ec(unknown).0, Code::InvalidAccessKeyId);
        assert_eq!(check(&[("key", "k")]).unwrap().kind, AuthKind::Anonymous);
    }

    #[test]
    fn v4_fields() {
        let datetime = oss_protocol::time::format_v4_datetime(from_unix_seconds(NOW));
        let date = &datetime[..8];
        let credential = format!("ak/{date}/cn-hangzhou/oss/aliyun_v4_request");
        let signature = v4_signature("sk", date, "cn-hangzhou", "oss", "cG9saWN5");
        let form = |version: &str, credential: &str, datetime: &str, signature: &str| {
            check(&[
                ("x-oss-signature-version", version),
                ("x-oss-credential", credential),
                ("x-oss-date", datetime),
                ("policy", "cG9saWN5"),
                ("x-oss-signature", signature),
            ])
        };
        let ok = form("OSS4-HMAC-SHA256", &credential, &datetime, &signature).unwrap();
        assert_eq!(ok.kind, AuthKind::V4Form);
        assert_eq!(ec(form("OSS4-HMAC-SHA1", &credential, &datetime, &signature)).1, Some("0002-00000701"));
        assert_eq!(ec(form("OSS4-HMAC-SHA256", "ak/x", &datetime, &signature)).1, Some("0002-00000710"));
        assert_eq!(ec(form("OSS4-HMAC-SHA256", &credential, &datetime, "")).1, Some("0002-00000704"));
        assert_eq!(ec(form("OSS4-HMAC-SHA256", &credential, &datetime, "00")).0, Code::SignatureDoesNotMatch);
        let other_region = format!("ak/{date}/cn-shanghai/oss/aliyun_v4_request");
        assert_eq!(ec(form("OSS4-HMAC-SHA256", &other_region, &datetime, &signature)).0, Code::InvalidArgument);
        // Eight days after x-oss-date: too old, whatever the policy says.
        let old = oss_protocol::time::format_v4_datetime(from_unix_seconds(NOW - 8 * 86_400));
        let old_credential = format!("ak/{}/cn-hangzhou/oss/aliyun_v4_request", &old[..8]);
        let old_signature = v4_signature("sk", &old[..8], "cn-hangzhou", "oss", "cG9saWN5");
        assert_eq!(ec(form("OSS4-HMAC-SHA256", &old_credential, &old, &old_signature)).0, Code::AccessDenied);
    }
}
