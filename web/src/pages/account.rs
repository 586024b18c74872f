//! Registration, login, logout, the language switch and the profile page.

use super::SavedQuery;
use super::forms::{profile_fields, profile_input};
use super::layout::{csrf_field, error_summary, field_error, invalid, page};
use super::{CheckedForm, invalid_page};
use crate::actions::{self, ProfileInput, Registration};
use crate::auth::{CSRF_COOKIE, Ctx, SESSION_COOKIE, set_cookie};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use nongsan_domain::FieldErrors;
use nongsan_domain::account::Role;

/// Only paths on this site are followed after login or a language switch.
fn local_path(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') { next } else { "/" }
}

fn register_page(ctx: &Ctx, reg: &Registration, errors: &FieldErrors) -> axum::response::Html<String> {
    let lang = ctx.lang;
    let body = html! {
        h1 { (lang.t("register.title")) }
        p { (lang.t("register.intro")) }
        form.card method="post" action="/register" novalidate {
            (csrf_field(&ctx.csrf))
            (error_summary(lang, errors))
            label for="phone" { (lang.t("account.phone")) span.hint { (lang.t("account.phone_hint")) } }
            input #phone type="tel" name="phone" value=(reg.phone) inputmode="tel" autocomplete="tel" required aria-invalid=[invalid(errors, "phone")];
            (field_error(lang, errors, "phone"))
            label for="password" { (lang.t("account.password")) span.hint { (lang.t("account.password_hint")) } }
            input #password type="password" name="password" autocomplete="new-password" required aria-invalid=[invalid(errors, "password")];
            (field_error(lang, errors, "password"))
            (profile_fields(lang, &reg.profile, errors, None))
            div.actions { button type="submit" { (lang.t("register.submit")) } }
        }
        p { (lang.t("register.have_account")) " " a href="/login" { (lang.t("nav.login")) } }
    };
    page(lang, None, lang.t("register.title"), &ctx.path, body)
}

pub async fn register_form(ctx: Ctx) -> Response {
    if let Some(v) = &ctx.viewer {
        return Redirect::to(&home_of(v.role(), v.id())).into_response();
    }
    register_page(&ctx, &Registration::default(), &FieldErrors::default()).into_response()
}

pub async fn register(State(state): State<AppState>, ctx: Ctx, CheckedForm(form): CheckedForm) -> Result<Response, AppError> {
    let reg = Registration { phone: form.get("phone"), password: form.get("password"), profile: profile_input(&form) };
    match actions::register_farmer(&state, &reg, None).await {
        Ok(user) => {
            let (token, _) = state.store.create_session(user.id, state.config.session_ttl_secs).await?;
            Ok(logged_in(&state, &token, &format!("/manage/{}/listings", user.id)))
        }
        Err(AppError::Invalid(errors)) => Ok(invalid_page(register_page(&ctx, &Registration { password: String::new(), ..reg }, &errors))),
        Err(e) => Err(e),
    }
}

fn logged_in(state: &AppState, token: &str, to: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, token, state.config.session_ttl_secs, state.config.secure_cookies));
    response
}

/// Where each role starts.
pub fn home_of(role: Role, id: i64) -> String {
    match role {
        Role::Farmer => format!("/manage/{id}/listings"),
        Role::Helper | Role::Admin => "/helper".into(),
        Role::Curator => "/review".into(),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

fn login_page(ctx: &Ctx, phone: &str, next: &str, errors: &FieldErrors, notice: Option<&str>) -> axum::response::Html<String> {
    let lang = ctx.lang;
    let body = html! {
        h1 { (lang.t("login.title")) }
        form.card method="post" action="/login" novalidate {
            (csrf_field(&ctx.csrf))
            input type="hidden" name="next" value=(next);
            @if let Some(n) = notice { div.error role="alert" { (n) } }
            (error_summary(lang, errors))
            label for="phone" { (lang.t("account.phone")) }
            input #phone type="tel" name="phone" value=(phone) inputmode="tel" autocomplete="tel" required aria-invalid=[invalid(errors, "phone")];
            (field_error(lang, errors, "phone"))
            label for="password" { (lang.t("account.password")) }
            input #password type="password" name="password" autocomplete="current-password" required aria-invalid=[invalid(errors, "password")];
            (field_error(lang, errors, "password"))
            div.actions { button type="submit" { (lang.t("login.submit")) } }
        }
        p { (lang.t("login.no_account")) " " a href="/register" { (lang.t("nav.register")) } }
        p.meta { (lang.t("login.helper_note")) }
    };
    page(lang, None, lang.t("login.title"), &ctx.path, body)
}

pub async fn login_form(ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    login_page(&ctx, "", &q.next, &FieldErrors::default(), None).into_response()
}

pub async fn login(State(state): State<AppState>, ctx: Ctx, CheckedForm(form): CheckedForm) -> Result<Response, AppError> {
    let (phone, next) = (form.get("phone"), form.get("next"));
    match actions::login(&state, &phone, &form.get("password"), ctx.ip).await {
        Ok((user, token, _)) => {
            let to = if next.is_empty() { home_of(user.role, user.id) } else { local_path(&next).to_owned() };
            Ok(logged_in(&state, &token, &to))
        }
        Err(AppError::Invalid(errors)) => Ok(invalid_page(login_page(&ctx, &phone, &next, &errors, None))),
        Err(AppError::TooManyAttempts { retry_after_secs }) => {
            let mut response =
                invalid_page(login_page(&ctx, &phone, &next, &FieldErrors::default(), Some(ctx.lang.t("err.login.throttled"))));
            *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            Ok(response)
        }
        Err(e) => Err(e),
    }
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx, _checked: CheckedForm) -> Result<Response, AppError> {
    if let Some(v) = &ctx.viewer {
        state.store.delete_session(&v.token).await?;
    }
    let mut response = Redirect::to("/").into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies));
    // A fresh anonymous CSRF token after logout.
    response.headers_mut().append(header::SET_COOKIE, set_cookie(CSRF_COOKIE, "", 0, state.config.secure_cookies));
    Ok(response)
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct BackQuery {
    back: String,
}

pub async fn switch_language(State(state): State<AppState>, Path(code): Path<String>, Query(q): Query<BackQuery>) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let mut response = Redirect::to(local_path(&q.back)).into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie("lang", lang.code(), 365 * 24 * 3600, state.config.secure_cookies));
    response
}

/// The account page: farmers go to their profile; others see who they are.
pub async fn me(ctx: Ctx) -> Result<Response, AppError> {
    let v = ctx.require()?;
    if v.role() == Role::Farmer {
        return Ok(Redirect::to(&format!("/manage/{}/profile", v.id())).into_response());
    }
    let lang = ctx.lang;
    let body = html! {
        h1 { (v.user.profile.name) }
        p { (lang.t(&format!("role.{}", v.role().as_str()))) }
        a.button href=(home_of(v.role(), v.id())) { (lang.t("nav.continue")) }
    };
    Ok(page(lang, ctx.viewer.as_ref(), &v.user.profile.name, &ctx.path, body).into_response())
}

fn profile_page(
    ctx: &Ctx,
    farmer_id: i64,
    input: &ProfileInput,
    phone: &str,
    errors: &FieldErrors,
    saved: bool,
) -> axum::response::Html<String> {
    let lang = ctx.lang;
    let helper_communes = ctx.viewer.as_ref().filter(|v| v.role() == Role::Helper).map(|v| v.communes.as_slice());
    let body = html! {
        h1 { (lang.t("profile.title")) }
        @if saved { div.notice role="status" { (lang.t("profile.saved")) } }
        form.card method="post" action={ "/manage/" (farmer_id) "/profile" } novalidate {
            (csrf_field(&ctx.csrf))
            (error_summary(lang, errors))
            label for="phone" { (lang.t("account.phone")) span.hint { (lang.t("profile.phone_hint")) } }
            input #phone type="tel" name="phone" value=(phone) inputmode="tel" autocomplete="tel" aria-invalid=[invalid(errors, "phone")];
            (field_error(lang, errors, "phone"))
            (profile_fields(lang, input, errors, helper_communes))
            label for="new_password" { (lang.t("profile.new_password")) span.hint { (lang.t("profile.new_password_hint")) } }
            input #new_password type="password" name="new_password" autocomplete="new-password" aria-invalid=[invalid(errors, "new_password")];
            (field_error(lang, errors, "new_password"))
            div.actions { button type="submit" { (lang.t("form.save")) } }
        }
        p { a href={ "/manage/" (farmer_id) "/listings" } { (lang.t("nav.my_listings")) } " · " a href={ "/farmers/" (farmer_id) } { (lang.t("profile.public_page")) } }
    };
    page(lang, ctx.viewer.as_ref(), lang.t("profile.title"), &ctx.path, body)
}

pub async fn profile_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(farmer_id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let farmer = actions::farmer_for(&state, viewer, farmer_id).await?;
    let phone = farmer.phone.clone().unwrap_or_default();
    let input = ProfileInput::from_profile(&farmer.profile);
    Ok(profile_page(&ctx, farmer_id, &input, &phone, &FieldErrors::default(), q.saved.is_some()).into_response())
}

pub async fn profile_save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(farmer_id): Path<i64>,
    CheckedForm(form): CheckedForm,
) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let input = profile_input(&form);
    let login = actions::LoginChange { phone: form.get("phone"), new_password: form.get("new_password") };
    match actions::update_profile(&state, viewer, farmer_id, &input, &login).await {
        Ok(_) => Ok(Redirect::to(&format!("/manage/{farmer_id}/profile?saved=1")).into_response()),
        Err(AppError::Invalid(errors)) => Ok(invalid_page(profile_page(&ctx, farmer_id, &input, &login.phone, &errors, false))),
        Err(e) => Err(e),
    }
}
