//! The policy document of a PostObject form (fact sheet §8.2): base64 of a JSON object with an
//! `expiration` and a list of `conditions` the form's fields must meet. The signature covers the
//! base64 text; this module only reads and enforces what it says.

use std::fmt;
use std::time::SystemTime;

use base64::Engine;
use serde_json::Value;

use crate::error::{Code, OssError, Result};
use crate::form::{field, Field};

/// What a policy allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub expiration: SystemTime,
    pub conditions: Vec<Condition>,
}

/// One condition. Field names are kept lowercased: `$Content-Type` and `$content-type` name the
/// same field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `{"field": "v"}` or `["eq", "$field", "v"]`.
    Eq { field: String, value: String },
    /// `["starts-with", "$field", "prefix"]`; an empty prefix allows anything.
    StartsWith { field: String, prefix: String },
    /// `["in", "$field", ["a", "b"]]`.
    In { field: String, values: Vec<String> },
    /// `["not-in", "$field", ["a", "b"]]`.
    NotIn { field: String, values: Vec<String> },
    /// `["content-length-range", min, max]`: the file's size, inclusive.
    ContentLengthRange { min: u64, max: u64 },
}

fn invalid(detail: impl fmt::Display) -> OssError {
    OssError::new(Code::InvalidPolicyDocument).message(format!("Invalid Policy: {detail}"))
}

fn simple_condition() -> OssError {
    invalid("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
}

/// OSS documents `\$` as a JSON escape (a literal `$`), which standard JSON lacks: it is undone
/// before parsing. Every other escape is left for the JSON parser, `\\` included, so `\\$` stays
/// a backslash followed by a dollar.
fn undo_dollar_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('$') => out.push('$'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// A `$field` operand: the field name, lowercased.
fn field_operand(v: &Value, cond: &Value) -> Result<String> {
    match v.as_str().and_then(|s| s.strip_prefix('$')) {
        Some(name) if !name.is_empty() => Ok(name.to_ascii_lowercase()),
        _ => Err(invalid(format!("Invalid Condition: the field of {cond} must be a string starting with '$'."))),
    }
}

/// Numbers as JSON numbers or as decimal strings (browser-side generators write both).
fn size_operand(v: &Value, cond: &Value) -> Result<u64> {
    let n = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    n.ok_or_else(|| invalid(format!("Invalid Condition: {cond} needs two non-negative integers.")))
}

/// A condition's value: a string, or a number written as one.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Condition {
    fn parse(cond: &Value) -> Result<Condition> {
        match cond {
            Value::Object(map) => {
                let mut entries = map.iter();
                let (Some((name, value)), None) = (entries.next(), entries.next()) else {
                    return Err(simple_condition());
                };
                let value = scalar(value).ok_or_else(simple_condition)?;
                Ok(Condition::Eq { field: name.to_ascii_lowercase(), value })
            }
            Value::Array(items) => {
                let op = items.first().and_then(Value::as_str).map(str::to_ascii_lowercase).unwrap_or_default();
                if items.len() != 3 {
                    return Err(invalid(format!("Invalid Condition: {cond} must have three elements.")));
                }
                let list = |v: &Value| -> Result<Vec<String>> {
                    v.as_array()
                        .and_then(|a| a.iter().map(scalar).collect::<Option<Vec<_>>>())
                        .ok_or_else(|| invalid(format!("Invalid Condition: {cond} needs a list of strings.")))
                };
                let string = |v: &Value| {
                    scalar(v)
                        .ok_or_else(|| invalid(format!("Invalid Condition: the value of {cond} must be a string.")))
                };
                match op.as_str() {
                    "eq" => Ok(Condition::Eq { field: field_operand(&items[1], cond)?, value: string(&items[2])? }),
                    "starts-with" => {
                        Ok(Condition::StartsWith { field: field_operand(&items[1], cond)?, prefix: string(&items[2])? })
                    }
                    "in" => Ok(Condition::In { field: field_operand(&items[1], cond)?, values: list(&items[2])? }),
                    "not-in" => {
                        Ok(Condition::NotIn { field: field_operand(&items[1], cond)?, values: list(&items[2])? })
                    }
                    "content-length-range" => {
                        let (min, max) = (size_operand(&items[1], cond)?, size_operand(&items[2], cond)?);
                        if min > max {
                            return Err(invalid(format!(
                                "Invalid Condition: {cond} has its minimum above its maximum."
                            )));
                        }
                        Ok(Condition::ContentLengthRange { min, max })
                    }
                    _ => Err(invalid(format!("Invalid Condition: unknown operation in {cond}."))),
                }
            }
            _ => Err(simple_condition()),
        }
    }

    /// Whether the form meets this condition; `bucket` is the bucket the form is posted to.
    /// A field the form lacks counts as empty. Content-length ranges are checked on the file,
    /// not here.
    fn holds(&self, bucket: &str, fields: &[Field]) -> bool {
        let value = |name: &str| if name == "bucket" { bucket } else { field(fields, name).unwrap_or_default() };
        match self {
            Condition::Eq { field, value: want } => value(field) == want,
            Condition::StartsWith { field, prefix } => value(field).starts_with(prefix.as_str()),
            Condition::In { field, values } => values.iter().any(|v| v == value(field)),
            Condition::NotIn { field, values } => !values.iter().any(|v| v == value(field)),
            Condition::ContentLengthRange { .. } => true,
        }
    }

    /// The field a condition is about.
    pub fn field(&self) -> Option<&str> {
        match self {
            Condition::Eq { field, .. }
            | Condition::StartsWith { field, .. }
            | Condition::In { field, .. }
            | Condition::NotIn { field, .. } => Some(field),
            Condition::ContentLengthRange { .. } => None,
        }
    }
}

impl fmt::Display for Condition {
    /// The condition as the array form of the policy language, for error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = |v: &str| Value::String(v.to_owned()).to_string();
        let list = |vs: &[String]| Value::Array(vs.iter().map(|v| Value::String(v.clone())).collect()).to_string();
        match self {
            Condition::Eq { field, value } => write!(f, "[\"eq\", {}, {}]", s(&format!("${field}")), s(value)),
            Condition::StartsWith { field, prefix } => {
                write!(f, "[\"starts-with\", {}, {}]", s(&format!("${field}")), s(prefix))
            }
            Condition::In { field, values } => write!(f, "[\"in\", {}, {}]", s(&format!("${field}")), list(values)),
            Condition::NotIn { field, values } => {
                write!(f, "[\"not-in\", {}, {}]", s(&format!("${field}")), list(values))
            }
            Condition::ContentLengthRange { min, max } => write!(f, "[\"content-length-range\", {min}, {max}]"),
        }
    }
}

impl Policy {
    /// Decodes and parses the `policy` field's value.
    pub fn parse(encoded: &str) -> Result<Policy> {
        // Line breaks inside the base64 (some encoders wrap at 76 columns) are not part of it.
        let compact: String = encoded.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| invalid("Invalid JSON: the policy is not base64."))?;
        let text = String::from_utf8(bytes).map_err(|_| invalid("Invalid JSON: the policy is not UTF-8."))?;
        let doc: Value =
            serde_json::from_str(&undo_dollar_escapes(&text)).map_err(|e| invalid(format!("Invalid JSON: {e}.")))?;
        let Value::Object(doc) = doc else { return Err(invalid("Invalid JSON: the policy is not a JSON object.")) };
        // [UNCONFIRMED] the messages for a missing member: OSS documents that both are required,
        // not what it says when one is missing.
        let expiration = match doc.get("expiration") {
            Some(Value::String(s)) => oss_protocol::time::parse_iso8601(s.trim())
                .ok_or_else(|| invalid(format!("Invalid 'expiration' value: '{s}'.")))?,
            Some(other) => return Err(invalid(format!("Invalid 'expiration' value: '{other}'."))),
            None => return Err(invalid("Policy missing expiration.")),
        };
        let conditions = match doc.get("conditions") {
            Some(Value::Array(items)) => items.iter().map(Condition::parse).collect::<Result<Vec<_>>>()?,
            Some(_) => return Err(invalid("Invalid 'conditions': not a list.")),
            None => return Err(invalid("Policy missing conditions.")),
        };
        Ok(Policy { expiration, conditions })
    }

    /// Expiry, then every condition in order: the first that fails is the answer.
    pub fn check(&self, now: SystemTime, bucket: &str, fields: &[Field]) -> Result<()> {
        if now > self.expiration {
            return Err(OssError::access_denied("Invalid according to Policy: Policy expired."));
        }
        match self.conditions.iter().find(|c| !c.holds(bucket, fields)) {
            Some(failed) => {
                Err(OssError::access_denied(format!("Invalid according to Policy: Policy Condition failed: {failed}")))
            }
            None => Ok(()),
        }
    }

    /// The file sizes the policy allows (every range applies, so the tightest wins).
    pub fn content_length_range(&self) -> Option<(u64, u64)> {
        self.conditions.iter().fold(None, |acc, c| match (c, acc) {
            (Condition::ContentLengthRange { min, max }, None) => Some((*min, *max)),
            (Condition::ContentLengthRange { min, max }, Some((lo, hi))) => Some((lo.max(*min), hi.min(*max))),
            (_, acc) => acc,
        })
    }

    /// Whether some condition pins `name` to exactly the form's value (V4 forms must repeat
    /// their signing fields in the policy).
    pub fn mentions(&self, name: &str) -> bool {
        self.conditions.iter().any(|c| c.field().is_some_and(|f| f.eq_ignore_ascii_case(name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(json: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(json)
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<Field> {
        pairs.iter().map(|(n, v)| Field { name: (*n).into(), value: (*v).into() }).collect()
    }

    fn at(iso: &str) -> SystemTime {
        oss_protocol::time::parse_iso8601(iso).unwrap()
    }

    #[test]
    fn parses_every_condition_form() {
        let policy = Policy::parse(&encode(
            r#"{"expiration":"2030-01-01T12:00:00.000Z","conditions":[
                {"bucket":"b"},["eq","$Key","user/a.txt"],["starts-with","$x-oss-meta-tag","v\$"],
                ["in","$content-type",["image/jpg","image/png"]],["not-in","$cache-control",["no-cache"]],
                ["content-length-range",1,"1024"],["content-length-range",10,2048]]}"#,
        ))
        .unwrap();
        assert_eq!(policy.expiration, at("2030-01-01T12:00:00Z"));
        assert_eq!(policy.conditions[1], Condition::Eq { field: "key".into(), value: "user/a.txt".into() });
        assert_eq!(policy.conditions[2], Condition::StartsWith { field: "x-oss-meta-tag".into(), prefix: "v$".into() });
        assert_eq!(policy.content_length_range(), Some((10, 1024)));
        assert!(policy.mentions("KEY"));

        let now = at("2029-01-01T00:00:00Z");
        let good = fields(&[("key", "user/a.txt"), ("x-oss-meta-tag", "v$1"), ("Content-Type", "image/png")]);
        policy.check(now, "b", &good).unwrap();
        let expired = policy.check(at("2030-01-01T12:00:01Z"), "b", &good).unwrap_err();
        assert_eq!(
            (expired.code, expired.message.as_ref()),
            (Code::AccessDenied, "Invalid according to Policy: Policy expired.")
        );
        let wrong_bucket = policy.check(now, "other", &good).unwrap_err();
        assert_eq!(
            wrong_bucket.message,
            "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$bucket\", \"b\"]"
        );
        let bad_type = fields(&[("key", "user/a.txt"), ("x-oss-meta-tag", "v$"), ("content-type", "text/plain")]);
        assert!(policy.check(now, "b", &bad_type).unwrap_err().message.contains("[\"in\", \"$content-type\""));
        let no_cache = fields(&[
            ("key", "user/a.txt"),
            ("x-oss-meta-tag", "v$"),
            ("content-type", "image/jpg"),
            ("Cache-Control", "no-cache"),
        ]);
        assert!(policy.check(now, "b", &no_cache).unwrap_err().message.contains("not-in"));
    }

    #[test]
    fn invalid_documents() {
        let code_and_message = |json: &str| {
            let e = Policy::parse(&encode(json)).unwrap_err();
            (e.code, e.message.into_owned())
        };
        let simple =
            "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.";
        assert_eq!(
            code_and_message(r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[{"a":"1","b":"2"}]}"#),
            (Code::InvalidPolicyDocument, simple.to_owned())
        );
        assert_eq!(code_and_message(r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[{}]}"#).1, simple);
        for bad in [
            "not json",
            r#"{"conditions":[]}"#,
            r#"{"expiration":"tomorrow","conditions":[]}"#,
            r#"{"expiration":"2030-01-01T00:00:00Z"}"#,
            r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","key","v"]]}"#,
            r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",5,1]]}"#,
            r#"{"expiration":"2030-01-01T00:00:00Z","conditions":[["matches","$key","v"]]}"#,
        ] {
            let (code, message) = code_and_message(bad);
            assert_eq!(code, Code::InvalidPolicyDocument, "{bad}");
            assert!(message.starts_with("Invalid Policy: "), "{bad}: {message}");
        }
        assert_eq!(Policy::parse("%%%").unwrap_err().code, Code::InvalidPolicyDocument);
    }
}
