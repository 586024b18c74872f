//! The postmart.vn merchant Open API client (API mode).
//!
//! What the public docs state (the envelope, categories) lives in [`envelope`] and
//! [`categories`]; everything guessed (authentication, products, images, orders, the meaning of
//! non-200 codes) lives in [`provisional`], so that reading the live docs means correcting one
//! file. Every call goes through [`PostmartClient::send`], where transport failures are
//! classified and every error detail is scrubbed of the token.

mod categories;
mod envelope;
mod loose;
pub mod provisional;

pub(crate) use categories::CATEGORIES_PATH;
pub use categories::Category;

use crate::ChannelError;
use crate::error::Scrub;
use envelope::{Call, Reply};
use reqwest::Url;
use serde::de::DeserializeOwned;
use std::fmt;
use std::time::Duration;

/// A postmart merchant account, spoken to over HTTP.
pub struct PostmartClient {
    http: reqwest::Client,
    /// Always ends with `/`, so relative API paths join under it rather than replacing its
    /// last segment.
    base: Url,
    token: String,
    timeout: Duration,
    scrub: Scrub,
}

impl fmt::Debug for PostmartClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A base URL may carry userinfo; it is as secret as the token.
        let mut base = self.base.clone();
        let _ = base.set_password(None);
        let _ = base.set_username("");
        f.debug_struct("PostmartClient")
            .field("base", &base.as_str())
            .field("token", &"[redacted]")
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl PostmartClient {
    /// A client for the API at `base_url` (with or without a trailing slash). `timeout` bounds
    /// each whole request, answer included.
    ///
    /// A malformed base URL or token is reported as [`ChannelError::Credentials`]: like an
    /// expired token, it is the channel account's settings that a person must correct.
    pub fn new(base_url: &str, token: &str, timeout: Duration) -> Result<Self, ChannelError> {
        let scrub = Scrub::new(token);
        let mut base =
            Url::parse(base_url.trim()).map_err(|e| ChannelError::Credentials(scrub.clean(&format!("base URL is not a URL: {e}"))))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(ChannelError::Credentials("base URL must be http(s)".into()));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        if token.is_empty() || token.chars().any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii()) {
            return Err(ChannelError::Credentials("token is empty or has characters a header cannot carry".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("nongsan/", env!("CARGO_PKG_VERSION")))
            // A redirect from an API is a login or error page; following it would only hide that.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ChannelError::Unavailable(scrub.clean(&describe(e))))?;
        Ok(Self { http, base, token: token.to_owned(), timeout, scrub })
    }

    /// The API root requests are sent under, always with a trailing slash.
    pub fn base_url(&self) -> &str {
        self.base.as_str()
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<Url, ChannelError> {
        let mut url = self.base.join(path).map_err(|e| ChannelError::Protocol(format!("bad path {path}: {e}")))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, &str)]) -> Result<T, ChannelError> {
        let request = self.http.get(self.url(path, query)?);
        self.send(request, Call::Read).await
    }

    async fn post_json<T: DeserializeOwned>(&self, path: &str, body: &serde_json::Value, call: Call) -> Result<T, ChannelError> {
        let request = self.http.post(self.url(path, &[])?).json(body);
        self.send(request, call).await
    }

    async fn post_bytes<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        content_type: &str,
        body: Vec<u8>,
        call: Call,
    ) -> Result<T, ChannelError> {
        let request = self.http.post(self.url(path, query)?).header(reqwest::header::CONTENT_TYPE, content_type).body(body);
        self.send(request, call).await
    }

    /// Sends one request and decodes its envelope. A request that could not connect never
    /// reached the platform, so even a write is then merely [`ChannelError::Unavailable`];
    /// once sent, a lost answer to a write is [`ChannelError::UnknownOutcome`].
    async fn send<T: DeserializeOwned>(&self, request: reqwest::RequestBuilder, call: Call) -> Result<T, ChannelError> {
        let request = provisional::authorize(request, &self.token);
        let lost = |e: reqwest::Error| {
            let (timed_out, never_sent) = (e.is_timeout(), e.is_connect());
            let detail = self.scrub.clean(&describe(e));
            let detail = if timed_out { format!("no answer within {} ms ({detail})", self.timeout.as_millis()) } else { detail };
            if never_sent || call == Call::Read { ChannelError::Unavailable(detail) } else { ChannelError::UnknownOutcome(detail) }
        };
        let response = request.send().await.map_err(lost)?;
        let status = response.status().as_u16();
        let header = |name: reqwest::header::HeaderName| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let retry_after = header(reqwest::header::RETRY_AFTER);
        let body = response.bytes().await.map_err(lost)?;
        let reply = Reply { status, content_type, retry_after, body: body.to_vec() };
        let result = envelope::decode(&reply, call, &self.scrub);
        if let Err(error) = &result {
            tracing::debug!(channel = "postmart", status, kind = error.kind(), "postmart call failed");
        }
        result
    }
}

/// The error and its causes on one line, without the URL (which may carry query values).
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
