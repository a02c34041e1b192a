//! A bucket's CORS rules (fact sheet §7): what PutBucketCors may say, which rule a request
//! matches, and the `Access-Control-*` headers a match earns. The preflight operation itself is
//! in `ops::cors`; the headers on actual requests are attached by the server once the response
//! exists, error responses included.

use http::{HeaderValue, Method, Response};
use oss_protocol::xml::{CorsConfiguration, CorsRule};
use serde::{Deserialize, Serialize};

use crate::body::Body;
use crate::configs::parse_bool;
use crate::error::{Code, OssError, Result};

/// At most this many rules per bucket.
const MAX_RULES: usize = 10;
const METHODS: &[&str] = &["GET", "PUT", "DELETE", "POST", "HEAD"];

/// Validated rules, in the order given: the first that matches decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cors {
    pub rules: Vec<Rule>,
    /// Whether every response of the bucket says `Vary: Origin`.
    #[serde(default)]
    pub response_vary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub origins: Vec<String>,
    pub methods: Vec<String>,
    /// Lowercased on the way in, as OSS stores them (GetBucketCors answers them so).
    #[serde(default)]
    pub headers: Vec<String>,
    #[serde(default)]
    pub expose: Vec<String>,
    #[serde(default)]
    pub max_age: Option<u64>,
}

fn invalid(message: &'static str) -> OssError {
    OssError::new(Code::InvalidArgument).message(message)
}

impl Cors {
    pub fn parse(doc: &CorsConfiguration) -> Result<Cors> {
        if doc.rules.is_empty() {
            return Err(OssError::malformed_xml("The CORSConfiguration has no CORSRule."));
        }
        if doc.rules.len() > MAX_RULES {
            return Err(OssError::new(Code::CORSRuleBeyondLimit));
        }
        let rules = doc.rules.iter().map(Rule::parse).collect::<Result<_>>()?;
        let response_vary = doc.response_vary.as_deref().map(|v| parse_bool(v, "ResponseVary")).transpose()?;
        Ok(Cors { rules, response_vary: response_vary.unwrap_or(false) })
    }

    pub fn to_xml(&self) -> CorsConfiguration {
        CorsConfiguration {
            rules: self.rules.iter().map(Rule::to_xml).collect(),
            response_vary: Some(self.response_vary.to_string()),
        }
    }

    /// The first rule that allows `origin` to send `method` with every one of `headers`.
    pub fn find(&self, origin: &str, method: &str, headers: &[&str]) -> Option<&Rule> {
        self.rules.iter().find(|rule| {
            rule.origins.iter().any(|o| wildcard(o, origin))
                && rule.methods.iter().any(|m| m == method)
                && headers.iter().all(|h| rule.headers.iter().any(|a| wildcard(a, &h.to_ascii_lowercase())))
        })
    }
}

impl Rule {
    fn parse(raw: &CorsRule) -> Result<Rule> {
        if raw.allowed_origins.is_empty() || raw.allowed_methods.is_empty() {
            return Err(OssError::malformed_xml("A CORSRule needs at least one AllowedOrigin and one AllowedMethod."));
        }
        // [UNCONFIRMED] the codes for these two: OSS documents the limits, not the error.
        if raw.allowed_origins.iter().chain(&raw.allowed_headers).any(|v| v.matches('*').count() > 1) {
            return Err(invalid("An AllowedOrigin or AllowedHeader may contain at most one wildcard '*'."));
        }
        if raw.expose_headers.iter().any(|h| h.contains('*')) {
            return Err(invalid("An ExposeHeader may not contain the wildcard '*'."));
        }
        let methods = raw.allowed_methods.iter().map(|m| m.trim().to_owned()).collect::<Vec<_>>();
        if let Some(bad) = methods.iter().find(|m| !METHODS.contains(&m.as_str())) {
            return Err(OssError::malformed_xml(format!("Unsupported AllowedMethod {bad:?}.")));
        }
        let max_age = raw
            .max_age_seconds
            .as_deref()
            .map(|v| {
                v.trim().parse::<u64>().map_err(|_| {
                    OssError::invalid_argument("MaxAgeSeconds must be a non-negative integer.", "MaxAgeSeconds", v)
                })
            })
            .transpose()?;
        Ok(Rule {
            origins: raw.allowed_origins.iter().map(|o| o.trim().to_owned()).collect(),
            methods,
            headers: raw.allowed_headers.iter().map(|h| h.trim().to_ascii_lowercase()).collect(),
            expose: raw.expose_headers.iter().map(|h| h.trim().to_owned()).collect(),
            max_age,
        })
    }

    fn to_xml(&self) -> CorsRule {
        CorsRule {
            allowed_origins: self.origins.clone(),
            allowed_methods: self.methods.clone(),
            allowed_headers: self.headers.clone(),
            expose_headers: self.expose.clone(),
            max_age_seconds: self.max_age.map(|n| n.to_string()),
        }
    }

    /// The headers a request from `origin` earns: the request's Origin echoed, every method of
    /// the rule, the headers a preflight asked for, what the rule exposes and its max age.
    pub fn grant(&self, origin: &str, requested_headers: Option<&str>) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("access-control-allow-origin", origin.to_owned()),
            ("access-control-allow-methods", self.methods.join(", ")),
        ];
        if let Some(requested) = requested_headers.filter(|h| !h.trim().is_empty()) {
            out.push(("access-control-allow-headers", requested.trim().to_owned()));
        }
        if !self.expose.is_empty() {
            out.push(("access-control-expose-headers", self.expose.join(",")));
        }
        if let Some(age) = self.max_age {
            out.push(("access-control-max-age", age.to_string()));
        }
        // [UNCONFIRMED] on live OSS; the Python v2 SDK's fixtures carry it, and a browser sending
        // credentials needs it.
        out.push(("access-control-allow-credentials", "true".to_owned()));
        out
    }
}

/// `pattern` with at most one `*` (any run of characters) against `value`.
fn wildcard(pattern: &str, value: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == value,
        Some((head, tail)) => {
            value.len() >= head.len() + tail.len() && value.starts_with(head) && value.ends_with(tail)
        }
    }
}

/// The comma-separated `Access-Control-Request-Headers` list.
pub fn header_list(raw: &str) -> Vec<&str> {
    raw.split(',').map(str::trim).filter(|h| !h.is_empty()).collect()
}

/// CORS headers for an actual (non-preflight) request of a bucket with rules: a match adds the
/// rule's headers; no match adds none, and is never an error (the browser decides what to do).
/// `Vary: Origin` goes on every response when the rules ask for it.
pub fn decorate(cors: &Cors, method: &Method, origin: Option<&str>, resp: &mut Response<Body>) {
    if cors.response_vary {
        resp.headers_mut().append(http::header::VARY, HeaderValue::from_static("Origin"));
    }
    let Some(origin) = origin else { return };
    let Some(rule) = cors.find(origin, method.as_str(), &[]) else { return };
    for (name, value) in rule.grant(origin, None) {
        crate::respond::set_header(resp, name, &value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(origins: &[&str], methods: &[&str], headers: &[&str]) -> CorsRule {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
        CorsRule {
            allowed_origins: v(origins),
            allowed_methods: v(methods),
            allowed_headers: v(headers),
            ..CorsRule::default()
        }
    }

    #[test]
    fn wildcards_match_one_run_of_characters() {
        assert!(wildcard("*", "http://a.example"));
        assert!(wildcard("https://*.aliyun.com", "https://www.aliyun.com"));
        assert!(!wildcard("https://*.aliyun.com", "http://www.aliyun.com"));
        assert!(!wildcard("https://*.aliyun.com", "https://aliyun.com"));
        assert!(wildcard("x-oss-*", "x-oss-meta-a"));
        assert!(!wildcard("http://a", "http://ab"));
    }

    #[test]
    fn the_first_matching_rule_wins_and_headers_must_all_be_allowed() {
        let doc = CorsConfiguration {
            rules: vec![
                rule(&["http://a.example"], &["PUT"], &["x-oss-meta-*"]),
                rule(&["*"], &["PUT", "GET"], &["*"]),
            ],
            response_vary: None,
        };
        let cors = Cors::parse(&doc).unwrap();
        let first = cors.find("http://a.example", "PUT", &["X-OSS-META-A"]).unwrap();
        assert_eq!(first.origins, ["http://a.example"]);
        let second = cors.find("http://a.example", "PUT", &["x-oss-meta-a", "content-type"]).unwrap();
        assert_eq!(second.origins, ["*"]);
        assert!(cors.find("http://a.example", "DELETE", &[]).is_none());
    }

    #[test]
    fn bad_rules_are_refused() {
        let many = CorsConfiguration { rules: vec![rule(&["*"], &["GET"], &[]); 11], response_vary: None };
        assert_eq!(Cors::parse(&many).unwrap_err().code, Code::CORSRuleBeyondLimit);
        let method = CorsConfiguration { rules: vec![rule(&["*"], &["PATCH"], &[])], response_vary: None };
        assert_eq!(Cors::parse(&method).unwrap_err().code, Code::MalformedXML);
        let stars = CorsConfiguration { rules: vec![rule(&["http://*.*"], &["GET"], &[])], response_vary: None };
        assert_eq!(Cors::parse(&stars).unwrap_err().code, Code::InvalidArgument);
    }

    #[test]
    fn allowed_headers_are_stored_lowercased() {
        let doc = CorsConfiguration { rules: vec![rule(&["*"], &["GET"], &["Authorization"])], response_vary: None };
        assert_eq!(Cors::parse(&doc).unwrap().to_xml().rules[0].allowed_headers, ["authorization"]);
    }
}
