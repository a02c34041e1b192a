//! Bucket policies (fact sheet §10): the RAM policy grammar, validated when put, and evaluated
//! against a request's action, resource and context. The document is kept byte-for-byte as put,
//! since GetBucketPolicy answers exactly what was stored; the parsed form lives beside it and is
//! rebuilt whenever a bucket's metadata is read back.

use std::net::IpAddr;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Code, OssError, Result};

/// A stored policy: its text and what it says.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BucketPolicy {
    text: String,
    statements: Vec<Statement>,
}

impl PartialEq for BucketPolicy {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for BucketPolicy {}

impl TryFrom<String> for BucketPolicy {
    type Error = OssError;

    fn try_from(text: String) -> Result<BucketPolicy> {
        BucketPolicy::parse(text)
    }
}

impl From<BucketPolicy> for String {
    fn from(policy: BucketPolicy) -> String {
        policy.text
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone)]
struct Statement {
    effect: Effect,
    actions: Vec<String>,
    /// `None`: the statement names no principal, which OSS accepts; it is read as `*`
    /// ([UNCONFIRMED]: a bucket policy has no attached identity to fall back on, so everyone is
    /// the only plausible reading).
    principals: Option<Vec<String>>,
    resources: Vec<String>,
    conditions: Vec<Condition>,
}

#[derive(Debug, Clone)]
struct Condition {
    operator: Operator,
    key: String,
    values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    Numeric(Ordering, bool),
    Date(Ordering, bool),
    Bool,
    IpAddress,
    NotIpAddress,
}

/// A comparison; the flag beside it in [`Operator`] says whether it is negated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ordering {
    Equals,
    LessThan,
    LessThanEquals,
    GreaterThan,
    GreaterThanEquals,
}

impl Operator {
    fn parse(name: &str) -> Option<Operator> {
        use Ordering as O;
        let compare = |rest: &str| -> Option<(O, bool)> {
            Some(match rest {
                "Equals" => (O::Equals, false),
                "NotEquals" => (O::Equals, true),
                "LessThan" => (O::LessThan, false),
                "LessThanEquals" => (O::LessThanEquals, false),
                "GreaterThan" => (O::GreaterThan, false),
                "GreaterThanEquals" => (O::GreaterThanEquals, false),
                _ => return None,
            })
        };
        Some(match name {
            "StringEquals" => Operator::StringEquals,
            "StringNotEquals" => Operator::StringNotEquals,
            "StringEqualsIgnoreCase" => Operator::StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => Operator::StringNotEqualsIgnoreCase,
            "StringLike" => Operator::StringLike,
            "StringNotLike" => Operator::StringNotLike,
            "Bool" => Operator::Bool,
            "IpAddress" => Operator::IpAddress,
            "NotIpAddress" => Operator::NotIpAddress,
            other => {
                if let Some(rest) = other.strip_prefix("Numeric") {
                    let (o, not) = compare(rest)?;
                    Operator::Numeric(o, not)
                } else {
                    let (o, not) = compare(other.strip_prefix("Date")?)?;
                    Operator::Date(o, not)
                }
            }
        })
    }

    /// A negated operator holds when the request has no value for its key (as in RAM: "not
    /// equal to anything listed" is true of nothing).
    fn negated(self) -> bool {
        matches!(
            self,
            Operator::StringNotEquals
                | Operator::StringNotEqualsIgnoreCase
                | Operator::StringNotLike
                | Operator::NotIpAddress
                | Operator::Numeric(_, true)
                | Operator::Date(_, true)
        )
    }
}

/// What a request looks like to a policy.
pub struct PolicyRequest<'a> {
    /// The caller's account id; `None` for an anonymous request.
    pub account: Option<&'a str>,
    pub is_owner: bool,
    /// `oss:GetObject`, or its `…Version` form for a call on a given version.
    pub action: &'a str,
    /// `acs:oss:<region>:<owner uid>:<bucket>[/<key>]`.
    pub resource: &'a str,
    pub context: &'a RequestContext<'a>,
}

/// The condition keys a request carries.
pub struct RequestContext<'a> {
    pub source_ip: Option<IpAddr>,
    pub secure: bool,
    pub now: SystemTime,
    pub user_agent: Option<&'a str>,
    pub referer: Option<&'a str>,
    pub query: &'a [(String, String)],
    pub headers: &'a http::HeaderMap,
}

impl RequestContext<'_> {
    fn values(&self, key: &str) -> Vec<String> {
        let param = |name: &str| self.query.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect();
        let header = |name: &str| {
            self.headers.get(name).and_then(|v| v.to_str().ok()).map(|v| vec![v.to_owned()]).unwrap_or_default()
        };
        match key.to_ascii_lowercase().as_str() {
            "acs:sourceip" => self.source_ip.map(|ip| vec![ip.to_string()]).unwrap_or_default(),
            "acs:securetransport" => vec![self.secure.to_string()],
            "acs:currenttime" => vec![oss_protocol::time::format_iso8601(self.now)],
            "acs:useragent" => self.user_agent.map(|u| vec![u.to_owned()]).unwrap_or_default(),
            "acs:referer" => self.referer.map(|r| vec![r.to_owned()]).unwrap_or_default(),
            "oss:prefix" => param("prefix"),
            "oss:delimiter" => param("delimiter"),
            "oss:x-oss-object-acl" => header("x-oss-object-acl"),
            "oss:x-oss-storage-class" => header("x-oss-storage-class"),
            // acs:SourceVpc and the rest: an emulator request never comes from a VPC.
            _ => Vec::new(),
        }
    }
}

/// What the policy says of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A statement that applies denies it: nothing else can allow it.
    Deny,
    Allow {
        /// The allowing statement grants everyone (a public grant, which a public access block
        /// voids).
        public: bool,
    },
    /// No statement applies.
    Silent,
}

fn invalid(message: impl Into<String>) -> OssError {
    OssError::new(Code::InvalidPolicyDocument).message(message.into())
}

/// A JSON string or array of strings, as the grammar allows for Action, Principal, Resource and
/// condition values (numbers and booleans are written as their text).
fn strings(value: &Value, what: &str) -> Result<Vec<String>> {
    let one = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(invalid(format!("{what} must be a string or a list of strings."))),
    };
    match value {
        Value::Array(items) if !items.is_empty() => items.iter().map(one).collect(),
        Value::Array(_) => Err(invalid(format!("{what} must not be empty."))),
        v => Ok(vec![one(v)?]),
    }
}

/// A statement's field, whatever the case of its name (RAM accepts `effect` as `Effect`).
fn field<'v>(object: &'v serde_json::Map<String, Value>, name: &str) -> Option<&'v Value> {
    object.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

impl BucketPolicy {
    pub fn parse(text: String) -> Result<BucketPolicy> {
        let doc: Value = serde_json::from_str(&text).map_err(|e| invalid(format!("The policy is not JSON: {e}.")))?;
        let Value::Object(doc) = doc else { return Err(invalid("The policy must be a JSON object.")) };
        match field(&doc, "Version") {
            Some(Value::String(v)) if v == "1" => {}
            Some(Value::String(_)) => return Err(invalid("Version of the policy must be \"1\".").ec("0030-00000002")),
            _ => return Err(invalid("policy is invalid").ec("0030-00000005")),
        }
        let statements = match field(&doc, "Statement") {
            Some(Value::Array(list)) if !list.is_empty() => list,
            _ => return Err(invalid("The policy must have a non-empty Statement list.")),
        };
        let statements = statements.iter().map(Statement::parse).collect::<Result<Vec<_>>>()?;
        Ok(BucketPolicy { text, statements })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether some statement allows everyone without a condition (GetBucketPolicyStatus).
    pub fn is_public(&self) -> bool {
        self.statements.iter().any(|s| s.effect == Effect::Allow && s.names_everyone() && s.conditions.is_empty())
    }

    /// Explicit deny first: any applicable Deny wins over every Allow.
    pub fn evaluate(&self, request: &PolicyRequest<'_>) -> Verdict {
        let mut verdict = Verdict::Silent;
        for statement in self.statements.iter().filter(|s| s.applies(request)) {
            match statement.effect {
                Effect::Deny => return Verdict::Deny,
                Effect::Allow => {
                    // Public as GetBucketPolicyStatus judges it: everyone, unconditioned. A grant
                    // to everyone that a condition narrows (a source address, a referer, secure
                    // transport) is not public, and a public access block leaves it standing.
                    let public = statement.names_everyone() && statement.conditions.is_empty();
                    verdict = match verdict {
                        // A grant to this caller by name outweighs a public one.
                        Verdict::Allow { public: false } => verdict,
                        _ => Verdict::Allow { public },
                    };
                }
            }
        }
        verdict
    }
}

impl Statement {
    fn parse(value: &Value) -> Result<Statement> {
        let Value::Object(s) = value else { return Err(invalid("Every statement must be a JSON object.")) };
        let effect = match field(s, "Effect").and_then(Value::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            _ => return Err(invalid("Effect must be Allow or Deny.")),
        };
        let actions = strings(field(s, "Action").ok_or_else(|| invalid("A statement needs an Action."))?, "Action")?;
        if let Some(bad) = actions.iter().find(|a| !(a.as_str() == "*" || a.to_ascii_lowercase().starts_with("oss:"))) {
            return Err(invalid(format!("Action {bad:?} is not an OSS action.")));
        }
        let resources =
            strings(field(s, "Resource").ok_or_else(|| invalid("A statement needs a Resource."))?, "Resource")?;
        if let Some(bad) = resources.iter().find(|r| !(r.as_str() == "*" || r.starts_with("acs:oss:"))) {
            return Err(invalid(format!("Resource {bad:?} is not an OSS resource.")));
        }
        let principals = field(s, "Principal").map(|p| strings(p, "Principal")).transpose()?;
        let mut conditions = Vec::new();
        if let Some(block) = field(s, "Condition") {
            let Value::Object(block) = block else { return Err(invalid("Condition must be a JSON object.")) };
            for (op, keys) in block {
                let operator =
                    Operator::parse(op).ok_or_else(|| invalid(format!("Unknown condition operator {op:?}.")))?;
                let Value::Object(keys) = keys else {
                    return Err(invalid(format!("Condition {op} must map keys to values.")));
                };
                for (key, values) in keys {
                    let values = strings(values, key)?;
                    validate_condition(operator, key, &values)?;
                    conditions.push(Condition { operator, key: key.clone(), values });
                }
            }
        }
        Ok(Statement { effect, actions, principals, resources, conditions })
    }

    fn names_everyone(&self) -> bool {
        self.principals.as_ref().is_none_or(|p| p.iter().any(|p| p == "*"))
    }

    fn applies(&self, request: &PolicyRequest<'_>) -> bool {
        let principal = match &self.principals {
            // A statement for everyone, unconditioned, leaves the owner alone; with a condition
            // it binds the owner too (fact sheet §10.2).
            _ if self.names_everyone() => !(request.is_owner && self.conditions.is_empty()),
            Some(names) => request.account.is_some_and(|id| names.iter().any(|n| n == id)),
            None => true,
        };
        principal
            && self.actions.iter().any(|a| glob(&a.to_ascii_lowercase(), &request.action.to_ascii_lowercase()))
            && self.resources.iter().any(|r| glob(r, request.resource))
            && self.conditions.iter().all(|c| c.holds(request.context))
    }
}

fn validate_condition(operator: Operator, key: &str, values: &[String]) -> Result<()> {
    let bad = |what: &str| invalid(format!("Condition {key}: {what}."));
    match operator {
        Operator::IpAddress | Operator::NotIpAddress => {
            if let Some(v) = values.iter().find(|v| parse_cidr(v).is_none()) {
                return Err(bad(&format!("{v:?} is not an IP address or CIDR block")));
            }
        }
        Operator::Bool if values.iter().any(|v| !matches!(v.to_ascii_lowercase().as_str(), "true" | "false")) => {
            return Err(bad("Bool takes true or false"));
        }
        Operator::Numeric(..) if values.iter().any(|v| v.parse::<f64>().is_err()) => {
            return Err(bad("a Numeric condition takes numbers"));
        }
        Operator::Date(..) if values.iter().any(|v| oss_protocol::time::parse_iso8601(v).is_none()) => {
            return Err(bad("a Date condition takes ISO 8601 times"));
        }
        _ => {}
    }
    Ok(())
}

impl Condition {
    fn holds(&self, context: &RequestContext<'_>) -> bool {
        let actual = context.values(&self.key);
        if actual.is_empty() {
            return self.operator.negated();
        }
        let any = |f: &dyn Fn(&str, &str) -> bool| actual.iter().any(|a| self.values.iter().any(|v| f(a, v)));
        match self.operator {
            Operator::StringEquals => any(&|a, v| a == v),
            Operator::StringNotEquals => !any(&|a, v| a == v),
            Operator::StringEqualsIgnoreCase => any(&|a, v| a.eq_ignore_ascii_case(v)),
            Operator::StringNotEqualsIgnoreCase => !any(&|a, v| a.eq_ignore_ascii_case(v)),
            Operator::StringLike => any(&|a, v| glob(v, a)),
            Operator::StringNotLike => !any(&|a, v| glob(v, a)),
            Operator::Bool => any(&|a, v| a.eq_ignore_ascii_case(v)),
            Operator::IpAddress => any(&ip_in),
            Operator::NotIpAddress => !any(&ip_in),
            Operator::Numeric(order, not) => {
                not != any(&|a, v| matches!((a.parse::<f64>(), v.parse::<f64>()), (Ok(a), Ok(v)) if order.holds(a, v)))
            }
            Operator::Date(order, not) => {
                let time = |s: &str| oss_protocol::time::parse_iso8601(s);
                not != any(&|a, v| matches!((time(a), time(v)), (Some(a), Some(v)) if order.holds(a, v)))
            }
        }
    }
}

impl Ordering {
    fn holds<T: PartialOrd>(self, actual: T, expected: T) -> bool {
        match self {
            Ordering::Equals => actual == expected,
            Ordering::LessThan => actual < expected,
            Ordering::LessThanEquals => actual <= expected,
            Ordering::GreaterThan => actual > expected,
            Ordering::GreaterThanEquals => actual >= expected,
        }
    }
}

fn parse_cidr(raw: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = match raw.trim().split_once('/') {
        Some((addr, bits)) => (addr.parse::<IpAddr>().ok()?, bits.parse::<u8>().ok()?),
        None => {
            let addr = raw.trim().parse::<IpAddr>().ok()?;
            (addr, if addr.is_ipv4() { 32 } else { 128 })
        }
    };
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((addr, bits))
}

fn ip_in(actual: &str, block: &str) -> bool {
    let (Ok(ip), Some((net, bits))) = (actual.parse::<IpAddr>(), parse_cidr(block)) else { return false };
    let (ip, net, width) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
        // A v4 client seen through a v6 socket.
        (IpAddr::V6(a), IpAddr::V4(b)) => match a.to_ipv4_mapped() {
            Some(a) => (u128::from(u32::from(a)), u128::from(u32::from(b)), 32),
            None => return false,
        },
        (IpAddr::V4(_), IpAddr::V6(_)) => return false,
    };
    let shift = width - u32::from(bits);
    shift >= width || (ip >> shift) == (net >> shift)
}

/// `*` matches any run of characters (`/` included), `?` any one character.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(statements: &str) -> BucketPolicy {
        BucketPolicy::parse(format!(r#"{{"Version":"1","Statement":[{statements}]}}"#)).unwrap()
    }

    fn context<'a>(headers: &'a http::HeaderMap, query: &'a [(String, String)], ip: &str) -> RequestContext<'a> {
        RequestContext {
            source_ip: ip.parse().ok(),
            secure: false,
            now: SystemTime::UNIX_EPOCH,
            user_agent: Some("test-agent/1"),
            referer: None,
            query,
            headers,
        }
    }

    fn judge(p: &BucketPolicy, account: Option<&str>, is_owner: bool, action: &str, resource: &str) -> Verdict {
        let headers = http::HeaderMap::new();
        let query = [("prefix".to_owned(), "logs/".to_owned())];
        let context = context(&headers, &query, "10.1.2.3");
        p.evaluate(&PolicyRequest { account, is_owner, action, resource, context: &context })
    }

    #[test]
    fn globs_match_across_slashes_and_single_characters() {
        assert!(glob("acs:oss:*:*:b/*", "acs:oss:cn-hangzhou:1:b/a/b/c"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*", ""));
        assert!(!glob("acs:oss:*:*:b", "acs:oss:r:1:b/k"));
        assert!(glob("*x*y", "axxbxy"));
    }

    #[test]
    fn the_grammar_is_checked() {
        let parse = |t: &str| BucketPolicy::parse(t.to_owned()).map(|_| ()).map_err(|e| (e.code, e.ec));
        assert_eq!(parse("{unnormal-policy-text}").unwrap_err().0, Code::InvalidPolicyDocument);
        assert_eq!(parse(r#"{"Version":1,"Statement":[]}"#).unwrap_err().1, Some("0030-00000005"));
        assert_eq!(parse(r#"{"Version":"2","Statement":[]}"#).unwrap_err().1, Some("0030-00000002"));
        let statement = |s: &str| parse(&format!(r#"{{"Version":"1","Statement":[{s}]}}"#));
        assert!(statement(r#"{"Effect":"Allow","Action":"oss:GetObject","Resource":"acs:oss:*:*:b/*"}"#).is_ok());
        assert!(statement(r#"{"Effect":"Maybe","Action":"oss:GetObject","Resource":"acs:oss:*:*:b"}"#).is_err());
        assert!(statement(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"acs:oss:*:*:b"}"#).is_err());
        assert!(statement(r#"{"Effect":"Allow","Action":"oss:*","Resource":"arn:aws:s3:::b"}"#).is_err());
        let cond = |c: &str| {
            statement(&format!(r#"{{"Effect":"Allow","Action":"oss:*","Resource":"acs:oss:*:*:b","Condition":{c}}}"#))
        };
        assert!(cond(r#"{"IpAddress":{"acs:SourceIp":["10.0.0.0/8"]}}"#).is_ok());
        assert!(cond(r#"{"IpAddress":{"acs:SourceIp":["10.0.0.0/33"]}}"#).is_err());
        assert!(cond(r#"{"Sometimes":{"acs:SourceIp":["10.0.0.0/8"]}}"#).is_err());
        assert!(cond(r#"{"Bool":{"acs:SecureTransport":"maybe"}}"#).is_err());
    }

    #[test]
    fn the_text_is_kept_as_put() {
        let text = "{ \"Version\" : \"1\", \"Statement\": [{\"Effect\":\"Deny\",\"Action\":[\"oss:*\"],\"Resource\":[\"*\"]}] }";
        let stored: String = BucketPolicy::parse(text.to_owned()).unwrap().into();
        assert_eq!(stored, text);
    }

    #[test]
    fn grants_name_accounts_actions_and_resources() {
        let p =
            policy(r#"{"Effect":"Allow","Action":["oss:Get*"],"Principal":["2"],"Resource":["acs:oss:*:*:b/pub/*"]}"#);
        assert_eq!(
            judge(&p, Some("2"), false, "oss:GetObject", "acs:oss:r:1:b/pub/x"),
            Verdict::Allow { public: false }
        );
        assert_eq!(
            judge(&p, Some("2"), false, "oss:getobject", "acs:oss:r:1:b/pub/x"),
            Verdict::Allow { public: false }
        );
        assert_eq!(judge(&p, Some("3"), false, "oss:GetObject", "acs:oss:r:1:b/pub/x"), Verdict::Silent);
        assert_eq!(judge(&p, None, false, "oss:GetObject", "acs:oss:r:1:b/pub/x"), Verdict::Silent);
        assert_eq!(judge(&p, Some("2"), false, "oss:PutObject", "acs:oss:r:1:b/pub/x"), Verdict::Silent);
        assert_eq!(judge(&p, Some("2"), false, "oss:GetObject", "acs:oss:r:1:b/priv/x"), Verdict::Silent);
    }

    #[test]
    fn an_explicit_deny_wins_and_binds_the_owner_only_with_a_condition() {
        let p = policy(concat!(
            r#"{"Effect":"Allow","Action":"oss:*","Principal":"*","Resource":"acs:oss:*:*:b/*"},"#,
            r#"{"Effect":"Deny","Action":"oss:DeleteObject","Principal":"*","Resource":"acs:oss:*:*:b/*"}"#
        ));
        assert_eq!(judge(&p, None, false, "oss:GetObject", "acs:oss:r:1:b/k"), Verdict::Allow { public: true });
        assert_eq!(judge(&p, Some("2"), false, "oss:DeleteObject", "acs:oss:r:1:b/k"), Verdict::Deny);
        assert_eq!(judge(&p, Some("1"), true, "oss:DeleteObject", "acs:oss:r:1:b/k"), Verdict::Silent);
        let conditioned = policy(concat!(
            r#"{"Effect":"Deny","Action":"oss:*","Principal":"*","Resource":"acs:oss:*:*:b/*","#,
            r#""Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}"#
        ));
        assert_eq!(judge(&conditioned, Some("1"), true, "oss:GetObject", "acs:oss:r:1:b/k"), Verdict::Deny);
        // A grant to everyone that a condition narrows is not a public one.
        let narrowed = policy(concat!(
            r#"{"Effect":"Allow","Action":"oss:GetObject","Principal":"*","Resource":"acs:oss:*:*:b/*","#,
            r#""Condition":{"Bool":{"acs:SecureTransport":"false"}}}"#
        ));
        assert_eq!(judge(&narrowed, None, false, "oss:GetObject", "acs:oss:r:1:b/k"), Verdict::Allow { public: false });
    }

    #[test]
    fn conditions_read_the_request() {
        let with = |c: &str| {
            policy(&format!(
                r#"{{"Effect":"Allow","Action":"oss:*","Principal":["2"],"Resource":"*","Condition":{c}}}"#
            ))
        };
        let allowed =
            |c: &str| judge(&with(c), Some("2"), false, "oss:ListObjects", "acs:oss:r:1:b") != Verdict::Silent;
        assert!(allowed(r#"{"IpAddress":{"acs:SourceIp":["10.0.0.0/8"]}}"#));
        assert!(!allowed(r#"{"IpAddress":{"acs:SourceIp":["192.168.0.0/16"]}}"#));
        assert!(allowed(r#"{"NotIpAddress":{"acs:SourceIp":["192.168.0.0/16"]}}"#));
        assert!(allowed(r#"{"Bool":{"acs:SecureTransport":"false"}}"#));
        assert!(!allowed(r#"{"Bool":{"acs:SecureTransport":["true"]}}"#));
        assert!(allowed(r#"{"StringLike":{"oss:Prefix":["logs/*"]}}"#));
        assert!(!allowed(r#"{"StringEquals":{"oss:Prefix":["other/"]}}"#));
        assert!(!allowed(r#"{"StringEquals":{"oss:Delimiter":["/"]}}"#));
        assert!(allowed(r#"{"StringNotEquals":{"oss:Delimiter":["/"]}}"#));
        assert!(allowed(r#"{"StringEqualsIgnoreCase":{"acs:UserAgent":["TEST-AGENT/1"]}}"#));
        assert!(allowed(r#"{"DateLessThan":{"acs:CurrentTime":["2030-01-01T00:00:00Z"]}}"#));
        assert!(!allowed(r#"{"DateGreaterThan":{"acs:CurrentTime":["2030-01-01T00:00:00Z"]}}"#));
    }
}
