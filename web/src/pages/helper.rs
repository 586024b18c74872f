//! The community digital team's page: farmers of their communes, and new farmer accounts.

use super::forms::{profile_fields, profile_input};
use super::layout::{csrf_field, error_summary, field_error, invalid, page};
use super::{CheckedForm, invalid_page};
use crate::actions::{self, ProfileInput, Registration};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use nongsan_domain::FieldErrors;
use nongsan_domain::account::Role;
use nongsan_domain::reference::reference;

fn helper_page(ctx: &Ctx, farmers: &[nongsan_store::User], reg: &Registration, errors: &FieldErrors) -> axum::response::Html<String> {
    let lang = ctx.lang;
    let viewer = ctx.viewer.as_ref().expect("checked by the handler");
    let data = reference();
    let communes: Vec<String> = viewer.communes.iter().filter_map(|k| data.places.current(k)).map(|c| c.name.clone()).collect();
    let limit = (viewer.role() == Role::Helper).then_some(viewer.communes.as_slice());
    let body = html! {
        h1 { (lang.t("helper.title")) }
        @if viewer.role() == Role::Helper { p { (lang.tf("helper.communes", &[("communes", &communes.join(", "))])) } }
        section.card {
            h2 { (lang.t("helper.farmers")) }
            @if farmers.is_empty() { p { (lang.t("helper.no_farmers")) } }
            ul.plain {
                @for f in farmers {
                    li {
                        strong { (f.profile.name) }
                        div.meta {
                            (f.phone.as_deref().unwrap_or(lang.t("helper.no_phone")))
                            @if let Some(c) = f.profile.commune.as_deref().and_then(|k| data.places.current(k)) { " · xã " (c.name) }
                            @if !f.profile.village.is_empty() { " · " (f.profile.village) }
                        }
                        div.actions {
                            a.button href={ "/manage/" (f.id) "/listings/new" } { (lang.t("manage.new")) }
                            a.button.secondary href={ "/manage/" (f.id) "/listings" } { (lang.t("helper.their_listings")) }
                            a.button.secondary href={ "/manage/" (f.id) "/profile" } { (lang.t("nav.profile")) }
                        }
                    }
                }
            }
        }
        form.card method="post" action="/helper/farmers" novalidate {
            h2 { (lang.t("helper.create")) }
            p.meta { (lang.t("helper.create_note")) }
            (csrf_field(&ctx.csrf))
            (error_summary(lang, errors))
            label for="phone" { (lang.t("account.phone")) span.hint { (lang.t("form.optional")) } }
            input #phone type="tel" name="phone" value=(reg.phone) inputmode="tel" aria-invalid=[invalid(errors, "phone")];
            (field_error(lang, errors, "phone"))
            (profile_fields(lang, &reg.profile, errors, limit))
            div.actions { button type="submit" { (lang.t("helper.create_submit")) } }
        }
    };
    page(lang, ctx.viewer.as_ref(), lang.t("helper.title"), &ctx.path, body)
}

async fn farmers_for(state: &AppState, viewer: &crate::auth::Viewer) -> Result<Vec<nongsan_store::User>, AppError> {
    let communes: Vec<String> = match viewer.role() {
        Role::Helper => viewer.communes.clone(),
        Role::Admin => reference().places.current.iter().map(|c| c.key.clone()).collect(),
        _ => return Err(AppError::Forbidden),
    };
    Ok(state.store.farmers_in(&communes).await?)
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let farmers = farmers_for(&state, viewer).await?;
    let reg = Registration {
        profile: ProfileInput { commune: viewer.communes.first().cloned().unwrap_or_default(), ..ProfileInput::default() },
        ..Registration::default()
    };
    Ok(helper_page(&ctx, &farmers, &reg, &FieldErrors::default()).into_response())
}

pub async fn create_farmer(State(state): State<AppState>, ctx: Ctx, CheckedForm(form): CheckedForm) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    let farmers = farmers_for(&state, viewer).await?;
    let reg = Registration { phone: form.get("phone"), password: String::new(), profile: profile_input(&form) };
    match actions::register_farmer(&state, &reg, Some(viewer)).await {
        Ok(user) => Ok(Redirect::to(&format!("/manage/{}/listings/new", user.id)).into_response()),
        Err(AppError::Invalid(errors)) => Ok(invalid_page(helper_page(&ctx, &farmers, &reg, &errors))),
        Err(e) => Err(e),
    }
}
