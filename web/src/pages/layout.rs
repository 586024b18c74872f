//! The page frame: head, navigation, language switch, and the shared bits of markup.

use crate::auth::Viewer;
use crate::error::urlencode;
use crate::i18n::Lang;
use axum::response::Html;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use nongsan_domain::FieldErrors;
use nongsan_domain::account::Role;

/// Small enough to inline: one request on a slow link.
const CSS: &str = include_str!("../../static/site.css");

/// A whole page.
pub fn page(lang: Lang, viewer: Option<&Viewer>, title: &str, path: &str, body: Markup) -> Html<String> {
    let other = if lang.is_en() { Lang::Vi } else { Lang::En };
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · nongsan" }
                style { (PreEscaped(CSS)) }
            }
            body {
                header.top {
                    a.brand href="/" { "nông sản " span { "Di Linh" } }
                    nav {
                        @match viewer {
                            None => {
                                a href="/login" { (lang.t("nav.login")) }
                                a href="/register" { (lang.t("nav.register")) }
                            }
                            Some(v) => {
                                @if v.role() == Role::Farmer {
                                    a href={ "/manage/" (v.id()) "/listings" } { (lang.t("nav.my_listings")) }
                                    a href={ "/manage/" (v.id()) "/sales" } { (lang.t("nav.my_sales")) }
                                    a href="/me" { (lang.t("nav.profile")) }
                                }
                                @if v.role() == Role::Helper || v.role() == Role::Admin {
                                    a href="/helper" { (lang.t("nav.helper")) }
                                }
                                @if v.role() == Role::Helper {
                                    a href="/helper/tasks" { (lang.t("nav.tasks")) }
                                }
                                @if v.role().reviews() {
                                    a href="/review" { (lang.t("nav.review")) }
                                    a href="/sync" { (lang.t("nav.sync")) }
                                    a href="/reports/sales" { (lang.t("nav.sales_report")) }
                                }
                                @if v.role() == Role::Admin {
                                    a href="/admin/channels" { (lang.t("nav.channels")) }
                                    a href="/admin/jobs" { (lang.t("nav.jobs")) }
                                }
                                form.inline method="post" action="/logout" {
                                    input type="hidden" name="csrf" value=(v.session.csrf);
                                    button.link type="submit" { (lang.t("nav.logout")) }
                                }
                            }
                        }
                        a.lang href={ "/lang/" (other.code()) "?back=" (urlencode(path)) } hreflang=(other.code()) { (lang.t("nav.other_language")) }
                    }
                }
                main { (body) }
                footer { (lang.t("footer.text")) }
            }
        }
    };
    Html(markup.into_string())
}

/// The body of an error page.
pub fn error_body(lang: Lang, message: &str) -> Markup {
    html! {
        section.card {
            h1 { (lang.t("err.title")) }
            p.error role="alert" { (message) }
            p { a href="/" { (lang.t("nav.back_home")) } }
        }
    }
}

/// The message for `field`, if it broke a rule, as a line under the input.
pub fn field_error(lang: Lang, errors: &FieldErrors, field: &str) -> Markup {
    html! {
        @if let Some(key) = errors.get(field) {
            span.field-error id={ (field) "-error" } role="alert" { (lang.t(key)) }
        }
    }
}

/// A summary at the top of a form that did not pass.
pub fn error_summary(lang: Lang, errors: &FieldErrors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error role="alert" { (lang.t("form.fix_errors")) }
        }
    }
}

/// The hidden CSRF field every form that changes something carries.
pub fn csrf_field(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

/// `aria-invalid` for an input whose field broke a rule.
pub fn invalid(errors: &FieldErrors, field: &str) -> Option<&'static str> {
    errors.get(field).map(|_| "true")
}

/// A VND amount for people: "95.000 ₫".
pub fn vnd(amount: i64) -> String {
    format!("{} ₫", nongsan_domain::quantity::format_vnd(amount))
}

/// Unix seconds as a Vietnamese local date and time.
pub fn datetime(unix: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(unix + nongsan_domain::VIETNAM_UTC_OFFSET_SECS)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!("{:02}/{:02}/{} {:02}:{:02}", t.day(), t.month() as u8, t.year(), t.hour(), t.minute())
}

/// A calendar date the Vietnamese way: 30/11/2026.
pub fn date(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), d.month() as u8, d.year())
}
