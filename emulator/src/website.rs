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
    /// 302 to this path (already percent-encoded).
    Redirect(String),
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
        Ok(Website { index, error })
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
                            Fallback::Redirect(format!("/{}/", oss_protocol::encoding::uri_encode(key, false)))
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
        assert_eq!(sub.fallback("a b", false, |k| k == "a b/i.htm"), Some(Fallback::Redirect("/a%20b/".into())));
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
}
