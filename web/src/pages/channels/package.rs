//! The listing package for a marketplace's seller centre: what a helper types or pastes there
//! (title with pack, description, price, category), the bundle's text file, and reading back
//! the product URL they paste.

use super::{action_text, site};
use crate::i18n::Lang;
use crate::pages::layout::date;
use nongsan_domain::reference::reference;
use nongsan_store::{ChannelListing, Listing};

/// Longest title the package proposes.
const TITLE_MAX: usize = 120;
/// The bundle's text file (split so the message-key scan does not read it as a key).
pub const LISTING_TXT: &str = concat!("listing", ".txt");

/// What the helper types into the seller centre. Always Vietnamese: it is for the marketplace.
pub struct Package {
    pub title: String,
    pub description: String,
    pub price: i64,
    pub stock_kg: i64,
    pub category: String,
}

pub fn stock(listing: &Listing) -> i64 {
    listing.fields.quantity_kg.floor() as i64
}

pub fn package(listing: &Listing, cl: &ChannelListing) -> Package {
    let vi = Lang::Vi;
    let data = reference();
    let f = &listing.fields;
    let crop = data.crop(&f.crop);
    let mut base = f.title.trim().to_owned();
    if !base.to_lowercase().contains("di linh") {
        base.push_str(" Di Linh");
    }
    let pack = " – 1 kg";
    let room = TITLE_MAX - pack.chars().count();
    if base.chars().count() > room {
        base = base.chars().take(room).collect::<String>().trim_end().to_owned();
    }
    let title = format!("{base}{pack}");

    let mut lines = Vec::new();
    if !f.description.trim().is_empty() {
        lines.push(f.description.trim().to_owned());
        lines.push(String::new());
    }
    if let Some(v) = crop.and_then(|c| c.variety(&f.variety)) {
        lines.push(format!("{}: {}", vi.t("listing.variety"), v.name_vi));
    }
    if let Some(v) = crop.and_then(|c| c.form(&f.form)) {
        lines.push(format!("{}: {}", vi.t("listing.form"), v.name_vi));
    }
    if let Some(g) = f.grade.as_deref().and_then(|g| crop.and_then(|c| c.grade(g))) {
        lines.push(format!("{}: {}", vi.t("listing.grade"), g.name_vi));
    }
    let today = crate::actions::today();
    let certs: Vec<String> = f
        .certifications
        .iter()
        .filter(|c| c.is_valid_on(today))
        .map(|c| {
            let name = data.certification(&c.code).map(|x| x.name_vi.clone()).unwrap_or_else(|| c.code.clone());
            match c.stars {
                Some(s) => format!("{name} {s}★"),
                None => name,
            }
        })
        .collect();
    if !certs.is_empty() {
        lines.push(format!("{}: {}", vi.t("listing.certifications"), certs.join(", ")));
    }
    let mut origin =
        listing.commune.as_deref().and_then(|k| data.places.current(k)).map(|c| format!("xã {}, ", c.name)).unwrap_or_default();
    origin.push_str(&data.places.province);
    if let Some(label) = listing.legacy_commune.as_deref().and_then(|k| data.places.legacy_label(k)) {
        origin.push_str(&format!(" ({} {label})", vi.t("listing.formerly")));
    }
    lines.push(format!("{}: {origin}", vi.t("pkg.origin")));
    lines.push(format!("{}: {} – {}", vi.t("listing.window"), date(f.available_from), date(f.available_until)));
    lines.push(format!("{}: {}", vi.t("pkg.sku"), cl.sku));

    let category = match cl.channel.as_str() {
        "voso" if f.crop == "durian" => vi.t("pkg.category_voso_fruit").to_owned(),
        "voso" => vi.t("pkg.category_voso_specialty").to_owned(),
        _ => match cl.category_id {
            Some(id) => vi.tf("pkg.category_postmart_id", &[("id", &id.to_string())]),
            None => vi.t("pkg.category_postmart").to_owned(),
        },
    };
    Package { title, description: lines.join("\n"), price: f.price_vnd_per_kg, stock_kg: stock(listing), category }
}

/// The bundle's text file: UTF-8 with a byte order mark and CRLF lines, so Windows Notepad
/// shows the diacritics.
pub fn listing_txt(pkg: &Package, cl: &ChannelListing) -> Vec<u8> {
    let vi = Lang::Vi;
    let mut text = String::from("\u{feff}");
    let mut line = |s: String| {
        text.push_str(&s);
        text.push_str("\r\n");
    };
    line(format!("{}: {}", vi.t("pkg.title"), pkg.title));
    line(format!("{}: {}", vi.t("pkg.price"), pkg.price));
    line(format!("{}: {}", vi.t("pkg.stock"), pkg.stock_kg));
    line(format!("{}: {}", vi.t("pkg.category"), pkg.category));
    line(format!("{}: {}", vi.t("sync.channel"), site(&cl.channel)));
    if let Some(action) = &cl.action {
        line(format!("{}: {}", vi.t("channel.action_needed"), action_text(vi, action)));
    }
    line(String::new());
    line(format!("{}:", vi.t("pkg.description")));
    for l in pkg.description.lines() {
        line(l.to_owned());
    }
    text.into_bytes()
}

/// A pasted product URL: https, on the channel's site. The field's message key otherwise.
pub fn product_url(channel: &str, input: &str) -> Result<String, &'static str> {
    let url = input.trim();
    if url.is_empty() {
        return Err("err.required");
    }
    let wrong = if channel == "voso" { "err.product_url.voso" } else { "err.product_url.postmart" };
    let Some(rest) = url.strip_prefix("https://") else { return Err(wrong) };
    if url.len() > 500 || url.chars().any(|c| !c.is_ascii_graphic() || matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`')) {
        return Err(wrong);
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = rest[..end].to_ascii_lowercase();
    let domain = site(channel);
    let on_site = host == domain || host.strip_suffix(domain).is_some_and(|sub| sub.ends_with('.') && sub.len() > 1);
    let path = &rest[end..];
    if !on_site || path.len() <= 1 {
        return Err(wrong);
    }
    Ok(url.to_owned())
}

/// A pasted product URL for an account whose base URL is `account_base`: on the channel's
/// site as [`product_url`] says, or (http or https, as the account's) on the account's own host,
/// where a shop outside the site (the demo's sandbox) has its pages. The field's message key
/// otherwise.
pub fn product_url_for(channel: &str, input: &str, account_base: &str) -> Result<String, &'static str> {
    let wrong = match product_url(channel, input) {
        Ok(url) => return Ok(url),
        Err("err.required") => return Err("err.required"),
        Err(wrong) => wrong,
    };
    let Some(origin) = origin_of(account_base).filter(|o| !o.ends_with(&format!("//{}", site(channel)))) else { return Err(wrong) };
    let wrong = if channel == "voso" { "err.product_url.voso_or_shop" } else { wrong };
    let url = input.trim();
    if url.len() > 500 || url.chars().any(|c| !c.is_ascii_graphic() || matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`')) {
        return Err(wrong);
    }
    match (origin_of(url), url.split_once("://").map(|(_, rest)| rest)) {
        (Some(o), Some(rest)) if o == origin => {
            let path = rest.find(['/', '?', '#']).map_or("", |at| &rest[at..]);
            if path.len() > 1 { Ok(url.to_owned()) } else { Err(wrong) }
        }
        _ => Err(wrong),
    }
}

/// `scheme://host[:port]` of an http(s) URL, lower case; `None` for anything else.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = rest[..end].to_ascii_lowercase();
    if host.is_empty() || host.contains('@') {
        return None;
    }
    Some(format!("{scheme}://{host}"))
}

/// The marketplace's product id in a product URL (`…-43160.html` on postmart, `…-p12708.html`
/// on voso), or the URL itself.
pub fn external_id(channel: &str, url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    if let Some(stem) = path.strip_suffix(".html")
        && let Some((_, tail)) = stem.rsplit_once('-')
    {
        let digits = if channel == "voso" { tail.strip_prefix('p') } else { Some(tail) };
        if let Some(d) = digits.filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit())) {
            return d.to_owned();
        }
    }
    url.to_owned()
}

#[cfg(test)]
mod tests {
    use super::{external_id, product_url, product_url_for};

    #[test]
    fn product_urls_must_be_https_on_the_channel_site() {
        let ok = "https://postmart.vn/p/sau-rieng-ri6-di-linh-1kg-43160.html";
        assert_eq!(product_url("postmart", ok).as_deref(), Ok(ok));
        assert!(product_url("postmart", "https://www.postmart.vn/p/x-1.html").is_ok());
        assert!(product_url("voso", "https://voso.vn/sau-rieng-p12708.html").is_ok());
        for bad in [
            "http://postmart.vn/p/x-1.html",
            "https://postmart.vn.evil.example/p/x-1.html",
            "https://evilpostmart.vn/p/x-1.html",
            "https://voso.vn/x-p1.html",
            "https://postmart.vn/",
            "https://postmart.vn/p/x 1.html",
            "javascript:alert(1)",
        ] {
            assert_eq!(product_url("postmart", bad), Err("err.product_url.postmart"), "{bad}");
        }
        assert_eq!(product_url("voso", "https://postmart.vn/p/x-1.html"), Err("err.product_url.voso"));
        assert_eq!(product_url("postmart", "  "), Err("err.required"));
    }

    #[test]
    fn the_accounts_own_host_is_accepted_and_nothing_else() {
        let base = "http://127.0.0.1:8092/hop-tac-xa-nong-san-di-linh-s3021";
        let ok = "http://127.0.0.1:8092/sau-rieng-ri6-p12701.html";
        assert_eq!(product_url_for("voso", ok, base).as_deref(), Ok(ok));
        assert!(product_url_for("voso", "https://voso.vn/sau-rieng-p12708.html", base).is_ok(), "voso.vn itself still is");
        for bad in [
            "http://127.0.0.1:8093/sau-rieng-p1.html",
            "https://127.0.0.1:8092/sau-rieng-p1.html",
            "http://127.0.0.1:8092/",
            "http://127.0.0.1:8092.evil.example/x-p1.html",
            "http://user@127.0.0.1:8092/x-p1.html",
            "http://127.0.0.1:8092/x p1.html",
            "javascript:alert(1)",
        ] {
            assert_eq!(product_url_for("voso", bad, base), Err("err.product_url.voso_or_shop"), "{bad}");
        }
        assert_eq!(product_url_for("voso", " ", base), Err("err.required"));
        // An account on voso.vn itself keeps the plain message.
        assert_eq!(product_url_for("voso", "https://shopee.vn/x", "https://voso.vn/shop-s1"), Err("err.product_url.voso"));
    }

    #[test]
    fn the_product_id_comes_from_the_end_of_the_url() {
        assert_eq!(external_id("postmart", "https://postmart.vn/p/sau-rieng-hop-5kg-43160.html"), "43160");
        assert_eq!(external_id("postmart", "https://postmart.vn/p/sau-rieng-43160.html?ref=x"), "43160");
        assert_eq!(external_id("voso", "https://voso.vn/sau-rieng-loai-1-p12708.html"), "12708");
        assert_eq!(external_id("postmart", "https://postmart.vn/shop/abc"), "https://postmart.vn/shop/abc");
    }
}
