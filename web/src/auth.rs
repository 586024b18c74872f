//! Who is asking: sessions (cookie or bearer token), CSRF tokens, passwords, permissions.
//!
//! [`resolve`] runs before every handler: it reads the session cookie or the bearer token,
//! puts a [`Viewer`] in the request when someone is logged in, and makes sure anonymous
//! visitors carry a CSRF cookie for the login and registration forms. Every permission rule
//! lives in this file.

use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use nongsan_domain::account::Role;
use nongsan_store::{SessionInfo, User};
use std::net::{IpAddr, SocketAddr};

pub const SESSION_COOKIE: &str = "sid";
pub const CSRF_COOKIE: &str = "csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A logged-in person.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: User,
    pub session: SessionInfo,
    /// The session token, to end the session on logout.
    pub token: String,
    /// Authenticated by `Authorization: Bearer` rather than the cookie.
    pub bearer: bool,
    /// For helpers: the current communes they work in.
    pub communes: Vec<String>,
}

impl Viewer {
    pub fn role(&self) -> Role {
        self.user.role
    }
    pub fn id(&self) -> i64 {
        self.user.id
    }
}

/// The anonymous visitor's CSRF token (from the cookie, or new on this response).
#[derive(Debug, Clone)]
struct AnonCsrf {
    token: String,
    is_new: bool,
}

/// Reads a cookie from request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, whole site.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "))?;
    Some(token.trim().to_owned())
}

/// Tokens are 64 hex characters; anything else is not looked up.
fn plausible_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Resolves the session and the CSRF cookie for every request; see the module documentation.
pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    let bearer_token = bearer(headers);
    let (token, is_bearer) = match bearer_token {
        Some(t) => (Some(t), true),
        None => (cookie(headers, SESSION_COOKIE), false),
    };
    let mut viewer = None;
    if let Some(token) = token.filter(|t| plausible_token(t)) {
        match state.store.session(&token).await {
            Ok(Some(session)) => match state.store.user(session.user_id).await {
                Ok(user) => {
                    let communes =
                        if user.role == Role::Helper { state.store.helper_communes(user.id).await.unwrap_or_default() } else { Vec::new() };
                    viewer = Some(Viewer { user, session, token, bearer: is_bearer, communes });
                }
                Err(e) => tracing::warn!(error = %e, "session without user"),
            },
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "session lookup failed"),
        }
    }
    let anon = match cookie(request.headers(), CSRF_COOKIE).filter(|t| plausible_token(t)) {
        Some(token) => AnonCsrf { token, is_new: false },
        None => AnonCsrf { token: nongsan_store::random_token(), is_new: true },
    };
    // A cookie-authenticated API write must echo the session's CSRF token in a header:
    // a cross-site form can send the cookie but cannot set the header.
    if let Some(v) = &viewer {
        let api = request.uri().path().starts_with("/api/");
        let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        if api && !safe && !v.bearer {
            let sent = request.headers().get(CSRF_HEADER).and_then(|h| h.to_str().ok()).unwrap_or("");
            if !constant_time_eq(sent, &v.session.csrf) {
                return axum::response::IntoResponse::into_response(AppError::Csrf);
            }
        }
    }
    if let Some(v) = &viewer {
        request.extensions_mut().insert(v.clone());
    }
    request.extensions_mut().insert(anon.clone());
    let mut response = next.run(request).await;
    // Error pages are rendered outside this layer and show who is logged in.
    if let Some(v) = viewer {
        response.extensions_mut().insert(v);
    }
    if anon.is_new {
        let value = set_cookie(CSRF_COOKIE, &anon.token, 365 * 24 * 3600, state.config.secure_cookies);
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Compares secrets without leaking where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// What every page handler needs: language, the viewer if any, the CSRF token for its forms.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub viewer: Option<Viewer>,
    pub csrf: String,
    /// The path and query of this request, for the language switch and login redirects.
    pub path: String,
    pub ip: Option<IpAddr>,
}

impl Ctx {
    /// The logged-in viewer, or 401 (pages redirect to the login form).
    pub fn require(&self) -> Result<&Viewer, AppError> {
        self.viewer.as_ref().ok_or(AppError::Unauthorized)
    }

    /// Refuses a form whose CSRF token is not the one this site gave.
    pub fn verify_csrf(&self, submitted: &str) -> Result<(), AppError> {
        if constant_time_eq(submitted, &self.csrf) { Ok(()) } else { Err(AppError::Csrf) }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let viewer = parts.extensions.get::<Viewer>().cloned();
        let anon = parts.extensions.get::<AnonCsrf>().map(|a| a.token.clone()).unwrap_or_default();
        let csrf = viewer.as_ref().map(|v| v.session.csrf.clone()).unwrap_or(anon);
        Ok(Ctx {
            lang: Lang::from_headers(&parts.headers, parts.uri.path().starts_with("/api/")),
            viewer,
            csrf,
            path: parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_else(|| "/".into()),
            ip: parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()),
        })
    }
}

/// Hashes a password with Argon2id (on a blocking thread: it is deliberately slow).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| AppError::Internal(e.to_string()))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| AppError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

/// Checks a password against a stored hash; a missing hash still costs one verification,
/// so response times do not tell which phone numbers have accounts.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2Nw6ZTr0hqBRAeEk9DwzhNyYjMgnCHgg3WqTlE1jYqg";
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY.to_owned());
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&hash) else { return false };
        Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && known
    })
    .await
    .unwrap_or(false)
}

/// May `viewer` act for `farmer` (create and edit their listings, edit their profile)?
/// The farmer themself; a helper for farmers of their communes; an admin for anyone.
pub fn can_act_for(viewer: &Viewer, farmer: &User) -> bool {
    if farmer.role != Role::Farmer {
        return false;
    }
    match viewer.role() {
        Role::Farmer => viewer.id() == farmer.id,
        Role::Helper => farmer.profile.commune.as_ref().is_some_and(|c| viewer.communes.contains(c)),
        Role::Admin => true,
        Role::Curator => false,
    }
}

/// May `viewer` see a listing that is not public? Those who may act for its farmer, and
/// reviewers.
pub fn can_see_private(viewer: &Viewer, farmer: &User) -> bool {
    viewer.role().reviews() || can_act_for(viewer, farmer)
}

/// 403 unless the viewer reviews listings.
pub fn require_reviewer(viewer: &Viewer) -> Result<(), AppError> {
    if viewer.role().reviews() { Ok(()) } else { Err(AppError::Forbidden) }
}
