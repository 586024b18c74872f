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

    /// The language of a response. Pages are Vietnamese unless the visitor chose English with
    /// the switch (the `lang` cookie), whatever the browser's own setting: the site is
    /// Vietnamese first. API clients (`api` true) choose with `Accept-Language`.
    pub fn from_headers(headers: &HeaderMap, api: bool) -> Lang {
        if api {
            let accept = headers.get("accept-language").and_then(|v| v.to_str().ok()).unwrap_or("");
            let first = accept.split(',').next().unwrap_or("").trim().to_ascii_lowercase();
            if first.starts_with("en") {
                return Lang::En;
            }
            if first.starts_with("vi") {
                return Lang::Vi;
            }
        }
        crate::auth::cookie(headers, "lang").and_then(|v| Lang::parse(&v)).unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;
    use nongsan_domain::account::{Role, SellerKind};
    use nongsan_domain::listing::Status;
    use nongsan_domain::quantity::Unit;
    use std::path::Path;

    #[test]
    fn both_catalogues_hold_the_same_keys() {
        let (vi, en) = keys();
        assert_eq!(vi, en);
        assert!(vi.len() > 100);
    }

    fn literal_keys(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                literal_keys(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for chunk in text.split('"').skip(1).step_by(2) {
                    let prefix = chunk.split('.').next().unwrap_or("");
                    let is_key = chunk.contains('.')
                        && chunk.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
                        && [
                            "err",
                            "nav",
                            "form",
                            "account",
                            "register",
                            "login",
                            "profile",
                            "manage",
                            "helper",
                            "listing",
                            "changes",
                            "review",
                            "catalogue",
                            "sort",
                            "farmer",
                            "photo",
                            "action",
                            "footer",
                        ]
                        .contains(&prefix);
                    if is_key {
                        out.push(chunk.to_owned());
                    }
                }
            }
        }
    }

    #[test]
    fn every_key_the_code_uses_is_in_the_catalogues() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let mut used = Vec::new();
        for dir in ["web/src", "crates/domain/src", "crates/media/src"] {
            literal_keys(&root.join(dir), &mut used);
        }
        for s in Status::ALL {
            used.push(format!("status.{}", s.as_str()));
        }
        for r in Role::ALL {
            used.push(format!("role.{}", r.as_str()));
        }
        for k in SellerKind::ALL {
            used.push(format!("seller_kind.{}", k.as_str()));
        }
        for u in Unit::ALL {
            used.push(format!("unit.{}", u.as_str()));
        }
        for f in [
            "status",
            "crop",
            "variety",
            "form",
            "grade",
            "title",
            "description",
            "quantity_kg",
            "price_vnd_per_kg",
            "available_from",
            "available_until",
            "certifications",
        ] {
            used.push(format!("field.{f}"));
        }
        let (vi, _) = keys();
        let missing: Vec<_> = used.iter().filter(|k| !vi.iter().any(|v| v == k)).collect();
        assert!(missing.is_empty(), "missing messages: {missing:?}");
        assert!(used.len() > 150, "the scan found the keys ({})", used.len());
    }
}
