//! Static website hosting (fact sheet §11.2): the configuration is kept as the document the
//! caller wrote (every routing-rule field comes back as given), and the index and error
//! documents it names are served in place of a missing key.

use oss_protocol::xml::Element;

use crate::configs::parse_bool;
use crate::error::{OssError, Result};

/// The most routing rules OSS accepts.
const MAX_RULES: usize = 20;

/// What GetObject does for a key that does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Website {
    pub index: Option<Index>,
    pub error: Option<ErrorDocument>,
    /// By rule number.
    pub rules: Vec<RoutingRule>,
}

/// A routing rule the emulator runs: a condition on the key (and request headers) and a
/// redirect elsewhere (`External`, `AliCDN`) or a rewrite to another key (`Internal`). Mirror
/// rules fetch from another origin, which no request may make the emulator do: they never match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRule {
    pub number: u32,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
    /// `HttpErrorCodeReturnedEquals`; rules run for missing keys only, so only 404 can match.
    pub error_code: Option<u16>,
    /// `IncludeHeader`: name and the value it must equal (`None`: only present).
    pub headers: Vec<(String, Option<String>)>,
    pub action: RuleAction,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleAction {
    Redirect {
        protocol: Option<String>,
        host: Option<String>,
        code: u16,
        pass_query: bool,
        rewrite: KeyRewrite,
    },
    Internal {
        rewrite: KeyRewrite,
    },
    /// Mirror (back-to-origin) and anything else.
    Unsupported,
}

/// How a rule names the key it sends the request to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRewrite {
    Same,
    /// `ReplaceKeyWith`: the whole key.
    Key(String),
    /// `ReplaceKeyPrefixWith`: the rule's prefix replaced.
    Prefix(String),
}

/// What of the request a routing rule may look at.
pub struct Request<'a> {
    pub key: &'a str,
    pub query: &'a str,
    pub header: &'a dyn Fn(&str) -> Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub suffix: String,
    pub sub_dir: bool,
    pub kind: SubDirMiss,
}

/// `IndexDocument/Type`: what a missing `abc` does when `abc/<suffix>` may exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubDirMiss {
    /// 0: redirect to `abc/` when `abc/<suffix>` exists.
    Redirect,
    /// 1: no lookup; the key is missing.
    NoSuchKey,
    /// 2: serve `abc/<suffix>` directly.
    Serve,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorDocument {
    pub key: String,
    /// 404, or 200 when the caller asked for it.
    pub status: u16,
}

/// What to answer for a missing key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fallback {
    /// Serve this key with this status.
    Serve { key: String, status: u16 },
    /// A redirect: status and `Location` (already percent-encoded).
    Redirect { status: u16, location: String },
}

fn invalid(what: &str) -> OssError {
    OssError::malformed_xml(format!("the website configuration is invalid: {what}."))
}

/// PutBucketWebsite: the document, validated; it is stored as given.
pub fn parse(text: &str) -> Result<Element> {
    let doc = Element::parse(text).map_err(OssError::malformed_xml)?;
    if doc.name != "WebsiteConfiguration" {
        return Err(OssError::malformed_xml("the root node is not named WebsiteConfiguration."));
    }
    if ["IndexDocument", "ErrorDocument", "RoutingRules"].iter().all(|n| doc.child(n).is_none()) {
        return Err(invalid("it needs an IndexDocument, an ErrorDocument or RoutingRules"));
    }
    Website::of(&doc)?;
    if let Some(rules) = doc.child("RoutingRules") {
        let rules: Vec<&Element> = rules.children_named("RoutingRule").collect();
        if rules.len() > MAX_RULES {
            return Err(invalid("there are more than 20 routing rules"));
        }
        let mut numbers = Vec::with_capacity(rules.len());
        for rule in rules {
            let number = rule.text_of("RuleNumber").and_then(|n| n.trim().parse::<u32>().ok()).filter(|n| *n > 0);
            let number = number.ok_or_else(|| invalid("every RoutingRule needs a positive RuleNumber"))?;
            if numbers.contains(&number) {
                return Err(invalid("RuleNumbers repeat"));
            }
            numbers.push(number);
            if rule.child("Redirect").is_none() {
                return Err(invalid("every RoutingRule needs a Redirect"));
            }
        }
    }
    let mut doc = doc;
    crate::configs::normalize_booleans(&mut doc);
    // A mirror rule that says only MirrorPassQueryString reads back with PassQueryString set
    // the same (the oss2 suite checks one against the other).
    let rules = doc.children.iter_mut().filter(|c| c.name == "RoutingRules").flat_map(|r| r.children.iter_mut());
    for redirect in rules.flat_map(|rule| rule.children.iter_mut().filter(|c| c.name == "Redirect")) {
        if redirect.child("PassQueryString").is_none() {
            if let Some(mirror) = redirect.text_of("MirrorPassQueryString").map(str::to_owned) {
                redirect.children.push(Element::leaf("PassQueryString", mirror));
            }
        }
    }
    Ok(doc)
}

impl Website {
    /// The parts of a stored document that decide what is served.
    pub fn of(doc: &Element) -> Result<Website> {
        let index = match doc.child("IndexDocument") {
            None => None,
            Some(index) => {
                let suffix = index.text_of("Suffix").unwrap_or_default().to_owned();
                if suffix.is_empty() || suffix.contains('/') {
                    return Err(invalid("IndexDocument/Suffix must be a file name"));
                }
                let sub_dir = index.text_of("SupportSubDir").map(|v| parse_bool(v, "SupportSubDir")).transpose()?;
                let kind = match index.text_of("Type").map(str::trim) {
                    None | Some("0") => SubDirMiss::Redirect,
                    Some("1") => SubDirMiss::NoSuchKey,
                    Some("2") => SubDirMiss::Serve,
                    Some(_) => return Err(invalid("IndexDocument/Type must be 0, 1 or 2")),
                };
                Some(Index { suffix, sub_dir: sub_dir.unwrap_or(false), kind })
            }
        };
        let error = match doc.child("ErrorDocument") {
            None => None,
            Some(error) => {
                let key = error.text_of("Key").unwrap_or_default().to_owned();
                if key.is_empty() {
                    return Err(invalid("ErrorDocument/Key is empty"));
                }
                let status = match error.text_of("HttpStatus").map(str::trim) {
                    None | Some("404") => 404,
                    Some("200") => 200,
                    Some(_) => return Err(invalid("ErrorDocument/HttpStatus must be 200 or 404")),
                };
                Some(ErrorDocument { key, status })
            }
        };
        let mut rules = match doc.child("RoutingRules") {
            Some(rules) => rules.children_named("RoutingRule").map(RoutingRule::of).collect::<Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        rules.sort_by_key(|r| r.number);
        Ok(Website { index, error, rules })
    }

    /// The first routing rule that matches a missing key, and what it makes of the request.
    pub fn route(&self, request: &Request<'_>) -> Option<Fallback> {
        self.rules.iter().find_map(|rule| rule.apply(request))
    }

    /// The index document for a key that names a folder (`""` or ending in `/`).
    fn index_for(&self, key: &str) -> Option<String> {
        let index = self.index.as_ref()?;
        let folder = key.is_empty() || key.ends_with('/');
        match (folder, index.sub_dir) {
            (true, true) => Some(format!("{key}{}", index.suffix)),
            (true, false) => Some(index.suffix.clone()),
            (false, _) => None,
        }
    }

    /// The home page: the index document of the bucket's root.
    pub fn root_document(&self) -> Option<String> {
        self.index_for("")
    }

    /// The keys [`Website::fallback`] may ask about for `key`.
    pub fn candidates(&self, key: &str) -> Vec<String> {
        let mut keys: Vec<String> = self.index_for(key).into_iter().collect();
        if let Some(index) = self.index.as_ref().filter(|i| i.sub_dir && !key.is_empty() && !key.ends_with('/')) {
            keys.push(format!("{key}/{}", index.suffix));
        }
        keys
    }

    /// What a missing `key` becomes, given which keys exist (`exists` is asked at most once) and
    /// whether the error document may be served: [UNCONFIRMED] it replaces the error only for
    /// anonymous callers (browsers), because SDKs read NoSuchKey's XML and OSS does not say what
    /// signed requests get.
    pub fn fallback(&self, key: &str, anonymous: bool, exists: impl FnOnce(&str) -> bool) -> Option<Fallback> {
        let found = if let Some(index_key) = self.index_for(key) {
            exists(&index_key).then_some(Fallback::Serve { key: index_key, status: 200 })
        } else {
            match self.index.as_ref().filter(|i| i.sub_dir) {
                Some(index) => {
                    let candidate = format!("{key}/{}", index.suffix);
                    match index.kind {
                        SubDirMiss::NoSuchKey => None,
                        SubDirMiss::Redirect => exists(&candidate).then(|| {
                            let location = format!("/{}/", oss_protocol::encoding::uri_encode(key, true));
                            Fallback::Redirect { status: 302, location }
                        }),
                        SubDirMiss::Serve => {
                            exists(&candidate).then_some(Fallback::Serve { key: candidate, status: 200 })
                        }
                    }
                }
                None => None,
            }
        };
        found.or_else(|| {
            let error = self.error.as_ref().filter(|_| anonymous)?;
            Some(Fallback::Serve { key: error.key.clone(), status: error.status })
        })
    }
}

impl RoutingRule {
    fn of(rule: &Element) -> Result<RoutingRule> {
        let number = rule.text_of("RuleNumber").and_then(|n| n.trim().parse().ok()).unwrap_or(0);
        let condition = rule.child("Condition");
        let text = |name: &str| condition.and_then(|c| c.text_of(name)).map(str::to_owned).filter(|v| !v.is_empty());
        let error_code = match text("HttpErrorCodeReturnedEquals") {
            Some(code) => {
                Some(code.trim().parse().map_err(|_| invalid("HttpErrorCodeReturnedEquals must be a status"))?)
            }
            None => None,
        };
        let headers = condition
            .map(|c| c.children_named("IncludeHeader").collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter_map(|h| Some((h.text_of("Key")?.to_ascii_lowercase(), h.text_of("Equals").map(str::to_owned))))
            .collect();
        let redirect = rule.child("Redirect");
        let field = |name: &str| redirect.and_then(|r| r.text_of(name)).map(str::trim).filter(|v| !v.is_empty());
        let flag = |name: &str| field(name).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let rewrite = match (field("ReplaceKeyWith"), field("ReplaceKeyPrefixWith")) {
            (Some(key), _) => KeyRewrite::Key(key.to_owned()),
            (None, Some(prefix)) if flag("EnableReplacePrefix") || field("EnableReplacePrefix").is_none() => {
                KeyRewrite::Prefix(prefix.to_owned())
            }
            _ => KeyRewrite::Same,
        };
        let action = match field("RedirectType").unwrap_or("External") {
            "External" | "AliCDN" => RuleAction::Redirect {
                protocol: field("Protocol").map(str::to_owned),
                host: field("HostName").map(str::to_owned),
                code: match field("HttpRedirectCode").map(str::parse::<u16>) {
                    None => 302,
                    Some(Ok(code @ (301 | 302 | 307))) => code,
                    Some(_) => return Err(invalid("HttpRedirectCode must be 301, 302 or 307")),
                },
                pass_query: flag("PassQueryString"),
                rewrite,
            },
            "Internal" => RuleAction::Internal { rewrite },
            _ => RuleAction::Unsupported,
        };
        Ok(RoutingRule {
            number,
            prefix: text("KeyPrefixEquals"),
            suffix: text("KeySuffixEquals"),
            error_code,
            headers,
            action,
        })
    }

    fn apply(&self, request: &Request<'_>) -> Option<Fallback> {
        let key = request.key;
        let matches = self.prefix.as_deref().is_none_or(|p| key.starts_with(p))
            && self.suffix.as_deref().is_none_or(|s| key.ends_with(s))
            && self.error_code.is_none_or(|c| c == 404)
            && self.headers.iter().all(|(name, want)| match ((request.header)(name), want) {
                (None, _) => false,
                (Some(_), None) => true,
                (Some(got), Some(want)) => got == want,
            });
        if !matches {
            return None;
        }
        let rewritten = |rewrite: &KeyRewrite| match rewrite {
            KeyRewrite::Same => key.to_owned(),
            KeyRewrite::Key(k) => k.clone(),
            KeyRewrite::Prefix(p) => format!("{p}{}", &key[self.prefix.as_deref().map_or(0, str::len)..]),
        };
        match &self.action {
            RuleAction::Redirect { protocol, host, code, pass_query, rewrite } => {
                let path = format!("/{}", oss_protocol::encoding::uri_encode(&rewritten(rewrite), true));
                let query = if *pass_query && !request.query.is_empty() {
                    format!("?{}", request.query)
                } else {
                    String::new()
                };
                let location = match host {
                    Some(host) => format!("{}://{host}{path}{query}", protocol.as_deref().unwrap_or("http")),
                    None => format!("{path}{query}"),
                };
                Some(Fallback::Redirect { status: *code, location })
            }
            RuleAction::Internal { rewrite } => Some(Fallback::Serve { key: rewritten(rewrite), status: 200 }),
            RuleAction::Unsupported => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(index: &str, error: &str) -> Website {
        let doc = format!("<WebsiteConfiguration>{index}{error}</WebsiteConfiguration>");
        Website::of(&parse(&doc).unwrap()).unwrap()
    }

    #[test]
    fn folders_get_the_index_document() {
        let flat = site("<IndexDocument><Suffix>index.html</Suffix></IndexDocument>", "");
        let serve = |key: &str| Some(Fallback::Serve { key: key.to_owned(), status: 200 });
        assert_eq!(flat.fallback("a/b/", false, |_| true), serve("index.html"));
        assert_eq!(flat.fallback("", false, |_| true), serve("index.html"));
        assert_eq!(flat.fallback("a/b/", false, |_| false), None);
        assert_eq!(flat.fallback("a", false, |_| true), None);
        let sub = site("<IndexDocument><Suffix>i.htm</Suffix><SupportSubDir>true</SupportSubDir></IndexDocument>", "");
        assert_eq!(sub.fallback("a/b/", false, |k| k == "a/b/i.htm"), serve("a/b/i.htm"));
        assert_eq!(
            sub.fallback("a b", false, |k| k == "a b/i.htm"),
            Some(Fallback::Redirect { status: 302, location: "/a%20b/".into() })
        );
    }

    #[test]
    fn the_index_type_decides_a_missing_sub_folder() {
        let typed = |t: u8| {
            site(&format!("<IndexDocument><Suffix>i</Suffix><SupportSubDir>true</SupportSubDir><Type>{t}</Type></IndexDocument>"), "")
        };
        assert_eq!(typed(1).fallback("d", false, |_| true), None);
        assert_eq!(typed(2).fallback("d", false, |_| true), Some(Fallback::Serve { key: "d/i".into(), status: 200 }));
    }

    #[test]
    fn the_error_document_is_for_anonymous_callers() {
        let w = site("", "<ErrorDocument><Key>e.html</Key><HttpStatus>200</HttpStatus></ErrorDocument>");
        assert_eq!(w.fallback("x", true, |_| false), Some(Fallback::Serve { key: "e.html".into(), status: 200 }));
        assert_eq!(w.fallback("x", false, |_| false), None);
    }

    #[test]
    fn bad_documents_are_refused() {
        for bad in [
            "<WebsiteConfiguration/>",
            "<Other><IndexDocument><Suffix>i</Suffix></IndexDocument></Other>",
            "<WebsiteConfiguration><IndexDocument><Suffix></Suffix></IndexDocument></WebsiteConfiguration>",
            "<WebsiteConfiguration><IndexDocument><Suffix>i</Suffix><Type>3</Type></IndexDocument></WebsiteConfiguration>",
            "<WebsiteConfiguration><ErrorDocument><Key>e</Key><HttpStatus>500</HttpStatus></ErrorDocument></WebsiteConfiguration>",
            "<WebsiteConfiguration><RoutingRules><RoutingRule><RuleNumber>0</RuleNumber><Redirect/></RoutingRule></RoutingRules></WebsiteConfiguration>",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn routing_rules_redirect_or_rewrite_in_rule_order() {
        let doc = parse(concat!(
            "<WebsiteConfiguration><RoutingRules>",
            "<RoutingRule><RuleNumber>2</RuleNumber><Condition><KeyPrefixEquals>old/</KeyPrefixEquals></Condition>",
            "<Redirect><RedirectType>Internal</RedirectType><ReplaceKeyWith>late</ReplaceKeyWith></Redirect></RoutingRule>",
            "<RoutingRule><RuleNumber>1</RuleNumber><Condition><KeyPrefixEquals>old/</KeyPrefixEquals>",
            "<HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals>",
            "<IncludeHeader><Key>X-Site</Key><Equals>a</Equals></IncludeHeader></Condition>",
            "<Redirect><RedirectType>External</RedirectType><Protocol>https</Protocol><HostName>example.com</HostName>",
            "<ReplaceKeyPrefixWith>new dir/</ReplaceKeyPrefixWith><EnableReplacePrefix>true</EnableReplacePrefix>",
            "<HttpRedirectCode>301</HttpRedirectCode><PassQueryString>true</PassQueryString></Redirect></RoutingRule>",
            "<RoutingRule><RuleNumber>3</RuleNumber><Condition><KeySuffixEquals>.jpg</KeySuffixEquals></Condition>",
            "<Redirect><RedirectType>Mirror</RedirectType><MirrorURL>http://origin/</MirrorURL></Redirect></RoutingRule>",
            "</RoutingRules></WebsiteConfiguration>"
        ))
        .unwrap();
        let site = Website::of(&doc).unwrap();
        let route = |key: &str, site_header: Option<&'static str>| {
            let header = move |name: &str| site_header.filter(|_| name == "x-site");
            site.route(&Request { key, query: "a=1", header: &header })
        };
        assert_eq!(
            route("old/x.html", Some("a")),
            Some(Fallback::Redirect { status: 301, location: "https://example.com/new%20dir/x.html?a=1".into() })
        );
        // Without the header the first rule does not match; the second rewrites internally.
        assert_eq!(route("old/x.html", None), Some(Fallback::Serve { key: "late".into(), status: 200 }));
        assert_eq!(route("pic.jpg", None), None, "mirror rules never run");
        assert_eq!(route("elsewhere", Some("a")), None);
    }
}
