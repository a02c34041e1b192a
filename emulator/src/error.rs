//! The emulator's one error type. Every failure a request can meet becomes an [`OssError`] carrying
//! the exact OSS code, message, EC and extra elements; [`crate::respond`] turns it into the wire
//! form once (XML body, or `x-oss-err` on HEAD).

use std::borrow::Cow;

pub use oss_protocol::error::Code;

#[derive(Debug, Clone)]
pub struct OssError {
    pub code: Code,
    pub message: Cow<'static, str>,
    pub ec: Option<&'static str>,
    pub extra: Vec<(&'static str, String)>,
    /// Response headers an error still carries (e.g. `Content-Range` on 416).
    pub headers: Vec<(&'static str, String)>,
}

pub type Result<T, E = OssError> = std::result::Result<T, E>;

impl OssError {
    pub fn new(code: Code) -> Self {
        Self { code, message: Cow::Borrowed(code.default_message()), ec: None, extra: Vec::new(), headers: Vec::new() }
    }

    pub fn message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.message = message.into();
        self
    }

    pub fn ec(mut self, ec: &'static str) -> Self {
        self.ec = Some(ec);
        self
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((name, value.into()));
        self
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    pub fn no_such_bucket(bucket: &str) -> Self {
        Self::new(Code::NoSuchBucket).with("BucketName", bucket).ec("0015-00000101")
    }

    pub fn no_such_key(key: &str) -> Self {
        Self::new(Code::NoSuchKey).with("Key", key).ec("0026-00000001")
    }

    pub fn no_such_version(version_id: &str) -> Self {
        Self::new(Code::NoSuchVersion).with("VersionId", version_id).ec("0012-00000203")
    }

    pub fn no_such_upload(upload_id: &str) -> Self {
        Self::new(Code::NoSuchUpload).with("UploadId", upload_id).ec("0042-00000002")
    }

    pub fn invalid_argument(message: impl Into<Cow<'static, str>>, name: &str, value: &str) -> Self {
        Self::new(Code::InvalidArgument).message(message).with("ArgumentName", name).with("ArgumentValue", value)
    }

    pub fn access_denied(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Code::AccessDenied).message(message)
    }

    pub fn malformed_xml(detail: impl Into<String>) -> Self {
        Self::new(Code::MalformedXML).with("ErrorDetail", detail).ec("0016-00000608")
    }

    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {context}: {err}");
        Self::new(Code::InternalError)
    }
}

impl From<std::io::Error> for OssError {
    fn from(err: std::io::Error) -> Self {
        OssError::internal("I/O", err)
    }
}

impl std::fmt::Display for OssError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status(), self.message)
    }
}

impl std::error::Error for OssError {}
