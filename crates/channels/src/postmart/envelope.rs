//! The documented response envelope: `{"code": 200, "message": "Thành công", "result": …,
//! "requestMethod": ""}`, decoded strictly in the order a failure is best explained by: HTTP
//! status, then the body's format, then `code`, then `result`.

use super::provisional::{CodeMeaning, code_meaning};
use crate::ChannelError;
use crate::error::Scrub;
use serde::de::DeserializeOwned;
use std::time::Duration;
use time::OffsetDateTime;

/// Whether a call changes something on the platform: decides what a lost answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// Repeating it is harmless, so a lost answer is just unavailability.
    Read,
    /// It may have taken effect even if the answer was lost.
    Write,
}

/// An HTTP answer, reduced to what decoding needs.
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub body: Vec<u8>,
}

/// The documented success code.
const SUCCESS: i64 = 200;

pub(crate) fn decode<T: DeserializeOwned>(reply: &Reply, call: Call, scrub: &Scrub) -> Result<T, ChannelError> {
    let status = reply.status;
    let server_fault = |detail: String| match call {
        Call::Read => ChannelError::Unavailable(detail),
        Call::Write => ChannelError::UnknownOutcome(detail),
    };
    match status {
        429 => return Err(ChannelError::RateLimited { retry_after: retry_after(reply) }),
        401 | 403 => return Err(ChannelError::Credentials(scrub.clean(&format!("HTTP {status}: {}", summary(reply))))),
        500..=599 => return Err(server_fault(scrub.clean(&format!("HTTP {status}: {}", summary(reply))))),
        400..=499 => return Err(ChannelError::Rejected(scrub.clean(&format!("HTTP {status}: {}", summary(reply))))),
        200..=299 => {}
        _ => return Err(ChannelError::Protocol(scrub.clean(&format!("HTTP {status}: {}", summary(reply))))),
    }
    if looks_like_html(reply) {
        return Err(ChannelError::Protocol(scrub.clean(&format!("HTML page instead of JSON: {}", summary(reply)))));
    }
    let envelope: serde_json::Value = serde_json::from_slice(&reply.body)
        .map_err(|e| ChannelError::Protocol(scrub.clean(&format!("malformed JSON ({e}): {}", text(&reply.body)))))?;
    let Some(fields) = envelope.as_object() else {
        return Err(ChannelError::Protocol(scrub.clean(&format!("envelope is not an object: {}", text(&reply.body)))));
    };
    let code = fields.get("code").ok_or_else(|| ChannelError::Protocol("missing field `code`".into()))?;
    let code = integer(code).ok_or_else(|| ChannelError::Protocol(scrub.clean(&format!("field `code` is not an integer: {code}"))))?;
    if code != SUCCESS {
        let message = fields.get("message").and_then(serde_json::Value::as_str).unwrap_or("");
        let detail = scrub.clean(&format!("code {code}: {message}"));
        return Err(match code_meaning(code) {
            CodeMeaning::Credentials => ChannelError::Credentials(detail),
            CodeMeaning::Rejected => ChannelError::Rejected(detail),
            CodeMeaning::RateLimited => ChannelError::RateLimited { retry_after: retry_after(reply) },
            CodeMeaning::ServerFault => server_fault(detail),
            CodeMeaning::Unknown => ChannelError::Protocol(scrub.clean(&format!("unknown envelope {detail}"))),
        });
    }
    let result = fields.get("result").ok_or_else(|| ChannelError::Protocol("missing field `result`".into()))?;
    T::deserialize(result).map_err(|e| ChannelError::Protocol(scrub.clean(&format!("result: {e}"))))
}

/// `200` and `"200"` alike: PHP back ends are loose about numbers, and the doc shows only one.
fn integer(value: &serde_json::Value) -> Option<i64> {
    value.as_i64().or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

fn looks_like_html(reply: &Reply) -> bool {
    let declared = reply.content_type.as_deref().is_some_and(|t| t.to_ascii_lowercase().contains("html"));
    declared || text(&reply.body).trim_start().starts_with('<')
}

/// What to quote from an unsuccessful answer: the envelope's message, an HTML page's title, or
/// the start of the body.
fn summary(reply: &Reply) -> String {
    let body = text(&reply.body);
    if let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice::<serde_json::Value>(&reply.body) {
        let code = fields.get("code").map(ToString::to_string).unwrap_or_default();
        let message = fields.get("message").and_then(serde_json::Value::as_str).unwrap_or("");
        return format!("code {code}: {message}");
    }
    let lower = body.to_ascii_lowercase();
    if let (Some(start), Some(end)) = (lower.find("<title>"), lower.find("</title>"))
        && start + 7 <= end
    {
        return format!("page titled \"{}\"", body[start + 7..end].trim());
    }
    if body.trim().is_empty() { "empty body".into() } else { body.into_owned() }
}

fn text(body: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(body)
}

fn retry_after(reply: &Reply) -> Option<Duration> {
    parse_retry_after(reply.retry_after.as_deref()?, OffsetDateTime::now_utc())
}

/// Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3).
pub(crate) fn parse_retry_after(value: &str, now: OffsetDateTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let format = time::macros::format_description!("[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT");
    let at = time::PrimitiveDateTime::parse(value, format).ok()?.assume_utc();
    Some(Duration::try_from(at - now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests;
