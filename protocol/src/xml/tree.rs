//! A generic element tree, for configuration documents whose every element OSS keeps and returns
//! but only a few of which change what it does (website routing rules, inventory schedules).
//! Keeping the tree returns what the caller wrote, element for element, without a struct for
//! each of the dozens of optional fields; the emulator reads the ones it enforces.

use serde::{Deserialize, Serialize};

/// One element: its name, its own text (joined from its text pieces), and its child elements
/// in order. Attributes and mixed content do not occur in OSS documents and are dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Element {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Element>,
}

impl Element {
    pub fn new(name: &str) -> Element {
        Element { name: name.to_owned(), ..Default::default() }
    }

    pub fn leaf(name: &str, text: impl Into<String>) -> Element {
        Element { name: name.to_owned(), text: text.into(), children: Vec::new() }
    }

    /// Parses a whole document into its root element. A DOCTYPE is refused (see
    /// [`super::from_xml`]); so is anything after the root or an unbalanced tag.
    pub fn parse(xml: &str) -> Result<Element, String> {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut open: Vec<Element> = Vec::new();
        let mut root: Option<Element> = None;
        let name_of = |raw: &[u8]| String::from_utf8_lossy(raw).into_owned();
        loop {
            let event = reader.read_event().map_err(|e| e.to_string())?;
            let text = match &event {
                Event::Text(t) => Some(t.unescape().map_err(|e| e.to_string())?.into_owned()),
                Event::CData(c) => Some(String::from_utf8_lossy(c.as_ref()).into_owned()),
                _ => None,
            };
            if let Some(text) = text {
                match open.last_mut() {
                    Some(e) => e.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err("text outside the root element".to_owned()),
                }
                continue;
            }
            let done = match event {
                Event::Start(s) => {
                    open.push(Element::new(&name_of(s.name().as_ref())));
                    None
                }
                Event::Empty(s) => Some(Element::new(&name_of(s.name().as_ref()))),
                Event::End(_) => open.pop(),
                Event::DocType(_) => return Err("a document type declaration is not accepted".to_owned()),
                Event::Eof => break,
                _ => None,
            };
            if let Some(mut done) = done {
                if !done.children.is_empty() && done.text.trim().is_empty() {
                    done.text.clear();
                }
                match open.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None if root.is_none() => root = Some(done),
                    None => return Err("more than one root element".to_owned()),
                }
            }
        }
        if !open.is_empty() {
            return Err("the document ends inside an element".to_owned());
        }
        root.ok_or_else(|| "the document has no root element".to_owned())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the child `name`, when there is one.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }

    /// The element and its descendants, without a declaration.
    pub fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        if self.text.is_empty() && self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        out.push_str(&super::escape(&self.text));
        for child in &self.children {
            child.write(out);
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }

    /// The element as a whole document.
    pub fn to_document(&self) -> String {
        let mut out = String::from(super::DECLARATION);
        self.write(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Element;

    #[test]
    fn round_trips_text_references_and_nesting() {
        let doc = "<?xml version=\"1.0\"?>\n<A>\n  <B>x &amp; &#20013;</B>\n  <C/><D><E>1</E></D>\n</A>";
        let root = Element::parse(doc).unwrap();
        assert_eq!(root.text_of("B"), Some("x & 中"));
        assert_eq!(root.child("D").and_then(|d| d.text_of("E")), Some("1"));
        assert_eq!(root.text, "");
        let mut out = String::new();
        root.write(&mut out);
        assert_eq!(out, "<A><B>x &amp; 中</B><C/><D><E>1</E></D></A>");
    }

    #[test]
    fn refuses_broken_documents() {
        for bad in ["<A><B></A>", "<A>", "<A/><B/>", "<!DOCTYPE x><A/>", "", "text<A/>", "<A>&bogus;</A>"] {
            assert!(Element::parse(bad).is_err(), "{bad:?} parsed");
        }
    }
}
