//! The web console at `/_emulator/ui/`: one page, its script and its style, compiled into the
//! binary (`emulator/console/`), so it works offline and needs nothing but the emulator. The page
//! talks to the JSON control API ([`crate::control`], and [`api`] for buckets and objects).
//!
//! With an admin token, the console shows a login form; the token it is given is checked and
//! remembered in an HttpOnly cookie (a hash of the token, never the token itself) that the whole
//! control API then accepts alongside `Authorization: Bearer`. A change (any method but GET and
//! HEAD) made with the cookie must also carry the `x-oss-emulator-console` header, which a form
//! or image on another site cannot add: the cookie alone cannot be used for cross-site requests.

pub mod api;

use std::sync::Arc;

use http::{HeaderMap, Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use sha2::{Digest, Sha256};

use crate::body::{self, Body};
use crate::control::{problem, Problem};
use crate::State;

/// The cookie the login form sets.
pub const COOKIE: &str = "oss_emulator_console";

/// Where the cookie is sent: the whole control plane, which accepts it.
const COOKIE_PATH: &str = "/_emulator";

/// The header a cookie-authenticated change must carry (see the module docs).
pub const CONSOLE_HEADER: &str = "x-oss-emulator-console";

/// Login bodies are one short form field.
const MAX_LOGIN_BODY: usize = 64 * 1024;

const INDEX_HTML: &str = include_str!("../console/index.html");
const LOGIN_HTML: &str = include_str!("../console/login.html");
const APP_JS: &str = include_str!("../console/app.js");
const APP_CSS: &str = include_str!("../console/app.css");
const ICON_SVG: &[u8] = include_bytes!("../console/icon.svg");

/// Everything comes from the emulator itself: no CDN, no inline script, no framing.
const CSP: &str = "default-src 'self'; img-src 'self' blob: data:; media-src 'self'; style-src 'self'; \
                   script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'";

/// The cookie value for a token: a hash, so a leaked cookie jar does not leak the token itself.
fn cookie_value(token: &str) -> String {
    hex::encode(Sha256::digest(format!("oss-emulator-console\0{token}").as_bytes()))
}

fn cookie_from(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// How a request proved it may use the control plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Admission {
    /// No admin token is configured: the control plane is open, as it always was.
    Open,
    Bearer,
    Cookie,
}

fn admission(state: &State, headers: &HeaderMap) -> Option<Admission> {
    let Some(token) = &state.config.admin_token else { return Some(Admission::Open) };
    let bearer = headers.get(http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if bearer.and_then(|b| b.strip_prefix("Bearer ")).is_some_and(|b| oss_protocol::sign::constant_time_eq(b, token)) {
        return Some(Admission::Bearer);
    }
    let cookie = cookie_from(headers)?;
    oss_protocol::sign::constant_time_eq(cookie, &cookie_value(token)).then_some(Admission::Cookie)
}

/// The control plane's gate: `Err` is the answer to send instead.
pub fn admit(state: &State, method: &Method, headers: &HeaderMap) -> Result<(), Problem> {
    match admission(state, headers) {
        None => Err(problem(
            StatusCode::UNAUTHORIZED,
            "the control API needs 'Authorization: Bearer <admin token>' (or the console's login at /_emulator/ui/)",
        )),
        Some(Admission::Cookie)
            if !matches!(*method, Method::GET | Method::HEAD) && !headers.contains_key(CONSOLE_HEADER) =>
        {
            Err(problem(
                StatusCode::FORBIDDEN,
                format!("a change made with the console's cookie needs the {CONSOLE_HEADER} header"),
            ))
        }
        Some(_) => Ok(()),
    }
}

fn asset(content_type: &str, data: impl Into<bytes::Bytes>) -> Response<Body> {
    let mut resp = Response::new(body::full(data.into()));
    set_page_headers(&mut resp, content_type);
    resp
}

fn set_page_headers(resp: &mut Response<Body>, content_type: &str) {
    let h = resp.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = http::HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set("content-type", content_type);
    set("content-security-policy", CSP);
    set("x-content-type-options", "nosniff");
    set("referrer-policy", "no-referrer");
    // The page is part of the binary; a newer binary must not be hidden behind a cached copy.
    set("cache-control", "no-cache");
}

fn redirect(to: &str, cookie: Option<String>) -> Response<Body> {
    let mut resp = Response::new(body::empty());
    *resp.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = http::HeaderValue::from_str(to) {
        resp.headers_mut().insert(http::header::LOCATION, v);
    }
    if let Some(c) = cookie.and_then(|c| http::HeaderValue::from_str(&c).ok()) {
        resp.headers_mut().insert(http::header::SET_COOKIE, c);
    }
    resp
}

fn login_page(status: StatusCode, message: &str) -> Response<Body> {
    let page = LOGIN_HTML.replace("{{message}}", message);
    let mut resp = asset("text/html; charset=utf-8", page);
    *resp.status_mut() = status;
    resp
}

/// Answers everything under `/_emulator/ui`.
pub async fn serve(state: &Arc<State>, req: Request<Incoming>) -> Response<Body> {
    let page = req.uri().path().trim_start_matches(crate::control::PREFIX).trim_start_matches("ui").to_owned();
    let admitted = admission(state, req.headers()).is_some();
    match (req.method().clone(), page.as_str()) {
        // Relative links in the page assume the trailing slash.
        (Method::GET, "") => redirect("/_emulator/ui/", None),
        (Method::GET | Method::HEAD, "/") if admitted => asset("text/html; charset=utf-8", INDEX_HTML),
        (Method::GET | Method::HEAD, "/") => login_page(StatusCode::UNAUTHORIZED, ""),
        // The script, style and icon are the same bytes in every copy of the binary: nothing
        // secret, and the login page uses the style.
        (Method::GET | Method::HEAD, "/app.js") => asset("text/javascript; charset=utf-8", APP_JS),
        (Method::GET | Method::HEAD, "/app.css") => asset("text/css; charset=utf-8", APP_CSS),
        (Method::GET | Method::HEAD, "/icon.svg") => asset("image/svg+xml", ICON_SVG),
        (Method::POST, "/login") => login(state, req).await,
        (Method::POST, "/logout") => {
            let clear = format!("{COOKIE}=; Path={COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age=0");
            redirect("/_emulator/ui/", Some(clear))
        }
        (method, _) => {
            problem(StatusCode::NOT_FOUND, format!("no console page {method} {}", req.uri().path())).into_response()
        }
    }
}

async fn login(state: &Arc<State>, req: Request<Incoming>) -> Response<Body> {
    let Some(token) = state.config.admin_token.clone() else { return redirect("/_emulator/ui/", None) };
    let form = match state.body_budget.read(req.into_body(), MAX_LOGIN_BODY).await {
        Ok(buffered) => buffered.data,
        Err(_) => return login_page(StatusCode::BAD_REQUEST, "The login form could not be read."),
    };
    let fields = oss_protocol::encoding::parse_query(&String::from_utf8_lossy(&form));
    let given = fields.iter().find(|(n, _)| n == "token").map(|(_, v)| v.as_str()).unwrap_or_default();
    if !oss_protocol::sign::constant_time_eq(given, &token) {
        return login_page(StatusCode::UNAUTHORIZED, "That is not the emulator's admin token.");
    }
    let cookie = format!("{COOKIE}={}; Path={COOKIE_PATH}; HttpOnly; SameSite=Strict", cookie_value(&token));
    redirect("/_emulator/ui/", Some(cookie))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_found_among_others_and_is_not_the_token() {
        let mut h = HeaderMap::new();
        h.insert(http::header::COOKIE, http::HeaderValue::from_static("a=1; oss_emulator_console=abc; b=2"));
        assert_eq!(cookie_from(&h), Some("abc"));
        assert_ne!(cookie_value("secret"), "secret");
        assert_eq!(cookie_value("secret").len(), 64);
    }
}
