//! `multipart/form-data` request bodies (RFC 7578), read the way PostObject needs them: the
//! fields before the file part into memory, within OSS's documented bounds; the file part as a
//! stream that never holds more than one network read plus a delimiter's length; whatever
//! follows the file dropped (OSS ignores fields after `file`, such as a form's `submit`).

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http_body_util::{BodyExt, BodyStream, StreamBody};

use crate::body::{BoxError, RequestBody};
use crate::error::{Code, OssError, Result};

/// A field name longer than this is FieldItemTooLong.
pub const MAX_NAME: usize = 4 * 1024;
/// A field value longer than this is FieldItemTooLong (0006-00000111 in OSS's docs).
pub const MAX_VALUE: usize = 2 * 1024 * 1024;
/// All the values before the file together: more is MaxPOSTPreDataLengthExceededError
/// (0006-00000112).
pub const MAX_PRE_DATA: usize = 8 * 1024 * 1024;
/// One part's header block (a Content-Disposition with a name and a file name, a Content-Type).
/// OSS states no limit; a header block this long is no browser's.
const MAX_PART_HEADERS: usize = 16 * 1024;
/// Text before the first boundary (RFC 2046 allows a preamble; browsers send none).
const MAX_PREAMBLE: usize = 8 * 1024;
/// What follows the file part is read and dropped up to this much, so a kept-alive connection
/// stays usable after a form with a `submit` field; past it the answer closes the connection.
const MAX_TRAILER: usize = 64 * 1024;

fn malformed() -> OssError {
    OssError::new(Code::MalformedPOSTRequest)
}

/// One form field before the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub value: String,
}

/// The first field named `name`, compared without regard to case: the PostObject page says form
/// field names are case-insensitive, its error page says the opposite ([UNCONFIRMED]); accepting
/// `Key` as `key` never refuses a form OSS takes.
pub fn field<'a>(fields: &'a [Field], name: &str) -> Option<&'a str> {
    fields.iter().find(|f| f.name.eq_ignore_ascii_case(name)).map(|f| f.value.as_str())
}

/// What the file part's own headers say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilePart {
    pub filename: Option<String>,
    pub content_type: Option<String>,
}

/// The boundary of a `multipart/form-data` Content-Type; any other type is
/// RequestIsNotMultiPartContent.
pub fn boundary(content_type: Option<&str>) -> Result<String> {
    let mut params = content_type.unwrap_or_default().split(';');
    let media = params.next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("multipart/form-data") {
        return Err(OssError::new(Code::RequestIsNotMultiPartContent));
    }
    for param in params {
        if let Some((name, value)) = param.split_once('=') {
            if name.trim().eq_ignore_ascii_case("boundary") {
                let value = unquote(value.trim());
                // RFC 2046 caps a boundary at 70 characters; a little slack costs nothing.
                if !value.is_empty() && value.len() <= 200 {
                    return Ok(value);
                }
            }
        }
    }
    Err(malformed())
}

/// A quoted-string's content (backslash escapes undone), or the token as it is.
fn unquote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else { return s.to_owned() };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

/// The `name` and `filename` parameters of a `Content-Disposition: form-data; …` value.
fn disposition(value: &str) -> Result<(String, Option<String>)> {
    let mut params = split_params(value).into_iter();
    let kind = params.next().unwrap_or_default();
    if !kind.trim().eq_ignore_ascii_case("form-data") {
        return Err(malformed());
    }
    let (mut name, mut filename) = (None, None);
    for param in params {
        let Some((n, v)) = param.split_once('=') else { continue };
        match n.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(unquote(v.trim())),
            "filename" => filename = Some(unquote(v.trim())),
            _ => {}
        }
    }
    Ok((name.ok_or_else(malformed)?, filename))
}

/// Splits at `;` outside quoted strings (a file name may contain one).
fn split_params(value: &str) -> Vec<&str> {
    let (mut out, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&value[start..]);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads a form body from its start: [`FormReader::read_fields`], then
/// [`FormReader::into_file_body`].
pub struct FormReader {
    body: RequestBody,
    buf: BytesMut,
    /// `CRLF--boundary`: what ends every part.
    delimiter: Vec<u8>,
    eof: bool,
}

impl FormReader {
    pub fn new(body: RequestBody, boundary: &str) -> Self {
        // The first boundary line has no line break before it; one is supplied so every
        // boundary is found the same way.
        let buf = BytesMut::from(&b"\r\n"[..]);
        FormReader { body, buf, delimiter: format!("\r\n--{boundary}").into_bytes(), eof: false }
    }

    /// Appends the next piece of the body; `false` once it has ended.
    async fn fill(&mut self) -> Result<bool> {
        while !self.eof {
            match self.body.frame().await {
                None => self.eof = true,
                Some(Err(e)) => {
                    tracing::debug!("form body ended early: {e}");
                    return Err(OssError::new(Code::RequestTimeout));
                }
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        if !data.is_empty() {
                            self.buf.extend_from_slice(&data);
                            return Ok(true);
                        }
                    }
                }
            }
        }
        Ok(false)
    }

    /// Reads until the buffer holds at least `n` bytes; a body that ends first is malformed.
    async fn want(&mut self, n: usize) -> Result<()> {
        while self.buf.len() < n {
            if !self.fill().await? {
                return Err(malformed());
            }
        }
        Ok(())
    }

    /// The position of `needle`, reading as needed; `too_long` when it does not start within
    /// `limit` bytes, MalformedPOSTRequest when the body ends without it.
    async fn find(&mut self, needle: &[u8], limit: usize, too_long: fn() -> OssError) -> Result<usize> {
        let mut from = 0;
        loop {
            if let Some(i) = find(&self.buf[from..], needle) {
                let at = from + i;
                return if at > limit { Err(too_long()) } else { Ok(at) };
            }
            if self.buf.len() > limit + needle.len() {
                return Err(too_long());
            }
            // A needle may straddle two reads: search again from just before the old end.
            from = self.buf.len().saturating_sub(needle.len() - 1);
            if !self.fill().await? {
                return Err(malformed());
            }
        }
    }

    /// The fields before the file part, and the file part's headers. The reader is left at the
    /// first byte of the file. No file part at all is IncorrectNumberOfFilesInPOSTRequest.
    pub async fn read_fields(&mut self) -> Result<(Vec<Field>, FilePart)> {
        let delimiter = self.delimiter.clone();
        let at = self.find(&delimiter, MAX_PREAMBLE, malformed).await?;
        let _ = self.buf.split_to(at + delimiter.len());
        let mut fields = Vec::new();
        let mut pre_data = 0usize;
        loop {
            // After a boundary: `--` closes the body, anything else must be the end of the line
            // (RFC 2046 allows trailing blanks).
            self.want(2).await?;
            if self.buf.starts_with(b"--") {
                return Err(OssError::new(Code::IncorrectNumberOfFilesInPOSTRequest));
            }
            let eol = self.find(b"\r\n", 256, malformed).await?;
            if self.buf[..eol].iter().any(|b| !matches!(b, b' ' | b'\t')) {
                return Err(malformed());
            }
            let _ = self.buf.split_to(eol + 2);
            let (name, file) = self.part_headers().await?;
            if name.eq_ignore_ascii_case("file") {
                return Ok((fields, file));
            }
            if name.len() > MAX_NAME {
                return Err(OssError::new(Code::FieldItemTooLong));
            }
            let room = MAX_PRE_DATA.saturating_sub(pre_data);
            let (limit, too_long): (usize, fn() -> OssError) = if room < MAX_VALUE {
                (room, || OssError::new(Code::MaxPOSTPreDataLengthExceededError).ec("0006-00000112"))
            } else {
                (MAX_VALUE, || OssError::new(Code::FieldItemTooLong).ec("0006-00000111"))
            };
            let end = self.find(&delimiter, limit, too_long).await?;
            let value = self.buf.split_to(end);
            let _ = self.buf.split_to(delimiter.len());
            pre_data += value.len();
            fields.push(Field { name, value: String::from_utf8_lossy(&value).into_owned() });
        }
    }

    /// One part's headers: its field name, and for a file its file name and type.
    async fn part_headers(&mut self) -> Result<(String, FilePart)> {
        self.want(2).await?;
        // No headers at all: then there is no name either.
        if self.buf.starts_with(b"\r\n") {
            return Err(malformed());
        }
        let end = self.find(b"\r\n\r\n", MAX_PART_HEADERS, malformed).await?;
        let raw = self.buf.split_to(end + 4);
        let block = String::from_utf8(raw[..end].to_vec()).map_err(|_| malformed())?;
        let mut name = None;
        let mut file = FilePart::default();
        for line in block.split("\r\n") {
            let (header, value) = line.split_once(':').ok_or_else(malformed)?;
            match header.trim().to_ascii_lowercase().as_str() {
                "content-disposition" => {
                    let (n, filename) = disposition(value.trim())?;
                    name = Some(n);
                    file.filename = filename;
                }
                "content-type" => file.content_type = Some(value.trim().to_owned()).filter(|v| !v.is_empty()),
                _ => {}
            }
        }
        Ok((name.ok_or_else(malformed)?, file))
    }

    /// Reads and drops what follows the file part, up to [`MAX_TRAILER`] bytes.
    async fn drain(&mut self) {
        self.buf.clear();
        let mut dropped = 0usize;
        while dropped <= MAX_TRAILER {
            match self.fill().await {
                Ok(true) => {
                    dropped += self.buf.len();
                    self.buf.clear();
                }
                _ => return,
            }
        }
    }

    /// The file part's bytes as a request body, ending where the part ends. A body that ends
    /// inside the file part fails with MalformedPOSTRequest (as an [`OssError`], which
    /// [`crate::ops::receive_body`] answers as it is).
    pub fn into_file_body(self) -> RequestBody {
        let stream = futures_util::stream::unfold(Some(self), |state| async move {
            let mut reader = state?;
            loop {
                if let Some(end) = find(&reader.buf, &reader.delimiter) {
                    let data = reader.buf.split_to(end).freeze();
                    reader.drain().await;
                    return (!data.is_empty()).then(|| (Ok(http_body::Frame::data(data)), None));
                }
                // Everything but what could be the start of the delimiter is file content.
                let keep = reader.delimiter.len() - 1;
                if reader.buf.len() > keep {
                    let data: Bytes = reader.buf.split_to(reader.buf.len() - keep).freeze();
                    return Some((Ok(http_body::Frame::data(data)), Some(reader)));
                }
                match reader.fill().await {
                    Ok(true) => {}
                    Ok(false) => return Some((Err(BoxError::from(malformed())), None)),
                    Err(e) => return Some((Err(BoxError::from(e)), None)),
                }
            }
        });
        StreamBody::new(stream).boxed_unsync()
    }
}

/// `body`, failing with `too_large` once more than `max` bytes have come through.
pub fn capped(body: RequestBody, max: u64, too_large: OssError) -> RequestBody {
    let mut seen = 0u64;
    let stream = BodyStream::new(body).map(move |frame| {
        let frame = frame?;
        if let Some(data) = frame.data_ref() {
            seen = seen.saturating_add(data.len() as u64);
            if seen > max {
                return Err(BoxError::from(too_large.clone()));
            }
        }
        Ok(frame)
    });
    StreamBody::new(stream).boxed_unsync()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::Full;

    /// A body delivered in pieces of `chunk` bytes, so boundaries straddle reads.
    fn body(data: &[u8], chunk: usize) -> RequestBody {
        let pieces: Vec<Result<http_body::Frame<Bytes>, BoxError>> =
            data.chunks(chunk.max(1)).map(|c| Ok(http_body::Frame::data(Bytes::copy_from_slice(c)))).collect();
        StreamBody::new(futures_util::stream::iter(pieces)).boxed_unsync()
    }

    fn form(parts: &[(&str, &str)], file: &[u8], after: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, value) in parts {
            out.extend(format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes());
        }
        out.extend(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a;b.txt\"\r\nContent-Type: text/plain\r\n\r\n",
        );
        out.extend(file);
        out.extend(format!("\r\n--XyZ{after}--\r\n").bytes());
        out
    }

    async fn read(data: &[u8], chunk: usize) -> Result<(Vec<Field>, FilePart, Vec<u8>)> {
        let mut reader = FormReader::new(body(data, chunk), "XyZ");
        let (fields, file) = reader.read_fields().await?;
        let mut content = Vec::new();
        let mut file_body = reader.into_file_body();
        while let Some(frame) = file_body.frame().await {
            let frame = frame.map_err(|e| e.downcast_ref::<OssError>().cloned().unwrap_or_else(malformed))?;
            content.extend_from_slice(frame.data_ref().map(|d| d.as_ref()).unwrap_or_default());
        }
        Ok((fields, file, content))
    }

    #[tokio::test]
    async fn fields_then_file_at_any_chunking() {
        // File content that looks almost like a delimiter must come through whole.
        let file = b"line\r\n--XyY-not-quite\r\n--Xy".repeat(50);
        let data = form(
            &[("key", "a/b.txt"), ("x-oss-meta-A", "1\r\n2")],
            &file,
            "\r\nContent-Disposition: form-data; name=\"submit\"\r\n\r\nUpload\r\n--XyZ",
        );
        for chunk in [1, 2, 3, 7, 64, 100_000] {
            let (fields, part, content) = read(&data, chunk).await.unwrap();
            assert_eq!(
                fields,
                vec![
                    Field { name: "key".into(), value: "a/b.txt".into() },
                    Field { name: "x-oss-meta-A".into(), value: "1\r\n2".into() },
                ],
                "chunk {chunk}"
            );
            assert_eq!(part, FilePart { filename: Some("a;b.txt".into()), content_type: Some("text/plain".into()) });
            assert_eq!(content, file, "chunk {chunk}");
        }
        assert_eq!(field(&read(&data, 5).await.unwrap().0, "X-OSS-META-a"), Some("1\r\n2"));
    }

    #[tokio::test]
    async fn empty_file_and_preamble() {
        let mut data = b"preamble\r\n".to_vec();
        data.extend(form(&[("key", "k")], b"", ""));
        let (fields, _, content) = read(&data, 4).await.unwrap();
        assert_eq!(fields.len(), 1);
        assert!(content.is_empty());
    }

    #[tokio::test]
    async fn errors() {
        let code = |r: Result<(Vec<Field>, FilePart, Vec<u8>)>| r.map(|_| ()).map_err(|e| e.code);
        let no_file = b"--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--XyZ--\r\n";
        assert_eq!(code(read(no_file, 3).await), Err(Code::IncorrectNumberOfFilesInPOSTRequest));
        // The body ends inside the file.
        let cut = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nhello";
        assert_eq!(code(read(cut, 3).await), Err(Code::MalformedPOSTRequest));
        assert_eq!(code(read(b"no boundary here", 3).await), Err(Code::MalformedPOSTRequest));
        let nameless = b"--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--";
        assert_eq!(code(read(nameless, 3).await), Err(Code::MalformedPOSTRequest));
        let long_name = "n".repeat(MAX_NAME + 1);
        assert_eq!(code(read(&form(&[(&long_name, "v")], b"x", ""), 1000).await), Err(Code::FieldItemTooLong));
        let long_value = "v".repeat(MAX_VALUE + 1);
        assert_eq!(code(read(&form(&[("a", &long_value)], b"x", ""), 65536).await), Err(Code::FieldItemTooLong));
        let big = "v".repeat(MAX_VALUE - 10);
        let many: Vec<(&str, &str)> = (0..5).map(|_| ("a", big.as_str())).collect();
        assert_eq!(code(read(&form(&many, b"x", ""), 65536).await), Err(Code::MaxPOSTPreDataLengthExceededError));
    }

    #[test]
    fn content_types() {
        assert_eq!(boundary(Some("multipart/form-data; boundary=----WebKit123")).unwrap(), "----WebKit123");
        assert_eq!(boundary(Some("Multipart/Form-Data;charset=utf-8; boundary=\"a b\"")).unwrap(), "a b");
        assert_eq!(
            boundary(Some("application/x-www-form-urlencoded")).unwrap_err().code,
            Code::RequestIsNotMultiPartContent
        );
        assert_eq!(boundary(None).unwrap_err().code, Code::RequestIsNotMultiPartContent);
        assert_eq!(boundary(Some("multipart/form-data")).unwrap_err().code, Code::MalformedPOSTRequest);
    }

    #[tokio::test]
    async fn capped_bodies() {
        let mut b = capped(
            Full::new(Bytes::from_static(b"12345")).map_err(|never| match never {}).boxed_unsync(),
            4,
            OssError::new(Code::EntityTooLarge),
        );
        let err = b.frame().await.unwrap().unwrap_err();
        assert_eq!(err.downcast_ref::<OssError>().unwrap().code, Code::EntityTooLarge);
    }
}
