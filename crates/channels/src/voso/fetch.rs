//! A polite reader of public voso.vn pages.
//!
//! It says who it is (a user agent naming nongsan, with a contact URL), reads robots.txt
//! before anything else on a host and keeps it for an hour, sends at most one request per
//! second to a host (longer when robots.txt asks with `Crawl-delay`), gives each request a
//! timeout, and retries what may pass (timeouts, refused connections, 5xx, 429) with
//! exponential backoff. An answer that is not HTML is an error that says what came instead.
//!
//! The pacing holds within one process (every job of a worker shares one fetcher); the
//! channel account's request budget in the database adds a limit across processes.

use super::robots::Robots;
use crate::ChannelError;
use crate::error::Scrub;
use reqwest::Url;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The product token robots.txt groups are matched against.
pub const AGENT_TOKEN: &str = "nongsan";
/// Where voso's operators can read who we are. `.invalid` on purpose: a deployment names its
/// own page with `NONGSAN_CONTACT_URL`; a made-up real-looking address would point them at
/// someone else.
pub const DEFAULT_CONTACT_URL: &str = "https://nongsan.invalid/bot";
/// How long a host's robots.txt is kept.
const ROBOTS_TTL: Duration = Duration::from_secs(3600);
/// The longest Retry-After waited for inside one fetch; a longer one goes back to the job.
const MAX_INLINE_RETRY_AFTER: Duration = Duration::from_secs(30);

/// How the fetcher behaves.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Each request gives up after this long.
    pub timeout: Duration,
    /// Least time between two requests to the same host.
    pub min_interval: Duration,
    /// Tries per page, the first included.
    pub attempts: u32,
    /// Wait before the second try; doubled before each further one.
    pub backoff: Duration,
    /// Named in the user agent.
    pub contact_url: String,
    /// Larger pages are refused.
    pub max_bytes: usize,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            timeout: Duration::from_secs(20),
            min_interval: Duration::from_secs(1),
            attempts: 3,
            backoff: Duration::from_secs(2),
            contact_url: std::env::var("NONGSAN_CONTACT_URL")
                .ok()
                .filter(|u| !u.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_CONTACT_URL.into()),
            max_bytes: 5 * 1024 * 1024,
        }
    }
}

/// The user agent for a contact URL.
pub fn user_agent(contact_url: &str) -> String {
    format!(
        "nongsan/{} (+{contact_url}; reads the public pages of Di Linh farmers' own listings, at most one request per second)",
        env!("CARGO_PKG_VERSION")
    )
}

/// A page as answered.
#[derive(Debug, Clone)]
pub struct Page {
    /// Where the page came from in the end (after redirects).
    pub url: String,
    /// 200 for a page; 404 or 410 for a page that is gone (the body is then the error page).
    pub status: u16,
    pub body: String,
}

/// Reads pages politely; share one per process.
pub struct PageFetcher {
    http: reqwest::Client,
    settings: FetchSettings,
    user_agent: String,
    min_interval_ms: AtomicU64,
    robots: Mutex<HashMap<String, (Instant, Robots)>>,
    /// Held while a robots.txt is fetched, so concurrent first reads fetch it once.
    robots_fetch: tokio::sync::Mutex<()>,
    /// Per host: when its next request may leave.
    next_slot: Mutex<HashMap<String, Instant>>,
}

impl std::fmt::Debug for PageFetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageFetcher").field("user_agent", &self.user_agent).field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// What one request brought back.
struct Raw {
    url: String,
    status: u16,
    content_type: Option<String>,
    retry_after: Option<Duration>,
    body: Vec<u8>,
}

impl PageFetcher {
    pub fn new(settings: FetchSettings) -> Result<PageFetcher, ChannelError> {
        let user_agent = user_agent(&settings.contact_url);
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(user_agent.clone())
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| ChannelError::Unavailable(describe(e)))?;
        let min_interval_ms = AtomicU64::new(settings.min_interval.as_millis() as u64);
        Ok(PageFetcher {
            http,
            settings,
            user_agent,
            min_interval_ms,
            robots: Mutex::new(HashMap::new()),
            robots_fetch: tokio::sync::Mutex::new(()),
            next_slot: Mutex::new(HashMap::new()),
        })
    }

    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// Changes the least time between two requests to a host (tests and benchmarks).
    pub fn set_min_interval(&self, interval: Duration) {
        self.min_interval_ms.store(interval.as_millis() as u64, Ordering::Relaxed);
    }

    /// Reads the page at `url`: an HTML page (status 200), or the error page of a page that is
    /// gone (404, 410). Robots.txt forbidding it, another 4xx, or a redirect loop is
    /// [`ChannelError::Rejected`]; a non-HTML answer is [`ChannelError::Protocol`]; what may
    /// pass after retries is [`ChannelError::Unavailable`] or [`ChannelError::RateLimited`].
    pub async fn page(&self, url: &str) -> Result<Page, ChannelError> {
        let url = parse_url(url)?;
        let robots = self.robots_for(&url).await?;
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        };
        if !robots.allows(&path) {
            return Err(ChannelError::Rejected(format!("robots.txt of {} does not allow {path} for {AGENT_TOKEN}", host_key(&url))));
        }
        let raw = self.fetch(&url, robots.crawl_delay).await?;
        match raw.status {
            200..=299 => {
                let html =
                    raw.content_type.as_deref().map_or_else(|| looks_like_html(&raw.body), |ct| ct.to_ascii_lowercase().contains("html"));
                if !html {
                    let what = raw.content_type.unwrap_or_else(|| "a body without a content type".into());
                    return Err(ChannelError::Protocol(format!("expected an HTML page from {}, got {what}", raw.url)));
                }
                Ok(Page { url: raw.url, status: raw.status, body: String::from_utf8_lossy(&raw.body).into_owned() })
            }
            404 | 410 => Ok(Page { url: raw.url, status: raw.status, body: String::from_utf8_lossy(&raw.body).into_owned() }),
            status => Err(ChannelError::Rejected(format!("HTTP {status} for {}", raw.url))),
        }
    }

    /// The host's robots.txt rules for us, from the cache when fresh.
    async fn robots_for(&self, url: &Url) -> Result<Robots, ChannelError> {
        let key = host_key(url);
        let cached = || {
            let cache = self.robots.lock().unwrap_or_else(PoisonError::into_inner);
            cache.get(&key).filter(|(at, _)| at.elapsed() < ROBOTS_TTL).map(|(_, robots)| robots.clone())
        };
        if let Some(robots) = cached() {
            return Ok(robots);
        }
        let _fetching = self.robots_fetch.lock().await;
        if let Some(robots) = cached() {
            return Ok(robots);
        }
        let mut robots_url = url.clone();
        robots_url.set_path("/robots.txt");
        robots_url.set_query(None);
        robots_url.set_fragment(None);
        let raw = self.fetch(&robots_url, None).await?;
        let robots = match raw.status {
            200..=299 => Robots::parse(&String::from_utf8_lossy(&raw.body), AGENT_TOKEN),
            // RFC 9309: an unavailable robots.txt (4xx) allows everything.
            400..=499 => Robots::allow_all(),
            status => return Err(ChannelError::Unavailable(format!("robots.txt of {key} answered HTTP {status}"))),
        };
        self.robots.lock().unwrap_or_else(PoisonError::into_inner).insert(key, (Instant::now(), robots.clone()));
        Ok(robots)
    }

    /// One URL with retries: 5xx, 429 and transport failures are tried again after a backoff.
    async fn fetch(&self, url: &Url, crawl_delay: Option<Duration>) -> Result<Raw, ChannelError> {
        let attempts = self.settings.attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.once(url, crawl_delay).await;
            let wait = match &result {
                Ok(raw) if raw.status == 429 => raw.retry_after,
                Ok(raw) if raw.status >= 500 => None,
                Ok(_) => return result,
                Err(_) => None,
            };
            if attempt >= attempts || wait.is_some_and(|w| w > MAX_INLINE_RETRY_AFTER) {
                return match result {
                    Ok(raw) if raw.status == 429 => Err(ChannelError::RateLimited { retry_after: raw.retry_after }),
                    Ok(raw) => Err(ChannelError::Unavailable(format!("HTTP {} from {} after {attempt} tries", raw.status, raw.url))),
                    Err(e) => Err(e),
                };
            }
            let backoff = self.settings.backoff.saturating_mul(1 << (attempt - 1).min(6));
            let jittered = backoff.mul_f64(0.75 + 0.5 * unit_random());
            tokio::time::sleep(wait.unwrap_or(jittered).max(jittered)).await;
        }
    }

    /// One request, after waiting for the host's turn.
    async fn once(&self, url: &Url, crawl_delay: Option<Duration>) -> Result<Raw, ChannelError> {
        self.turn(&host_key(url), crawl_delay).await;
        let scrub = Scrub::new("");
        let timeout = self.settings.timeout;
        let lost = |e: reqwest::Error| {
            let timed_out = e.is_timeout();
            let detail = scrub.clean(&describe(e));
            ChannelError::Unavailable(if timed_out { format!("no answer within {} ms ({detail})", timeout.as_millis()) } else { detail })
        };
        let mut response = self
            .http
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
            .send()
            .await
            .map_err(lost)?;
        let header = |name| response.headers().get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok()).map(str::to_owned);
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let retry_after = header(reqwest::header::RETRY_AFTER).and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs);
        let status = response.status().as_u16();
        let final_url = response.url().to_string();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(lost)? {
            if body.len() + chunk.len() > self.settings.max_bytes {
                return Err(ChannelError::Protocol(format!("{final_url} is larger than {} bytes", self.settings.max_bytes)));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Raw { url: final_url, status, content_type, retry_after, body })
    }

    /// Waits until the host's next request may leave, and books the one after it.
    async fn turn(&self, host: &str, crawl_delay: Option<Duration>) {
        let interval = Duration::from_millis(self.min_interval_ms.load(Ordering::Relaxed)).max(crawl_delay.unwrap_or_default());
        let at = {
            let mut slots = self.next_slot.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let at = slots.get(host).copied().filter(|t| *t > now).unwrap_or(now);
            slots.insert(host.to_owned(), at + interval);
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }
}

/// An http(s) URL, or why not.
fn parse_url(url: &str) -> Result<Url, ChannelError> {
    let parsed = Url::parse(url.trim()).map_err(|e| ChannelError::Rejected(format!("not a web address ({e}): {url}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ChannelError::Rejected(format!("not an http(s) address: {url}")));
    }
    Ok(parsed)
}

/// Host and port: what robots.txt and pacing are kept per.
fn host_key(url: &Url) -> String {
    format!("{}:{}", url.host_str().unwrap_or_default(), url.port_or_known_default().unwrap_or(0))
}

fn looks_like_html(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(512)]);
    text.trim_start_matches('\u{feff}').trim_start().starts_with('<')
}

/// A number in [0, 1) for jitter; good enough to spread retries apart.
fn unit_random() -> f64 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    f64::from(nanos % 1_000_000) / 1_000_000.0
}

/// The error and its causes on one line.
fn describe(error: reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_agent_names_nongsan_and_a_contact() {
        let ua = user_agent("https://example.org/bot");
        assert!(ua.starts_with("nongsan/") && ua.contains("+https://example.org/bot"), "{ua}");
        assert!(parse_url("ftp://voso.vn/x").is_err() && parse_url("voso.vn/x").is_err());
        assert!(looks_like_html(b"\n <!DOCTYPE html>") && !looks_like_html(b"{\"a\":1}"));
    }
}
