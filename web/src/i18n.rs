//! Message catalogues: every word a person reads, in Vietnamese (the default) and English.
//!
//! The catalogues are `web/locales/vi.toml` and `web/locales/en.toml`, flat tables from key to
//! text, with `{name}` placeholders. Both must hold the same keys (a test checks).

use axum::http::HeaderMap;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The language of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

type Catalogue = HashMap<String, String>;

fn catalogues() -> &'static (Catalogue, Catalogue) {
    static CATALOGUES: OnceLock<(Catalogue, Catalogue)> = OnceLock::new();
    CATALOGUES.get_or_init(|| {
        let vi = toml::from_str(include_str!("../locales/vi.toml")).expect("locales/vi.toml");
        let en = toml::from_str(include_str!("../locales/en.toml")).expect("locales/en.toml");
        (vi, en)
    })
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn is_en(self) -> bool {
        self == Lang::En
    }

    /// The text for `key`; the key itself when a catalogue lacks it (a test prevents that).
    pub fn t(self, key: &str) -> &'static str {
        let (vi, en) = catalogues();
        let table = if self.is_en() { en } else { vi };
        match table.get(key) {
            Some(text) => text.as_str(),
            None => {
                tracing::warn!(key, lang = self.code(), "missing message");
                // Leak once per missing key is acceptable: the set of keys is fixed.
                Box::leak(key.to_owned().into_boxed_str())
            }
        }
    }

    /// The text for `key` with `{name}` placeholders filled.
    pub fn tf(self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.t(key).to_owned();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// The language a request asks for: the `lang` cookie (set by the switch), then
    /// `Accept-Language` for API clients, else Vietnamese.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        if let Some(lang) = crate::auth::cookie(headers, "lang").and_then(|v| Lang::parse(&v)) {
            return lang;
        }
        let accept = headers.get("accept-language").and_then(|v| v.to_str().ok()).unwrap_or("");
        if accept.trim_start().to_ascii_lowercase().starts_with("en") { Lang::En } else { Lang::Vi }
    }
}

/// Every key of both catalogues, for tests.
pub fn keys() -> (Vec<&'static String>, Vec<&'static String>) {
    let (vi, en) = catalogues();
    let mut a: Vec<_> = vi.keys().collect();
    let mut b: Vec<_> = en.keys().collect();
    a.sort();
    b.sort();
    (a, b)
}
