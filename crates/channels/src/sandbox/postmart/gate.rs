//! What every platform request passes through before and after its handler: recording,
//! outages, injected faults and the bearer token (provisional A1).

use super::PostmartSandbox;
use super::api::envelope;
use super::state::{Fault, SandboxRequest, unix_ms};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

enum Credential {
    Valid,
    Expired,
    Invalid(String),
}

pub(super) async fn gate(State(sandbox): State<PostmartSandbox>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let presented = bearer(request.headers());
    let (down, fault, credential) = {
        let mut state = sandbox.lock();
        state.requests.push(SandboxRequest { method: request.method().to_string(), path: path.clone(), at_unix_ms: unix_ms() });
        let fault = if state.down { None } else { state.take_fault(&path) };
        let credential = match presented {
            Some(token) if token == state.token && state.token_expired => Credential::Expired,
            Some(token) if token == state.token => Credential::Valid,
            other => Credential::Invalid(other.unwrap_or_default()),
        };
        (state.down, fault, credential)
    };
    if down {
        return page(StatusCode::SERVICE_UNAVAILABLE, "503 Service Temporarily Unavailable");
    }
    match &fault {
        Some(Fault::TooManyRequests { retry_after_secs }) => {
            let mut response = envelope(StatusCode::TOO_MANY_REQUESTS, 429, "Quá nhiều yêu cầu, vui lòng thử lại sau", None);
            response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from(*retry_after_secs));
            return response;
        }
        Some(Fault::ServerError) => return envelope(StatusCode::INTERNAL_SERVER_ERROR, 500, "Lỗi hệ thống", None),
        Some(Fault::HtmlErrorPage) => return page(StatusCode::OK, "Hệ thống đang bảo trì"),
        Some(Fault::MalformedBody) => {
            return (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], r#"{"code": 200, "message": "Thành cô"#).into_response();
        }
        Some(Fault::ExpiredCredential) => return envelope(StatusCode::UNAUTHORIZED, 401, "Token đã hết hạn", None),
        Some(Fault::WrongEnvelopeCode) => return envelope(StatusCode::OK, 0, "Thành công", None),
        Some(Fault::Slow(_) | Fault::CreateAnswerLost) | None => {}
    }
    match credential {
        Credential::Valid => {}
        Credential::Expired => return envelope(StatusCode::OK, 401, "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại", None),
        // Echoing the token is what careless platforms do; it keeps the client's redaction tested.
        Credential::Invalid(token) => return envelope(StatusCode::UNAUTHORIZED, 401, &format!("Token không hợp lệ: {token}"), None),
    }
    let response = next.run(request).await;
    match fault {
        Some(Fault::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            response
        }
        Some(Fault::CreateAnswerLost) => page(StatusCode::BAD_GATEWAY, "502 Bad Gateway"),
        _ => response,
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(|token| token.trim().to_owned())
}

/// An HTML page, as proxies and maintenance screens answer.
fn page(status: StatusCode, title: &str) -> Response {
    let html = format!("<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1><hr>nginx</body></html>");
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}
