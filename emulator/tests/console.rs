//! The web console's endpoints over a real socket: the pages and their admission (login form,
//! cookie, bearer token), and the JSON endpoints it adds to the control API (buckets with totals,
//! objects by folder, one object's metadata and bytes, uploads in flight, and the changes, which
//! run as journaled OSS requests that fault rules apply to). The browser side is
//! `.ci/console-browser.sh`.

use oss_emulator::{AuthMode, Emulator, RunningEmulator};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

fn http() -> Client {
    Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn call(
    em: &RunningEmulator,
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut req = http().request(method, format!("{}{path}", em.endpoint()));
    for (n, v) in headers {
        req = req.header(*n, *v);
    }
    if let Some(b) = body {
        req = req.body(b);
    }
    let resp = req.send().await.expect("send");
    let (status, headers) = (resp.status(), resp.headers().clone());
    let body = resp.bytes().await.expect("body").to_vec();
    Answer { status, headers, body }
}

async fn control(em: &RunningEmulator, method: Method, path: &str, body: Option<Value>) -> Answer {
    let body = body.map(|b| b.to_string().into_bytes());
    call(em, method, &format!("/_emulator/{path}"), body, &[("content-type", "application/json")]).await
}

async fn journal(em: &RunningEmulator, operation: &str) -> Vec<Value> {
    let a = control(em, Method::GET, &format!("journal?operation={operation}"), None).await;
    a.json()["entries"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn buckets_objects_and_downloads_through_the_console_api() {
    let em = Emulator::builder().start().await.expect("start");
    let created = control(&em, Method::POST, "buckets", Some(json!({ "name": "photos", "acl": "public-read" }))).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text());
    assert!(!created.json()["request_id"].as_str().unwrap_or_default().is_empty());

    for (key, body, ty) in [
        ("top.txt", "hello console", "text/plain"),
        ("a/b.txt", "nested", "text/plain"),
        ("a/c/d.bin", "x", "application/octet-stream"),
    ] {
        let put = call(
            &em,
            Method::PUT,
            &format!("/_emulator/buckets/photos/object?key={key}"),
            Some(body.into()),
            &[("content-type", ty)],
        )
        .await;
        assert_eq!(put.status, StatusCode::OK, "{key}: {}", put.text());
        assert!(put.json()["etag"].as_str().is_some_and(|e| e.starts_with('"')), "{}", put.text());
    }

    let list = control(&em, Method::GET, "buckets", None).await.json();
    let bucket = &list["buckets"][0];
    assert_eq!(bucket["name"], "photos");
    assert_eq!(bucket["region"], em.region());
    assert_eq!(bucket["acl"], "public-read");
    assert_eq!(bucket["owner_access_key_id"], "oss-emulator-ak");
    assert_eq!((bucket["objects"].as_u64(), bucket["bytes"].as_u64()), (Some(3), Some(13 + 6 + 1)));
    assert_eq!(list["regions"][0], em.region());

    let top = control(&em, Method::GET, "buckets/photos/objects?prefix=&delimiter=/", None).await.json();
    assert_eq!(top["folders"], json!(["a/"]));
    let objects = top["objects"].as_array().expect("objects");
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0]["key"], "top.txt");
    assert_eq!(objects[0]["content_type"], "text/plain");
    assert_eq!(objects[0]["storage_class"], "Standard");
    assert!(objects[0]["crc64"].as_str().is_some_and(|c| c.parse::<u64>().is_ok()));
    let nested = control(&em, Method::GET, "buckets/photos/objects?prefix=a/", None).await.json();
    assert_eq!((nested["folders"].clone(), nested["objects"][0]["key"].clone()), (json!(["a/c/"]), json!("a/b.txt")));
    let paged = control(&em, Method::GET, "buckets/photos/objects?delimiter=&max=2", None).await.json();
    assert_eq!((paged["truncated"].as_bool(), paged["next_marker"].as_str()), (Some(true), Some("a/c/d.bin")));

    let meta = control(&em, Method::GET, "buckets/photos/object?key=top.txt", None).await.json();
    assert_eq!(meta["object"]["size"], 13);
    assert!(meta["acl"].as_str().is_some_and(|a| a.starts_with("default")), "{meta}");

    let download =
        call(&em, Method::GET, "/_emulator/buckets/photos/object/content?key=top.txt&download=1", None, &[]).await;
    assert_eq!((download.status, download.text().as_str()), (StatusCode::OK, "hello console"));
    assert!(download.header("content-disposition").is_some_and(|d| d.starts_with("attachment; filename=\"top.txt\"")));
    let preview =
        call(&em, Method::GET, "/_emulator/buckets/photos/object/content?key=top.txt&preview_bytes=5", None, &[]).await;
    assert_eq!((preview.status, preview.text().as_str()), (StatusCode::PARTIAL_CONTENT, "hello"));

    // The console's changes are OSS requests of the owner's account: journaled as such.
    let puts = journal(&em, "PutObject").await;
    assert_eq!(puts.len(), 3);
    assert_eq!(
        (puts[0]["auth"].as_str(), puts[0]["access_key_id"].as_str()),
        (Some("console"), Some("oss-emulator-ak"))
    );
    assert_eq!(journal(&em, "PutBucket").await.len(), 1);
    assert_eq!(journal(&em, "GetObject").await.len(), 2);

    let full = control(&em, Method::DELETE, "buckets/photos", None).await;
    assert_eq!(full.status, StatusCode::CONFLICT);
    assert_eq!(full.json()["code"], "BucketNotEmpty");
    for key in ["top.txt", "a/b.txt", "a/c/d.bin"] {
        let gone = control(&em, Method::DELETE, &format!("buckets/photos/object?key={key}"), None).await;
        assert_eq!((gone.status, gone.json()["status"].as_u64()), (StatusCode::OK, Some(204)), "{}", gone.text());
    }
    let missing = control(&em, Method::GET, "buckets/photos/object?key=top.txt", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(control(&em, Method::DELETE, "buckets/photos", None).await.status, StatusCode::OK);
    assert_eq!(control(&em, Method::GET, "buckets", None).await.json()["buckets"], json!([]));
    assert_eq!(control(&em, Method::GET, "buckets/photos/objects", None).await.status, StatusCode::NOT_FOUND);
    em.shutdown().await;
}

#[tokio::test]
async fn bucket_creation_is_checked_before_it_is_sent() {
    let em = Emulator::builder().start().await.expect("start");
    let bad_region = control(&em, Method::POST, "buckets", Some(json!({ "name": "b1", "region": "us-west-1" }))).await;
    assert_eq!(bad_region.status, StatusCode::BAD_REQUEST, "{}", bad_region.text());
    let bad_owner = control(&em, Method::POST, "buckets", Some(json!({ "name": "b1", "owner": "nobody" }))).await;
    assert_eq!(bad_owner.status, StatusCode::BAD_REQUEST);
    let bad_name = control(&em, Method::POST, "buckets", Some(json!({ "name": "<x>" }))).await;
    assert_eq!(bad_name.status, StatusCode::BAD_REQUEST);
    // OSS's own rules answer as OSS: a too-short name is InvalidBucketName.
    let short = control(&em, Method::POST, "buckets", Some(json!({ "name": "ab" }))).await;
    assert_eq!((short.status, short.json()["code"].as_str()), (StatusCode::BAD_REQUEST, Some("InvalidBucketName")));
    let ia = control(&em, Method::POST, "buckets", Some(json!({ "name": "cold-one", "storage_class": "IA" }))).await;
    assert_eq!(ia.status, StatusCode::OK, "{}", ia.text());
    assert_eq!(control(&em, Method::GET, "buckets", None).await.json()["buckets"][0]["storage_class"], "IA");
    let ops = control(&em, Method::GET, "operations", None).await.json();
    assert!(ops["operations"].as_array().is_some_and(|o| o.contains(&json!("PutObject"))));
    em.shutdown().await;
}

#[tokio::test]
async fn uploads_in_flight_are_listed_with_their_parts() {
    let em = Emulator::builder().auth(AuthMode::Off).start().await.expect("start");
    assert_eq!(control(&em, Method::POST, "buckets", Some(json!({ "name": "big" }))).await.status, StatusCode::OK);
    let init = call(&em, Method::POST, "/big/movie.mp4?uploads", None, &[("content-type", "video/mp4")]).await;
    let text = init.text();
    let id = text.split("<UploadId>").nth(1).and_then(|s| s.split("</UploadId>").next()).expect("upload id").to_owned();
    for n in [1, 2] {
        let part = call(
            &em,
            Method::PUT,
            &format!("/big/movie.mp4?partNumber={n}&uploadId={id}"),
            Some(vec![b'x'; 100 * n]),
            &[],
        )
        .await;
        assert_eq!(part.status, StatusCode::OK);
    }
    let uploads = control(&em, Method::GET, "buckets/big/uploads", None).await.json();
    let u = &uploads["uploads"][0];
    assert_eq!((u["key"].as_str(), u["upload_id"].as_str()), (Some("movie.mp4"), Some(id.as_str())));
    assert_eq!(u["content_type"], "video/mp4");
    assert_eq!(u["bytes"], 300);
    assert_eq!(u["parts"].as_array().map(Vec::len), Some(2));
    assert_eq!(u["parts"][1]["number"], 2);
    assert_eq!(u["parts"][1]["size"], 200);
    em.shutdown().await;
}

#[tokio::test]
async fn fault_rules_apply_to_what_the_console_does() {
    let em = Emulator::builder().start().await.expect("start");
    assert_eq!(control(&em, Method::POST, "buckets", Some(json!({ "name": "flaky" }))).await.status, StatusCode::OK);
    let rule = json!({ "operation": "PutObject", "action": { "type": "error", "code": "SlowDown", "status": 503 } });
    assert_eq!(control(&em, Method::POST, "faults", Some(rule)).await.status, StatusCode::CREATED);
    let failed = call(&em, Method::PUT, "/_emulator/buckets/flaky/object?key=k", Some(b"data".to_vec()), &[]).await;
    assert_eq!(failed.status, StatusCode::SERVICE_UNAVAILABLE);
    let answer = failed.json();
    assert_eq!(answer["code"], "SlowDown");
    let entry = &journal(&em, "PutObject").await[0];
    assert_eq!(entry["request_id"], answer["request_id"]);
    assert!(entry["fault"].as_str().is_some(), "{entry}");
    // Once: the next upload goes through.
    let ok = call(&em, Method::PUT, "/_emulator/buckets/flaky/object?key=k", Some(b"data".to_vec()), &[]).await;
    assert_eq!(ok.status, StatusCode::OK);
    em.shutdown().await;
}

#[tokio::test]
async fn a_signature_mismatch_is_journaled_with_what_the_emulator_signed() {
    let em = Emulator::builder().start().await.expect("start");
    let date = "Wed, 02 Dec 2026 03:00:00 GMT";
    // The clock must agree with the request's date or the skew check answers first.
    em.clock().freeze(oss_protocol::time::parse_http_date(date).expect("a date"));
    let resp = call(
        &em,
        Method::GET,
        "/",
        None,
        &[("date", date), ("x-oss-meta-who", "me"), ("authorization", "OSS oss-emulator-ak:d3Jvbmcgc2lnbmF0dXJl")],
    )
    .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN, "{}", resp.text());
    let entries = control(&em, Method::GET, "journal", None).await.json();
    let entry = &entries["entries"][0];
    assert_eq!(entry["error_code"], "SignatureDoesNotMatch");
    assert_eq!(entry["access_key_id"], "oss-emulator-ak", "whose request it was");
    assert!(entry["auth_error"].as_str().is_some_and(|e| e.starts_with("SignatureDoesNotMatch")), "{entry}");
    let sig = &entry["signature"];
    assert_eq!(sig["version"], "v1");
    assert_eq!(sig["string_to_sign"], format!("GET\n\n\n{date}\nx-oss-meta-who:me\n/"));
    assert!(sig["signed_headers"].as_array().is_some_and(|h| h.contains(&json!("x-oss-meta-who"))), "{sig}");
    // The headers are there for the detail view, the signature is not.
    let headers = entry["headers"].as_array().expect("headers");
    assert!(headers.contains(&json!(["authorization", "OSS oss-emulator-ak:****"])), "{headers:?}");
    assert!(!entries.to_string().contains("d3Jvbmcgc2lnbmF0dXJl"));
    em.shutdown().await;
}

#[tokio::test]
async fn the_console_is_served_from_the_binary_and_guarded_by_the_admin_token() {
    let em = Emulator::builder().admin_token("s3cret").start().await.expect("start");
    // The page and the API are closed without the token; the login form says why.
    let login = call(&em, Method::GET, "/_emulator/ui/", None, &[]).await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    assert!(login.text().contains("name=\"token\""));
    assert_eq!(control(&em, Method::GET, "buckets", None).await.status, StatusCode::UNAUTHORIZED);
    let redirect = call(&em, Method::GET, "/_emulator/ui", None, &[]).await;
    assert_eq!((redirect.status, redirect.header("location")), (StatusCode::SEE_OTHER, Some("/_emulator/ui/")));

    let form = [("content-type", "application/x-www-form-urlencoded")];
    let wrong = call(&em, Method::POST, "/_emulator/ui/login", Some(b"token=nope".to_vec()), &form).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.header("set-cookie").is_none());
    let right = call(&em, Method::POST, "/_emulator/ui/login", Some(b"token=s3cret".to_vec()), &form).await;
    assert_eq!(right.status, StatusCode::SEE_OTHER);
    let set_cookie = right.header("set-cookie").expect("a cookie").to_owned();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    assert!(!set_cookie.contains("s3cret"), "the cookie is not the token");
    let cookie = set_cookie.split(';').next().expect("name=value").to_owned();

    let page = call(&em, Method::GET, "/_emulator/ui/", None, &[("cookie", &cookie)]).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("app.js"));
    assert!(page.header("content-security-policy").is_some_and(|c| c.contains("default-src 'self'")));
    let buckets = call(&em, Method::GET, "/_emulator/buckets", None, &[("cookie", &cookie)]).await;
    assert_eq!(buckets.status, StatusCode::OK);
    // A change with the cookie alone could come from another site's form: it needs the header.
    let body = json!({ "name": "by-cookie" }).to_string().into_bytes();
    let bare = call(&em, Method::POST, "/_emulator/buckets", Some(body.clone()), &[("cookie", &cookie)]).await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN);
    let console = [("cookie", cookie.as_str()), ("x-oss-emulator-console", "1")];
    assert_eq!(call(&em, Method::POST, "/_emulator/buckets", Some(body), &console).await.status, StatusCode::OK);
    // The bearer token works as before, for every endpoint.
    let bearer = call(&em, Method::GET, "/_emulator/buckets", None, &[("authorization", "Bearer s3cret")]).await;
    assert_eq!(bearer.json()["buckets"][0]["name"], "by-cookie");
    let logout = call(&em, Method::POST, "/_emulator/ui/logout", None, &[("cookie", &cookie)]).await;
    assert!(logout.header("set-cookie").is_some_and(|c| c.contains("Max-Age=0")));

    // Everything the page loads is in the binary: no other origin is named.
    for asset in ["app.js", "app.css", "icon.svg"] {
        let a = call(&em, Method::GET, &format!("/_emulator/ui/{asset}"), None, &[]).await;
        assert_eq!(a.status, StatusCode::OK, "{asset}");
        let text = a.text().replace("http://www.w3.org/2000/svg", "");
        assert!(
            !text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"),
            "{asset} names another origin"
        );
    }
    assert!(!page.text().contains("http"), "the page names another origin");
    em.shutdown().await;
}
