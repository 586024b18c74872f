//! Registration, sessions and the caller's own account.

use super::{field, object, text};
use crate::actions::{self, ProfileInput, Registration};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use nongsan_domain::FieldErrors;
use nongsan_store::User;
use serde_json::{Value, json};

pub fn user_json(u: &User) -> Value {
    json!({
        "id": u.id,
        "role": u.role,
        "name": u.profile.name,
        "phone": u.phone,
        "commune": u.profile.commune,
        "legacy_commune": u.profile.legacy_commune,
        "village": u.profile.village,
        "seller_kind": u.profile.seller_kind,
        "crops": u.profile.crops,
        "certifications": u.profile.certifications,
        "has_password": u.password_hash.is_some(),
    })
}

fn list(value: Option<&Value>, field: &'static str, errors: &mut FieldErrors) -> Vec<String> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| {
                v.as_str().map(str::to_owned).or_else(|| {
                    errors.add(field, "err.type");
                    None
                })
            })
            .collect(),
        Some(_) => {
            errors.add(field, "err.type");
            Vec::new()
        }
    }
}

pub async fn register(State(state): State<AppState>, ctx: Ctx, Json(body): Json<Value>) -> Result<Response, AppError> {
    let map = object(body)?;
    let mut errors = FieldErrors::default();
    let mut reg = Registration {
        phone: field(&map, "phone", &mut errors),
        password: field(&map, "password", &mut errors),
        profile: ProfileInput {
            name: field(&map, "name", &mut errors),
            commune: field(&map, "commune", &mut errors),
            legacy_commune: field(&map, "legacy_commune", &mut errors),
            village: field(&map, "village", &mut errors),
            seller_kind: field(&map, "seller_kind", &mut errors),
            crops: Vec::new(),
            certifications: Vec::new(),
        },
    };
    reg.profile.crops = list(map.get("crops"), "crops", &mut errors);
    reg.profile.certifications = list(map.get("certifications"), "certifications", &mut errors);
    // A helper registering a farmer acts on their behalf; anyone else registers themself.
    let by =
        ctx.viewer.as_ref().filter(|v| matches!(v.role(), nongsan_domain::account::Role::Helper | nongsan_domain::account::Role::Admin));
    let user = match actions::register_farmer(&state, &reg, by).await {
        Err(AppError::Invalid(more)) => {
            for e in more.0 {
                errors.add(e.field, e.key);
            }
            return Err(AppError::Invalid(errors));
        }
        _ if !errors.is_empty() => return Err(AppError::Invalid(errors)),
        other => other?,
    };
    Ok((StatusCode::CREATED, Json(user_json(&user))).into_response())
}

pub async fn login(State(state): State<AppState>, ctx: Ctx, Json(body): Json<Value>) -> Result<Response, AppError> {
    let map = object(body)?;
    let phone = text(map.get("phone")).map_err(|_| AppError::invalid("phone", "err.type"))?;
    let password = text(map.get("password")).map_err(|_| AppError::invalid("password", "err.type"))?;
    if phone.trim().is_empty() {
        return Err(AppError::invalid("phone", "err.required"));
    }
    let (user, token, session) = actions::login(&state, &phone, &password, ctx.ip).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "token": token, "csrf_token": session.csrf, "expires_at": session.expires_at, "user": user_json(&user) })),
    )
        .into_response())
}

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let viewer = ctx.require()?;
    state.store.delete_session(&viewer.token).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn me(ctx: Ctx) -> Result<Json<Value>, AppError> {
    let viewer = ctx.require()?;
    let mut user = user_json(&viewer.user);
    user["communes"] = json!(viewer.communes);
    Ok(Json(user))
}
