use super::*;
use serde::Deserialize;

#[derive(Deserialize, Debug, PartialEq)]
struct Item {
    id: i64,
}

fn reply(status: u16, content_type: &str, body: &str) -> Reply {
    Reply { status, content_type: Some(content_type.into()), retry_after: None, body: body.as_bytes().to_vec() }
}

fn kind(reply: &Reply, call: Call) -> &'static str {
    match decode::<Item>(reply, call, &Scrub::new("tok")) {
        Ok(_) => "ok",
        Err(e) => e.kind(),
    }
}

const JSON: &str = "application/json";

#[test]
fn success_yields_the_result() {
    let ok = reply(200, JSON, r#"{"code":200,"message":"Thành công","result":{"id":7},"requestMethod":""}"#);
    assert_eq!(decode::<Item>(&ok, Call::Read, &Scrub::new("tok")), Ok(Item { id: 7 }));
    let string_code = reply(200, "", r#"{"code":"200","message":"","result":{"id":8}}"#);
    assert_eq!(decode::<Item>(&string_code, Call::Read, &Scrub::new("tok")), Ok(Item { id: 8 }));
}

#[test]
fn http_status_decides_before_the_body() {
    let body = r#"{"code":200,"message":"","result":{"id":1}}"#;
    assert_eq!(kind(&reply(429, JSON, body), Call::Read), "rate_limited");
    assert_eq!(kind(&reply(401, JSON, body), Call::Read), "credentials");
    assert_eq!(kind(&reply(403, "text/html", "<html>"), Call::Write), "credentials");
    assert_eq!(kind(&reply(502, "text/html", "<html>"), Call::Read), "unavailable");
    assert_eq!(kind(&reply(502, "text/html", "<html>"), Call::Write), "unknown_outcome");
    assert_eq!(kind(&reply(422, JSON, body), Call::Write), "rejected");
    assert_eq!(kind(&reply(302, "text/html", ""), Call::Read), "protocol");
}

#[test]
fn a_body_that_is_not_the_envelope_is_a_protocol_error() {
    assert_eq!(kind(&reply(200, "text/html; charset=utf-8", r#"{"code":200,"result":{"id":1}}"#), Call::Read), "protocol");
    assert_eq!(kind(&reply(200, JSON, "  <!DOCTYPE html><title>Bảo trì</title>"), Call::Read), "protocol");
    assert_eq!(kind(&reply(200, JSON, r#"{"code":200,"mess"#), Call::Read), "protocol");
    assert_eq!(kind(&reply(200, JSON, "[1,2]"), Call::Read), "protocol");
    assert_eq!(kind(&reply(200, JSON, r#"{"message":"","result":{"id":1}}"#), Call::Read), "protocol");
    assert_eq!(kind(&reply(200, JSON, r#"{"code":200,"message":""}"#), Call::Read), "protocol");
    assert_eq!(kind(&reply(200, JSON, ""), Call::Read), "protocol");
}

#[test]
fn envelope_codes_are_classified() {
    let with = |code: i64| reply(200, JSON, &format!(r#"{{"code":{code},"message":"m","result":null}}"#));
    assert_eq!(kind(&with(401), Call::Read), "credentials");
    assert_eq!(kind(&with(422), Call::Write), "rejected");
    assert_eq!(kind(&with(429), Call::Read), "rate_limited");
    assert_eq!(kind(&with(500), Call::Read), "unavailable");
    assert_eq!(kind(&with(500), Call::Write), "unknown_outcome");
    assert_eq!(kind(&with(999), Call::Read), "protocol");
}

#[test]
fn missing_result_fields_are_named() {
    let error = decode::<Item>(&reply(200, JSON, r#"{"code":200,"message":"","result":{"name":"x"}}"#), Call::Read, &Scrub::new("t"));
    assert!(matches!(&error, Err(ChannelError::Protocol(d)) if d.contains("missing field `id`")), "{error:?}");
}

#[test]
fn details_quote_the_message_or_page_title_without_the_token() {
    let expired = reply(200, JSON, r#"{"code":401,"message":"Token hết hạn: tok-123","result":null}"#);
    let error = decode::<Item>(&expired, Call::Read, &Scrub::new("tok-123")).unwrap_err();
    assert_eq!(error, ChannelError::Credentials("code 401: Token hết hạn: [redacted]".into()));
    let page = reply(200, "text/html", "<html><head><TITLE> Bảo trì hệ thống </TITLE></head></html>");
    let error = decode::<Item>(&page, Call::Read, &Scrub::new("x")).unwrap_err();
    assert_eq!(error, ChannelError::Protocol("HTML page instead of JSON: page titled \"Bảo trì hệ thống\"".into()));
}

#[test]
fn retry_after_is_seconds_or_an_http_date() {
    let now = time::macros::datetime!(2025-03-01 08:00:00 UTC);
    assert_eq!(parse_retry_after("30", now), Some(Duration::from_secs(30)));
    assert_eq!(parse_retry_after("Sat, 01 Mar 2025 08:00:45 GMT", now), Some(Duration::from_secs(45)));
    assert_eq!(parse_retry_after("Sat, 01 Mar 2025 07:00:00 GMT", now), Some(Duration::ZERO));
    assert_eq!(parse_retry_after("soon", now), None);
    let mut limited = reply(429, JSON, "");
    limited.retry_after = Some("12".into());
    let error = decode::<Item>(&limited, Call::Read, &Scrub::new("t")).unwrap_err();
    assert_eq!(error.retry_after(), Some(Duration::from_secs(12)));
}
