//! The one error type of the marketplace boundary.

use std::time::Duration;

/// Why a call to a marketplace did not succeed, classified by what the caller must do.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum ChannelError {
    /// HTTP 429 or the envelope equivalent; `retry_after` from the Retry-After header.
    #[error("rate limited by the marketplace{}", .retry_after.map(|d| format!(" (retry after {}s)", d.as_secs())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    /// Connection refused, 5xx or timeout on a read, or a write that never left: safe to retry.
    #[error("marketplace unavailable: {0}")]
    Unavailable(String),
    /// A write whose answer never arrived or was a 5xx/timeout: it may have happened, so look
    /// the SKU up before retrying.
    #[error("outcome unknown: {0}")]
    UnknownOutcome(String),
    /// 401/403 or an envelope code meaning an expired or invalid token: a person must renew it.
    #[error("credentials refused: {0}")]
    Credentials(String),
    /// The platform refused the data: a person must fix the listing.
    #[error("rejected by the marketplace: {0}")]
    Rejected(String),
    /// An answer that does not match the contract (HTML, malformed body, unknown code, missing
    /// field). Retryable because it is often a transient proxy page, and never a success.
    #[error("unexpected answer: {0}")]
    Protocol(String),
}

impl ChannelError {
    /// A stable name for logs, metrics and the sync board.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable(_) => "unavailable",
            Self::UnknownOutcome(_) => "unknown_outcome",
            Self::Credentials(_) => "credentials",
            Self::Rejected(_) => "rejected",
            Self::Protocol(_) => "protocol",
        }
    }

    /// Whether a job may try again without a person doing something first.
    pub fn retryable(&self) -> bool {
        !matches!(self, Self::Credentials(_) | Self::Rejected(_))
    }

    /// How long the marketplace asked us to wait, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    /// Whether this failure says something about the marketplace's health for the account,
    /// so a circuit breaker should count it. Refused credentials and data are about our side.
    pub fn counts_against_account(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::UnknownOutcome(_) | Self::Protocol(_) | Self::RateLimited { .. })
    }
}

/// Longest detail kept in an error: enough to recognise a page or message, short enough for a
/// sync board cell and a log line.
const DETAIL_CHARS: usize = 200;

/// Builds error details: removes the credential first, then shortens, so a cut can never leave
/// part of a token behind.
#[derive(Clone)]
pub(crate) struct Scrub {
    secret: String,
}

impl Scrub {
    pub(crate) fn new(secret: &str) -> Self {
        Self { secret: secret.to_owned() }
    }

    pub(crate) fn clean(&self, text: &str) -> String {
        let redacted = if self.secret.is_empty() { text.to_owned() } else { text.replace(&self.secret, "[redacted]") };
        let flat: String = redacted.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        let flat = flat.trim();
        match flat.char_indices().nth(DETAIL_CHARS) {
            Some((cut, _)) => format!("{}…", &flat[..cut]),
            None => flat.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification_tells_the_caller_what_to_do() {
        let all = [
            (ChannelError::RateLimited { retry_after: Some(Duration::from_secs(7)) }, "rate_limited", true, true),
            (ChannelError::Unavailable("x".into()), "unavailable", true, true),
            (ChannelError::UnknownOutcome("x".into()), "unknown_outcome", true, true),
            (ChannelError::Credentials("x".into()), "credentials", false, false),
            (ChannelError::Rejected("x".into()), "rejected", false, false),
            (ChannelError::Protocol("x".into()), "protocol", true, true),
        ];
        for (error, kind, retryable, counts) in all {
            assert_eq!(error.kind(), kind);
            assert_eq!(error.retryable(), retryable, "{kind}");
            assert_eq!(error.counts_against_account(), counts, "{kind}");
        }
        let limited = ChannelError::RateLimited { retry_after: Some(Duration::from_secs(7)) };
        assert_eq!(limited.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(limited.to_string(), "rate limited by the marketplace (retry after 7s)");
        assert_eq!(ChannelError::Rejected("x".into()).retry_after(), None);
    }

    #[test]
    fn scrub_redacts_before_truncating() {
        let scrub = Scrub::new("s3cret-token");
        let text = format!("{}s3cret-token", "a".repeat(195));
        let cleaned = scrub.clean(&text);
        assert!(!cleaned.contains("s3cret"), "{cleaned}");
        assert_eq!(cleaned.chars().count(), DETAIL_CHARS + 1);
        assert_eq!(scrub.clean("line\none\u{0}"), "line one");
        assert_eq!(scrub.clean("Thành công"), "Thành công");
    }
}
