//! OSS error codes with their HTTP status and default message (fact sheet §3), and the `<Error>`
//! document both sides exchange.

use std::fmt;

macro_rules! codes {
    ($($variant:ident = ($status:literal, $message:literal),)*) => {
        /// Every error code the emulator can return (the client also meets others from real OSS and
        /// keeps those as text).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The `<Code>` text.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => stringify!($variant),)* }
            }

            pub fn status(self) -> u16 {
                match self { $(Code::$variant => $status,)* }
            }

            /// The message OSS sends when nothing more specific applies.
            pub fn default_message(self) -> &'static str {
                match self { $(Code::$variant => $message,)* }
            }
        }
    };
}

codes! {
    AccessDenied = (403, "AccessDenied"),
    InvalidAccessKeyId = (403, "The OSS Access Key Id you provided does not exist in our records."),
    SignatureDoesNotMatch = (403, "The request signature we calculated does not match the signature you provided. Check your key and signing method."),
    RequestTimeTooSkewed = (403, "The difference between the request time and the current time is too large."),
    InvalidSecurityToken = (403, "The security token you provided is invalid."),
    SecondLevelDomainForbidden = (403, "Please use virtual hosted style to access."),
    NoSuchBucket = (404, "The specified bucket does not exist."),
    NoSuchKey = (404, "The specified key does not exist."),
    NoSuchVersion = (404, "The specified version does not exist."),
    InvalidTag = (400, "The TagKey you have provided is invalid."),
    TooManyTags = (400, "The bucket tags num is beyond limit."),
    RepeatedTags = (400, "Tag keys must be unique."),
    NoSuchLifecycle = (404, "No Row found in Lifecycle Table."),
    NoSuchCORSConfiguration = (404, "The CORS Configuration does not exist."),
    CORSRuleBeyondLimit = (400, "The CORS Rules num is beyond limit."),
    AccessForbidden = (403, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted by the resource's CORS spec."),
    BadRequest = (400, "Bad Request."),
    NoSuchServerSideEncryptionRule = (404, "The server side encryption configuration was not found."),
    InvalidTargetBucketForLogging = (400, "The target bucket for logging does not exist, is not owned by you, or does not have the appropriate grants for the log-delivery group."),
    // PostObject (HTML form upload).
    IncorrectNumberOfFilesInPOSTRequest = (400, "POST requires exactly one file upload per request."),
    RequestIsNotMultiPartContent = (400, "Bucket POST must be of the enclosure-type multipart/form-data."),
    MalformedPOSTRequest = (400, "The body of your POST request is not well-formed multipart/form-data."),
    FieldItemTooLong = (400, "Your name of form field is too long."),
    MaxPOSTPreDataLengthExceededError = (400, "Your POST request fields preceding the upload file were too large."),
    InvalidPolicyDocument = (400, "The content of the form does not meet the conditions specified in the policy document."),
    NoSuchBucketPolicy = (404, "The specified bucket policy does not exist."),
    NoSuchWORMConfiguration = (404, "The WORM Configuration does not exist."),
    WORMConfigurationLocked = (403, "The WORM Configuration is locked."),
    InvalidWORMConfiguration = (400, "Invalid WORM Configuration."),
    WORMConfigurationAlreadyExists = (409, "The WORM Configuration already exists."),
    FileImmutable = (409, "The object you specified is immutable."),
    CallbackFailed = (203, "Error status : -1."),
    BucketCallbackPolicyNotExist = (404, "The bucket callback policy does not exist."),
    PartNotSequential = (400, "For sequential multipart upload, you must upload or complete parts with sequential part number."),
    NoSuchWebsiteConfiguration = (404, "The specified bucket does not have a website configuration."),
    NoSuchInventory = (404, "No Row found in Inventory Table."),
    InventoryConfigurationAlreadyExists = (409, "The inventory configuration already exists."),
    InventoryExceedLimit = (400, "The number of inventory configurations exceeds the limit."),
    NoSuchTransferAccelerationConfiguration = (404, "The specified bucket does not have a transfer acceleration configuration."),
    ResourceGroupIdPreCheckError = (400, "The resource group id is invalid."),
    InvalidObjectState = (403, "The operation is not valid for the object's state."),
    RestoreAlreadyInProgress = (409, "The restore operation is in progress."),
    OperationNotSupported = (400, "The operation is not supported for this resource"),
    NoSuchRegion = (404, "The specified region does not exist."),
    NoSuchUpload = (404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed."),
    InvalidBucketName = (400, "The specified bucket is not valid."),
    InvalidObjectName = (400, "The specified object is not valid."),
    BucketAlreadyExists = (409, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."),
    BucketNotEmpty = (409, "The bucket you tried to delete is not empty."),
    TooManyBuckets = (400, "You have attempted to create more buckets than allowed."),
    InvalidLocationConstraint = (400, "The specified location-constraint is not valid"),
    InvalidArgument = (400, "Invalid Argument. Parameter is invalid."),
    MissingArgument = (400, "Missing Some Required Arguments."),
    MissingContentLength = (411, "You must provide the Content-Length HTTP header."),
    InvalidDigest = (400, "The Content-MD5 you specified was invalid."),
    MalformedXML = (400, "The XML you provided was not well-formed or did not validate against our published schema."),
    InvalidPart = (400, "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag."),
    InvalidPartOrder = (400, "The list of parts was not in ascending order. Parts list must specified in order by part number."),
    EntityTooSmall = (400, "Your proposed upload smaller than the minimum allowed size."),
    EntityTooLarge = (400, "Your proposed upload exceeds the maximum allowed size."),
    PreconditionFailed = (412, "At least one of the pre-conditions you specified did not hold."),
    NotModified = (304, "Not Modified"),
    InvalidRange = (416, "The requested range cannot be satisfied"),
    ObjectNotAppendable = (409, "The object is not appendable"),
    PositionNotEqualToLength = (409, "Position is not equal to file length"),
    NotSymlink = (400, "The object is not symlink."),
    SymlinkTargetNotExist = (404, "The symlink target object does not exist."),
    InvalidTargetType = (400, "The symbolic's target file type is invalid"),
    FileAlreadyExists = (409, "The object you specified already exists and can not be overwritten."),
    InvalidEncryptionAlgorithmError = (400, "The Encryption request you specified is not valid. Supported value: AES256/SM4/KMS."),
    NotImplemented = (400, "A header you provided implies functionality that is not implemented."),
    MethodNotAllowed = (405, "The specified method is not allowed against this resource."),
    InvalidRequest = (400, "Invalid Request."),
    RequestTimeout = (400, "Your socket connection to the server was not read from or written to within the timeout period."),
    InternalError = (500, "We encountered an internal error. Please try again."),
    ServiceUnavailable = (503, "Please reduce your request rate."),
}

impl Code {
    pub fn parse(s: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `<Error>` document: fixed elements plus operation-specific extras (Key, BucketName,
/// StringToSign, …) in the order OSS writes them, before `<EC>`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorDocument {
    pub code: String,
    pub message: String,
    pub request_id: String,
    pub host_id: String,
    pub extra: Vec<(String, String)>,
    pub ec: Option<String>,
}

impl ErrorDocument {
    pub fn to_xml(&self) -> String {
        use crate::xml::escape;
        let mut out = String::from(crate::xml::DECLARATION);
        out.push_str("<Error>\n");
        let mut elem = |name: &str, value: &str| {
            out.push_str(&format!("  <{name}>{}</{name}>\n", escape(value)));
        };
        elem("Code", &self.code);
        elem("Message", &self.message);
        elem("RequestId", &self.request_id);
        elem("HostId", &self.host_id);
        for (name, value) in &self.extra {
            elem(name, value);
        }
        if let Some(ec) = &self.ec {
            elem("EC", ec);
            elem("RecommendDoc", &format!("https://api.aliyun.com/troubleshoot?q={ec}"));
        }
        out.push_str("</Error>\n");
        out
    }

    /// Parses an `<Error>` document; `None` when the root is not `Error`.
    pub fn parse(xml: &str) -> Option<ErrorDocument> {
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_str(xml);
        let mut doc = ErrorDocument::default();
        let mut depth = 0usize;
        let mut current: Option<String> = None;
        let mut text = String::new();
        loop {
            match reader.read_event().ok()? {
                Event::Start(e) => {
                    depth += 1;
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    if depth == 1 && name != "Error" {
                        return None;
                    }
                    if depth == 2 {
                        current = Some(name);
                        text.clear();
                    }
                }
                Event::Text(t) if depth == 2 => text.push_str(&t.unescape().ok()?),
                Event::End(_) => {
                    if depth == 2 {
                        if let Some(name) = current.take() {
                            let value = std::mem::take(&mut text);
                            match name.as_str() {
                                "Code" => doc.code = value,
                                "Message" => doc.message = value,
                                "RequestId" => doc.request_id = value,
                                "HostId" => doc.host_id = value,
                                "EC" => doc.ec = Some(value),
                                "RecommendDoc" => {}
                                _ => doc.extra.push((name, value)),
                            }
                        }
                    }
                    depth = depth.saturating_sub(1);
                }
                Event::Empty(e) if depth == 1 => {
                    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                    doc.extra.push((name, String::new()));
                }
                Event::Eof => break,
                _ => {}
            }
        }
        (!doc.code.is_empty()).then_some(doc)
    }

    pub fn extra(&self, name: &str) -> Option<&str> {
        self.extra.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_extras() {
        let doc = ErrorDocument {
            code: "NoSuchKey".into(),
            message: Code::NoSuchKey.default_message().into(),
            request_id: "5C3D9175B6FC201293AD0000".into(),
            host_id: "b.oss-cn-hangzhou.aliyuncs.com".into(),
            extra: vec![("Key".into(), "a&b".into())],
            ec: Some("0026-00000001".into()),
        };
        let xml = doc.to_xml();
        assert!(xml.contains("<Key>a&amp;b</Key>"));
        assert_eq!(ErrorDocument::parse(&xml), Some(doc));
        assert_eq!(ErrorDocument::parse("<Other><Code>x</Code></Other>"), None);
    }

    #[test]
    fn statuses() {
        assert_eq!(Code::NotImplemented.status(), 400);
        assert_eq!(Code::MissingContentLength.status(), 411);
        assert_eq!(Code::parse("InvalidPartOrder"), Some(Code::InvalidPartOrder));
    }
}
