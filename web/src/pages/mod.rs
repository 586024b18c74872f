//! Server-rendered pages. Every form works without JavaScript, posts a CSRF token, and when it
//! does not pass is shown again with what was typed and a message next to each field.

mod account;
mod catalogue;
pub(crate) mod channels;
mod forms;
mod helper;
pub mod layout;
mod manage;
mod reports;
mod review;
mod sales;

use crate::state::AppState;
use axum::Router;
use axum::routing::{get, post};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(catalogue::index))
        .route("/listings/{id}", get(catalogue::listing))
        .route("/farmers/{id}", get(catalogue::farmer))
        .route("/register", get(account::register_form).post(account::register))
        .route("/login", get(account::login_form).post(account::login))
        .route("/logout", post(account::logout))
        .route("/lang/{code}", get(account::switch_language))
        .route("/me", get(account::me))
        .route("/manage/{farmer_id}/profile", get(account::profile_form).post(account::profile_save))
        .route("/manage/{farmer_id}/listings", get(manage::my_listings))
        .route("/manage/{farmer_id}/listings/new", get(manage::new_form).post(manage::create))
        .route("/manage/listings/{id}", get(manage::show))
        .route("/manage/listings/{id}/edit", get(manage::edit_form).post(manage::edit))
        .route("/manage/listings/{id}/action", post(manage::action))
        .route("/manage/listings/{id}/photos", post(manage::add_photos))
        .route("/manage/listings/{id}/photos/{photo_id}/delete", post(manage::delete_photo))
        .route("/manage/{farmer_id}/sales", get(sales::show).post(sales::record))
        .route("/reports/sales", get(reports::dashboard))
        .route("/reports/sales/export/{file}", get(reports::export))
        .route("/helper", get(helper::index))
        .route("/helper/farmers", post(helper::create_farmer))
        .route("/review", get(review::queue))
        .route("/review/{id}", get(review::show))
        .route("/review/{id}/decision", post(review::decide))
        .route("/review/{id}/edit", post(review::edit))
        .route("/review/{id}/channels", post(channels::route))
        .route("/sync", get(channels::board))
        .route("/sync/publish", post(channels::publish))
        .route("/sync/{id}/retry", post(channels::retry))
        .route("/admin/channels", get(channels::accounts))
        .route("/admin/channels/new", get(channels::new_account_form).post(channels::create_account))
        .route("/admin/channels/{id}", get(channels::account_form).post(channels::save_account))
        .route("/admin/channels/{id}/resume", post(channels::resume_account))
        .route("/admin/jobs", get(channels::jobs))
        .route("/admin/jobs/{id}/retry", post(channels::retry_job))
        .route("/helper/tasks", get(channels::tasks))
        .route("/helper/tasks/{id}", get(channels::task))
        .route("/helper/tasks/{id}/photos/{file}", get(channels::task_photo))
        .route("/helper/tasks/{id}/bundle.zip", get(channels::task_bundle))
        .route("/helper/tasks/{id}/done", post(channels::task_done))
}

/// A page that did not pass validation: shown again with status 422, left as it is by the
/// error renderer.
pub fn invalid_page(page: axum::response::Html<String>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut response = (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response();
    response.extensions_mut().insert(crate::error::Rendered);
    response
}

/// `?saved=1` after a form was saved: the page says so.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    pub saved: Option<String>,
}

/// Form fields as name/value pairs, repeated names allowed (checkbox groups).
#[derive(Debug, Clone, Default)]
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    pub fn get(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
    }
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }
}

/// A url-encoded form whose CSRF token matched this visitor's: handlers that change something
/// take this, so none can forget the check.
pub struct CheckedForm(pub Pairs);

impl<S: Send + Sync> axum::extract::FromRequest<S> for CheckedForm {
    type Rejection = crate::error::AppError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = request.into_parts();
        let ctx = crate::auth::Ctx::from_request_parts(&mut parts, state).await?;
        let request = axum::extract::Request::from_parts(parts, body);
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                crate::error::AppError::TooLarge
            } else {
                crate::error::AppError::BadRequest("err.bad_request")
            }
        })?;
        let pairs = Pairs(pairs);
        ctx.verify_csrf(&pairs.get("csrf"))?;
        Ok(CheckedForm(pairs))
    }
}
