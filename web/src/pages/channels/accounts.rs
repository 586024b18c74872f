//! Channel accounts, for admins: which shop on which marketplace, in which mode, with which
//! credential (sealed at once, never shown back), and the state of its circuit breaker.

use super::account_input::{AccountInput, MODES, validate};
use super::board::paused_banners;
use super::{CHANNELS, clock, local_next, require_admin, site, style};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::SavedQuery;
use crate::pages::layout::{csrf_field, error_summary, field_error, invalid, page};
use crate::pages::{CheckedForm, invalid_page};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use nongsan_domain::FieldErrors;
use nongsan_domain::reference::reference;
use nongsan_store::ChannelAccount;

fn credential_hint(lang: Lang, a: &ChannelAccount) -> String {
    match &a.credentials_hint {
        Some(hint) if a.credentials_sealed.is_some() => format!("…{hint}"),
        _ => lang.t("accounts.no_credential").to_owned(),
    }
}

fn breaker(lang: Lang, csrf: &str, a: &ChannelAccount, next: &str) -> Markup {
    let now = nongsan_store::now();
    html! {
        @if a.paused_at(now) {
            span.badge.chstate-failed { (lang.tf("accounts.paused_until", &[("time", &clock(a.paused_until.unwrap_or(now)))])) }
            form.inline method="post" action={ "/admin/channels/" (a.id) "/resume" } {
                (csrf_field(csrf))
                input type="hidden" name="next" value=(next);
                " " button.secondary type="submit" { (lang.t("accounts.resume")) }
            }
        } @else if a.consecutive_failures > 0 {
            span.badge { (lang.tf("accounts.failures", &[("n", &a.consecutive_failures.to_string())])) }
        } @else {
            span.badge.chstate-live { (lang.t("accounts.healthy")) }
        }
    }
}

fn no_key_notice(lang: Lang, state: &AppState) -> Markup {
    html! { @if state.sealer.is_none() { div.error role="alert" { (lang.t("accounts.no_secret_key")) } } }
}

pub async fn accounts(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    require_admin(viewer)?;
    let list = state.store.channel_accounts().await?;
    let lang = ctx.lang;
    let data = reference();
    let body = html! {
        (style())
        h1 { (lang.t("accounts.title")) }
        (no_key_notice(lang, &state))
        (paused_banners(lang, &ctx.csrf, &list, true, &ctx.path))
        a.button href="/admin/channels/new" { "+ " (lang.t("accounts.new")) }
        @if list.is_empty() { p.card { (lang.t("accounts.empty")) } }
        @else {
            div.table-wrap {
                table.cards {
                    thead { tr {
                        th { (lang.t("accounts.name")) } th { (lang.t("sync.channel")) } th { (lang.t("accounts.mode")) }
                        th { (lang.t("accounts.farmer")) } th { (lang.t("accounts.default_crops")) } th { (lang.t("accounts.credential")) }
                        th { (lang.t("accounts.breaker")) }
                    } }
                    tbody {
                        @for a in &list {
                            tr {
                                td data-label=(lang.t("accounts.name")) {
                                    a href={ "/admin/channels/" (a.id) } { (a.name) }
                                    @if !a.active { " " span.badge { (lang.t("accounts.inactive")) } }
                                }
                                td data-label=(lang.t("sync.channel")) { (site(&a.channel)) }
                                td data-label=(lang.t("accounts.mode")) { (lang.t(&format!("accounts.mode.{}", a.mode))) }
                                td data-label=(lang.t("accounts.farmer")) { (a.farmer_name.as_deref().unwrap_or(lang.t("accounts.shared"))) }
                                td data-label=(lang.t("accounts.default_crops")) {
                                    (a.default_crops.iter().map(|c| data.crop(c).map(|x| x.name(lang.is_en())).unwrap_or(c)).collect::<Vec<_>>().join(", "))
                                }
                                td data-label=(lang.t("accounts.credential")) { (credential_hint(lang, a)) }
                                td data-label=(lang.t("accounts.breaker")) { (breaker(lang, &ctx.csrf, a, &ctx.path)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(lang, ctx.viewer.as_ref(), lang.t("accounts.title"), &ctx.path, body).into_response())
}

fn account_page(
    ctx: &Ctx,
    state: &AppState,
    existing: Option<&ChannelAccount>,
    input: &AccountInput,
    errors: &FieldErrors,
    saved: bool,
) -> axum::response::Html<String> {
    let lang = ctx.lang;
    let data = reference();
    let action = existing.map(|a| format!("/admin/channels/{}", a.id)).unwrap_or_else(|| "/admin/channels/new".into());
    let title = if existing.is_some() { lang.t("accounts.edit") } else { lang.t("accounts.new") };
    let body = html! {
        (style())
        p { a href="/admin/channels" { "← " (lang.t("accounts.title")) } }
        h1 { (title) @if let Some(a) = existing { ": " (a.name) } }
        @if saved { div.notice role="status" { (lang.t("accounts.saved")) } }
        (no_key_notice(lang, state))
        @if let Some(a) = existing { p { (lang.t("accounts.breaker")) ": " (breaker(lang, &ctx.csrf, a, &ctx.path)) } }
        form.card method="post" action=(action) novalidate autocomplete="off" {
            (csrf_field(&ctx.csrf))
            (error_summary(lang, errors))
            @if let Some(a) = existing {
                p { strong { (lang.t("sync.channel")) ": " } (site(&a.channel)) }
            } @else {
                label for="channel" { (lang.t("sync.channel")) }
                select #channel name="channel" aria-invalid=[invalid(errors, "channel")] {
                    @for c in CHANNELS { option value=(c) selected[input.channel == c] { (site(c)) } }
                }
                (field_error(lang, errors, "channel"))
            }
            fieldset {
                legend { (lang.t("accounts.mode")) }
                div.checks {
                    @for m in MODES {
                        label { input type="radio" name="mode" value=(m) checked[input.mode == m]; (lang.t(&format!("accounts.mode.{m}"))) }
                    }
                }
                span.hint { (lang.t("accounts.mode_hint")) }
                (field_error(lang, errors, "mode"))
            }
            label for="name" { (lang.t("accounts.name")) }
            input #name type="text" name="name" value=(input.name) maxlength="80" aria-invalid=[invalid(errors, "name")];
            (field_error(lang, errors, "name"))
            label for="base_url" { (lang.t("accounts.base_url")) span.hint { (lang.t("accounts.base_url_hint")) } }
            input #base_url type="text" inputmode="url" name="base_url" value=(input.base_url) aria-invalid=[invalid(errors, "base_url")];
            (field_error(lang, errors, "base_url"))
            label for="credential" {
                (lang.t("accounts.credential"))
                span.hint {
                    @if let Some(a) = existing { (lang.tf("accounts.credential_keep", &[("hint", &credential_hint(lang, a))])) }
                    @else { (lang.t("accounts.credential_hint")) }
                }
            }
            input #credential type="password" name="credential" value="" autocomplete="new-password" aria-invalid=[invalid(errors, "credential")];
            (field_error(lang, errors, "credential"))
            label for="farmer_phone" { (lang.t("accounts.farmer_phone")) span.hint { (lang.t("accounts.farmer_phone_hint")) } }
            input #farmer_phone type="tel" inputmode="tel" name="farmer_phone" value=(input.farmer_phone) aria-invalid=[invalid(errors, "farmer_phone")];
            (field_error(lang, errors, "farmer_phone"))
            fieldset {
                legend { (lang.t("accounts.default_crops")) }
                div.checks {
                    @for c in &data.crops {
                        label { input type="checkbox" name="default_crops" value=(c.key) checked[input.default_crops.contains(&c.key)]; (c.name(lang.is_en())) }
                    }
                }
                span.hint { (lang.t("accounts.default_crops_hint")) }
                (field_error(lang, errors, "default_crops"))
            }
            label for="rpm" { (lang.t("accounts.rpm")) }
            input #rpm type="text" inputmode="numeric" name="requests_per_minute" value=(input.requests_per_minute) aria-invalid=[invalid(errors, "requests_per_minute")];
            (field_error(lang, errors, "requests_per_minute"))
            div.checks { label { input type="checkbox" name="active" value="1" checked[input.active]; (lang.t("accounts.active")) } }
            div.actions { button type="submit" { (lang.t("form.save")) } }
        }
    };
    page(lang, ctx.viewer.as_ref(), title, &ctx.path, body)
}

async fn phone_of(state: &AppState, a: &ChannelAccount) -> Result<Option<String>, AppError> {
    Ok(match a.farmer_id {
        Some(id) => state.store.user(id).await?.phone,
        None => None,
    })
}

pub async fn new_account_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    require_admin(ctx.require()?)?;
    Ok(account_page(&ctx, &state, None, &AccountInput::blank(), &FieldErrors::default(), false).into_response())
}

pub async fn create_account(State(state): State<AppState>, ctx: Ctx, CheckedForm(form): CheckedForm) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    require_admin(viewer)?;
    let input = AccountInput::from_form(&form, None);
    match validate(&state, &input).await {
        Ok(settings) => {
            let account = state.store.create_channel_account(&settings).await?;
            tracing::info!(account.id = account.id, channel = %account.channel, admin.id = viewer.id(), "channel account created");
            Ok(Redirect::to(&format!("/admin/channels/{}?saved=1", account.id)).into_response())
        }
        Err(errors) => Ok(invalid_page(account_page(&ctx, &state, None, &input, &errors, false))),
    }
}

pub async fn account_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    require_admin(ctx.require()?)?;
    let account = state.store.channel_account(id).await?;
    let input = AccountInput::of(&account, phone_of(&state, &account).await?);
    Ok(account_page(&ctx, &state, Some(&account), &input, &FieldErrors::default(), q.saved.is_some()).into_response())
}

pub async fn save_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    require_admin(viewer)?;
    let account = state.store.channel_account(id).await?;
    let input = AccountInput::from_form(&form, Some(&account));
    match validate(&state, &input).await {
        Ok(settings) => {
            state.store.update_channel_account(id, &settings).await?;
            tracing::info!(
                account.id = id,
                admin.id = viewer.id(),
                credential_changed = settings.credentials.is_some(),
                "channel account saved"
            );
            Ok(Redirect::to(&format!("/admin/channels/{id}?saved=1")).into_response())
        }
        Err(errors) => Ok(invalid_page(account_page(&ctx, &state, Some(&account), &input, &errors, false))),
    }
}

/// An admin closes an account's circuit breaker now.
pub async fn resume_account(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    require_admin(viewer)?;
    state.store.channel_account(id).await?;
    state.store.resume_account(id).await?;
    tracing::info!(account.id = id, admin.id = viewer.id(), "channel account resumed");
    Ok(Redirect::to(&local_next(&form.get("next"), &format!("/admin/channels/{id}"))).into_response())
}
