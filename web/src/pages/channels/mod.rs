//! Channels as people see them: the curators' sync board, the admins' channel accounts and job
//! queue, the helpers' assisted tasks, and the pieces of channel state other pages show (the
//! channel choice at approval, "buy on postmart.vn" links, commissions).

mod account_input;
mod accounts;
mod board;
mod jobs;
mod package;
mod tasks;

pub use accounts::{account_form, accounts, create_account, new_account_form, resume_account, save_account};
pub use board::{board, publish, retry, route};
pub use jobs::{jobs, retry_job};
pub use tasks::{task, task_bundle, task_done, task_photo, tasks};

use super::Pairs;
use super::layout::csrf_field;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use maud::{Markup, PreEscaped, html};
use nongsan_domain::account::Role;
use nongsan_domain::listing::Status;
use nongsan_store::{ChannelListing, ChannelState, Listing};

/// The marketplaces nongsan publishes to.
pub const CHANNELS: [&str; 2] = ["postmart", "voso"];

/// What a person must do, as the connector jobs name it; anything else reads as a generic
/// "look at it" so an unknown key never shows raw.
const ACTIONS: [&str; 13] = [
    "action.renew_credentials",
    "action.fix_listing",
    "action.enter_in_seller_centre",
    "action.update_in_seller_centre",
    "action.take_down_in_seller_centre",
    "action.secret_key_missing",
    "action.credentials_missing",
    "action.credentials_unreadable",
    "action.account_settings",
    "action.confirm_voso_match",
    "action.voso_page_gone",
    "action.voso_page_unreadable",
    "action.voso_page_refused",
];

/// The actions of a watched page that stopped giving a product: their technical detail
/// (what the scraper missed) is shown beside the sentence, for whoever maintains nongsan.
const PAGE_ACTIONS: [&str; 3] = ["action.voso_page_gone", "action.voso_page_unreadable", "action.voso_page_refused"];

/// The classes of channel errors the connectors record, each with a sentence for curators.
pub const ERROR_KINDS: [&str; 6] = ["rate_limited", "unavailable", "unknown_outcome", "credentials", "rejected", "protocol"];

/// Board and package styles: the table turns into cards on a narrow phone.
const CSS: &str = ".chstate-live{background:#d4edda}.chstate-queued{background:#fff3cd}.chstate-failed,.chstate-needs_action{background:#f8d7da}\
.counts th,.counts td{text-align:center}.counts th:first-child,.counts td:first-child{text-align:left}\
.pkg textarea,.pkg input[readonly]{background:#f6f5ef}.badge.drift{background:#f8d7da}\
@media (max-width:640px){table.cards thead{display:none}table.cards,table.cards tbody,table.cards tr,table.cards td{display:block;width:100%}\
table.cards tr{background:#fff;border-radius:10px;margin-bottom:.6rem;padding:.5rem .6rem;box-shadow:0 1px 2px rgba(0,0,0,.08)}\
table.cards td{border:0;padding:.15rem 0}table.cards td[data-label]::before{content:attr(data-label) \": \";font-weight:600;color:#5d665d}}";

pub fn style() -> Markup {
    html! { style { (PreEscaped(CSS)) } }
}

pub fn is_channel(s: &str) -> bool {
    CHANNELS.contains(&s)
}

/// The marketplace's site, as people call it and as its product pages are hosted.
pub fn site(channel: &str) -> &str {
    match channel {
        "postmart" => "postmart.vn",
        "voso" => "voso.vn",
        other => other,
    }
}

/// 403 unless the viewer runs the server.
pub fn require_admin(viewer: &Viewer) -> Result<(), AppError> {
    if viewer.role() == Role::Admin { Ok(()) } else { Err(AppError::Forbidden) }
}

pub fn state_badge(lang: Lang, state: ChannelState) -> Markup {
    html! { span class={ "badge chstate-" (state.as_str()) } { (lang.t(&format!("chstate.{}", state.as_str()))) } }
}

/// A time in Vietnam: "14:05" today, "14:05 15/03/2026" another day.
pub fn clock(unix: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix + nongsan_domain::VIETNAM_UTC_OFFSET_SECS)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    if nongsan_domain::local_date(unix) == nongsan_domain::local_date(nongsan_store::now()) {
        format!("{:02}:{:02}", t.hour(), t.minute())
    } else {
        format!("{:02}:{:02} {:02}/{:02}/{}", t.hour(), t.minute(), t.day(), t.month() as u8, t.year())
    }
}

/// The last error in words a curator understands, with when the system tries again.
pub fn error_sentence(lang: Lang, cl: &ChannelListing) -> Option<String> {
    let kind = cl.error_kind.as_deref()?;
    let key = if ERROR_KINDS.contains(&kind) { format!("cherr.{kind}") } else { "cherr.other".to_owned() };
    let mut sentence = lang.tf(&key, &[("channel", site(&cl.channel))]);
    if let (ChannelState::Failed, Some(at)) = (cl.state, cl.next_retry_at) {
        sentence.push(' ');
        sentence.push_str(&lang.tf("cherr.retry_at", &[("time", &clock(at))]));
    }
    Some(sentence)
}

/// What a person must do, in words.
pub fn action_text(lang: Lang, key: &str) -> &'static str {
    if ACTIONS.contains(&key) { lang.t(key) } else { lang.t("channel.action_other") }
}

/// What the marketplace's public page showed when last read: its price and sold count, when
/// it was read, and a flag when its price per kg differs from the listing's.
pub fn observed(lang: Lang, cl: &ChannelListing) -> Markup {
    let Some(price) = cl.observed_price else { return html! {} };
    let per_kg = nongsan_channels::voso::price::price_per_kg(cl.observed_title.as_deref(), price);
    html! {
        div.meta.observed {
            (lang.tf("channel.observed_price", &[("price", &super::layout::vnd(price))]))
            @if let Some(sold) = cl.observed_sold { " · " (lang.tf("channel.observed_sold", &[("n", &sold.to_string())])) }
            @if let Some(at) = cl.checked_at { " · " (lang.tf("channel.checked_at", &[("time", &clock(at))])) }
        }
        @if per_kg != cl.listing_price {
            div { span.badge.drift {
                (lang.tf("channel.price_differs", &[("observed", &super::layout::vnd(per_kg)), ("listing", &super::layout::vnd(cl.listing_price))]))
            } }
        }
    }
}

/// The scraper's technical reason for a page problem, under a fold.
pub fn page_detail(lang: Lang, cl: &ChannelListing) -> Markup {
    let ours = cl.action.as_deref().is_some_and(|a| PAGE_ACTIONS.contains(&a));
    html! {
        @if let (true, Some(detail)) = (ours && cl.state == ChannelState::NeedsAction, cl.last_error.as_deref()) {
            details.meta { summary { (lang.t("channel.technical_detail")) } code { (detail) } }
        }
    }
}

/// "8" or "8,5": a commission as Vietnamese write it.
fn percent(p: f64) -> String {
    let rounded = (p * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 { format!("{rounded:.0}") } else { format!("{rounded:.1}").replace('.', ",") }
}

/// Only http(s) links go into an `href`: a marketplace answer must not become a script link.
fn safe_url(url: &str) -> Option<&str> {
    (url.starts_with("https://") || url.starts_with("http://")).then_some(url)
}

/// The channels that have an active account for a farmer's listings (the farmer's own shop
/// or the office's), and among them those whose default crops include `crop`.
pub async fn channel_choice(state: &AppState, farmer_id: i64, crop: &str) -> Result<(Vec<String>, Vec<String>), AppError> {
    let mut available = Vec::new();
    let mut defaults = Vec::new();
    for channel in CHANNELS {
        if let Some(account) = state.store.account_for(channel, farmer_id).await? {
            available.push(channel.to_owned());
            if account.default_crops.iter().any(|c| c == crop) {
                defaults.push(channel.to_owned());
            }
        }
    }
    Ok((available, defaults))
}

/// Checkboxes for the channels a listing goes to.
pub fn channel_picker(lang: Lang, checked: &[String], available: &[String]) -> Markup {
    html! {
        fieldset.channels {
            legend { (lang.t("channel.choose")) }
            input type="hidden" name="channels_shown" value="1";
            div.checks {
                @for channel in CHANNELS {
                    label {
                        input type="checkbox" name="channels" value=(channel) checked[checked.iter().any(|c| c == channel)];
                        (site(channel))
                        @if !available.iter().any(|c| c == channel) { span.meta { " (" (lang.t("channel.no_account")) ")" } }
                    }
                }
            }
        }
    }
}

/// The channels ticked in a form that showed the picker; `None` when it did not (an older
/// page or another client), so nothing is routed by accident.
pub fn chosen_channels(form: &Pairs) -> Option<Vec<String>> {
    if form.get("channels_shown").is_empty() {
        return None;
    }
    let ticked = form.all("channels");
    Some(CHANNELS.iter().filter(|c| ticked.iter().any(|t| t == *c)).map(|c| (*c).to_owned()).collect())
}

/// "No postmart.vn account yet: the listing was not sent there."
pub fn missing_notice(lang: Lang, missing: &str) -> Markup {
    let names: Vec<&str> = missing.split(',').filter(|c| is_channel(c)).map(site).collect();
    html! {
        @if !names.is_empty() { div.error role="alert" { (lang.tf("channel.missing", &[("channels", &names.join(", "))])) } }
    }
}

/// Where a listing stands on each channel, for the people who manage it.
pub fn channel_states(lang: Lang, cls: &[ChannelListing]) -> Markup {
    html! {
        ul.plain {
            @for cl in cls {
                li {
                    strong { (site(&cl.channel)) } " " (state_badge(lang, cl.state))
                    @if !cl.wanted && !matches!(cl.state, ChannelState::Delisted | ChannelState::NotPublished) {
                        " " span.badge { (lang.t("channel.leaving")) }
                    }
                    @if let (ChannelState::Live, Some(url)) = (cl.state, cl.url.as_deref().and_then(safe_url)) {
                        " · " a href=(url) rel="noopener" { (lang.tf("channel.view_on", &[("site", site(&cl.channel))])) }
                    }
                    @if let Some(p) = cl.commission_percent {
                        div.meta { (lang.tf("channel.commission", &[("channel", site(&cl.channel)), ("percent", &percent(p))])) }
                    }
                    (observed(lang, cl))
                    @if let (ChannelState::NeedsAction, Some(action)) = (cl.state, cl.action.as_deref()) {
                        div.meta { (lang.t("channel.action_needed")) ": " (action_text(lang, action)) }
                        (page_detail(lang, cl))
                    }
                    @if cl.state == ChannelState::Failed && let Some(sentence) = error_sentence(lang, cl) {
                        div.meta { (sentence) }
                    }
                }
            }
        }
    }
}

/// "Buy on postmart.vn" links for the public listing page.
pub fn buy_links(lang: Lang, cls: &[ChannelListing]) -> Markup {
    let live: Vec<(&str, &str)> = cls
        .iter()
        .filter(|cl| cl.state == ChannelState::Live && cl.wanted)
        .filter_map(|cl| Some((site(&cl.channel), cl.url.as_deref().and_then(safe_url)?)))
        .collect();
    html! {
        @if !live.is_empty() {
            div.actions {
                @for (site, url) in live {
                    a.button.secondary href=(url) rel="noopener" { (lang.tf("channel.buy_on", &[("site", site)])) }
                }
            }
        }
    }
}

/// The curator's channel card on an approved listing: where it stands, and which channels
/// it goes to.
pub fn routing_section(lang: Lang, csrf: &str, listing: &Listing, cls: &[ChannelListing], available: &[String]) -> Markup {
    let wanted: Vec<String> = cls.iter().filter(|c| c.wanted).map(|c| c.channel.clone()).collect();
    html! {
        @if listing.status == Status::Approved || !cls.is_empty() {
            section.card #channels {
                h2 { (lang.t("channel.title")) }
                @if cls.is_empty() { p.meta { (lang.t("channel.none")) } } @else { (channel_states(lang, cls)) }
                @if listing.status == Status::Approved {
                    form method="post" action={ "/review/" (listing.id) "/channels" } {
                        (csrf_field(csrf))
                        (channel_picker(lang, &wanted, available))
                        div.actions { button.secondary type="submit" { (lang.t("channel.save_routing")) } }
                    }
                }
            }
        }
    }
}

/// A local path to go back to after a form, or `fallback`.
fn local_next(next: &str, fallback: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') { next.to_owned() } else { fallback.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commissions_read_the_vietnamese_way() {
        assert_eq!(percent(8.0), "8");
        assert_eq!(percent(8.5), "8,5");
        assert_eq!(percent(12.04), "12");
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_next("/sync?state=failed", "/x"), "/sync?state=failed");
        assert_eq!(local_next("//evil.example", "/x"), "/x");
        assert_eq!(local_next("https://evil.example", "/x"), "/x");
    }
}
