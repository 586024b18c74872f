//! The channel account form's values: read from the form, checked all at once, and turned into
//! settings to save, with a new credential sealed. Nothing is saved unless all of it passes.

use super::{CHANNELS, site};
use crate::pages::Pairs;
use crate::state::AppState;
use nongsan_channels::secret::Secret;
use nongsan_domain::FieldErrors;
use nongsan_domain::account::Role;
use nongsan_domain::phone::Phone;
use nongsan_domain::reference::reference;
use nongsan_store::{AccountSettings, ChannelAccount, SealedCredential};

pub const MODES: [&str; 2] = ["api", "assisted"];
const DEFAULT_RPM: i64 = 30;

/// What the account form holds. The credential is never put back into a page.
#[derive(Debug, Clone)]
pub struct AccountInput {
    pub channel: String,
    pub mode: String,
    pub name: String,
    pub base_url: String,
    pub credential: String,
    pub farmer_phone: String,
    pub default_crops: Vec<String>,
    pub requests_per_minute: String,
    pub active: bool,
}

impl AccountInput {
    pub fn blank() -> AccountInput {
        AccountInput {
            channel: "postmart".into(),
            mode: "api".into(),
            name: String::new(),
            base_url: String::new(),
            credential: String::new(),
            farmer_phone: String::new(),
            default_crops: Vec::new(),
            requests_per_minute: DEFAULT_RPM.to_string(),
            active: true,
        }
    }

    pub fn of(a: &ChannelAccount, phone: Option<String>) -> AccountInput {
        AccountInput {
            channel: a.channel.clone(),
            mode: a.mode.clone(),
            name: a.name.clone(),
            base_url: a.base_url.clone(),
            credential: String::new(),
            farmer_phone: phone.unwrap_or_default(),
            default_crops: a.default_crops.clone(),
            requests_per_minute: a.requests_per_minute.to_string(),
            active: a.active,
        }
    }

    pub fn from_form(form: &Pairs, existing: Option<&ChannelAccount>) -> AccountInput {
        AccountInput {
            channel: existing.map(|a| a.channel.clone()).unwrap_or_else(|| form.get("channel")),
            mode: form.get("mode"),
            name: form.get("name").trim().to_owned(),
            base_url: form.get("base_url").trim().to_owned(),
            credential: form.get("credential").trim().to_owned(),
            farmer_phone: form.get("farmer_phone").trim().to_owned(),
            default_crops: form.all("default_crops"),
            requests_per_minute: form.get("requests_per_minute").trim().to_owned(),
            active: form.get("active") == "1",
        }
    }
}

/// An API base URL: http(s), a host, no spaces or quotes.
fn valid_base_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    url.len() <= 300
        && !host.is_empty()
        && !host.contains('@')
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        && url.chars().all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`'))
}

/// Checks everything before anything is saved; seals a new credential.
pub async fn validate(state: &AppState, input: &AccountInput) -> Result<AccountSettings, FieldErrors> {
    let mut errors = FieldErrors::default();
    if !CHANNELS.contains(&input.channel.as_str()) {
        errors.add("channel", "err.channel.unknown");
    }
    if !MODES.contains(&input.mode.as_str()) {
        errors.add("mode", "err.channel_mode.unknown");
    } else if input.channel == "voso" && input.mode == "api" {
        errors.add("mode", "err.channel_mode.voso_api");
    }
    if input.name.is_empty() {
        errors.add("name", "err.required");
    } else if input.name.chars().count() > 80 {
        errors.add("name", "err.name.too_long");
    }
    let base_url =
        if input.base_url.is_empty() && input.mode != "api" { format!("https://{}", site(&input.channel)) } else { input.base_url.clone() };
    if input.base_url.is_empty() && input.mode == "api" {
        errors.add("base_url", "err.required");
    } else if !valid_base_url(&base_url) {
        errors.add("base_url", "err.base_url.invalid");
    }
    let mut credentials = None;
    if !input.credential.is_empty() {
        match &state.sealer {
            None => errors.add("credential", "err.credential.no_key"),
            Some(_) if input.credential.chars().count() > 2000 => errors.add("credential", "err.credential.too_long"),
            Some(sealer) => {
                let secret = Secret::new(input.credential.clone());
                credentials = Some(SealedCredential { sealed: sealer.seal(&secret), hint: secret.hint() });
            }
        }
    }
    let mut farmer_id = None;
    if !input.farmer_phone.is_empty() {
        match Phone::parse(&input.farmer_phone) {
            None => errors.add("farmer_phone", "err.phone.invalid"),
            Some(phone) => match state.store.user_by_phone(phone.as_str()).await {
                Ok(Some(user)) if user.role == Role::Farmer => farmer_id = Some(user.id),
                Ok(_) => errors.add("farmer_phone", "err.farmer.not_found"),
                Err(e) => {
                    tracing::error!(error = %e, "farmer lookup failed");
                    errors.add("farmer_phone", "err.internal");
                }
            },
        }
    }
    let data = reference();
    if input.default_crops.iter().any(|c| data.crop(c).is_none()) {
        errors.add("default_crops", "err.crop.unknown");
    }
    let requests_per_minute = if input.requests_per_minute.is_empty() {
        DEFAULT_RPM
    } else {
        match input.requests_per_minute.parse::<i64>() {
            Ok(n) if (1..=600).contains(&n) => n,
            _ => {
                errors.add("requests_per_minute", "err.rpm.invalid");
                DEFAULT_RPM
            }
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut default_crops = input.default_crops.clone();
    default_crops.sort();
    default_crops.dedup();
    Ok(AccountSettings {
        channel: input.channel.clone(),
        mode: input.mode.clone(),
        name: input.name.clone(),
        base_url,
        credentials,
        farmer_id,
        default_crops,
        requests_per_minute,
        active: input.active,
    })
}

#[cfg(test)]
mod tests {
    use super::valid_base_url;

    #[test]
    fn base_urls_are_http_with_a_host() {
        for good in ["https://open.postmart.com.vn", "http://127.0.0.1:8080/api", "https://voso.vn/"] {
            assert!(valid_base_url(good), "{good}");
        }
        for bad in ["open.postmart.com.vn", "ftp://x", "https://", "https://a b", "javascript:alert(1)", "https://u@evil"] {
            assert!(!valid_base_url(bad), "{bad}");
        }
    }
}
