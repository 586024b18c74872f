//! What people do, once: the forms and the JSON API both call these functions, so a rule or a
//! permission cannot differ between them.

use crate::auth::{self, Viewer, can_act_for, can_see_private, require_reviewer};
use crate::error::AppError;
use crate::state::App;
use nongsan_domain::FieldErrors;
use nongsan_domain::account::{MAX_NAME_LEN, MIN_PASSWORD_LEN, Role, SellerKind};
use nongsan_domain::listing::{Event, RawListing};
use nongsan_domain::phone::Phone;
use nongsan_domain::reference::reference;
use nongsan_domain::text::tidy;
use nongsan_store::{Listing, NewListing, NewUser, Photo, Profile, SessionInfo, User};
use std::net::IpAddr;
use time::Date;

/// Today in Di Linh.
pub fn today() -> Date {
    nongsan_domain::local_date(nongsan_store::now())
}

/// A farmer's details as typed into the registration or profile form.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ProfileInput {
    pub name: String,
    pub commune: String,
    pub legacy_commune: String,
    pub village: String,
    pub seller_kind: String,
    pub crops: Vec<String>,
    pub certifications: Vec<String>,
}

impl ProfileInput {
    pub fn from_profile(p: &Profile) -> ProfileInput {
        ProfileInput {
            name: p.name.clone(),
            commune: p.commune.clone().unwrap_or_default(),
            legacy_commune: p.legacy_commune.clone().unwrap_or_default(),
            village: p.village.clone(),
            seller_kind: p.seller_kind.as_str().to_owned(),
            crops: p.crops.clone(),
            certifications: p.certifications.clone(),
        }
    }

    /// Checks the profile; a farmer must name a current commune.
    pub fn validate(&self, errors: &mut FieldErrors) -> Profile {
        let data = reference();
        let name = tidy(&self.name);
        if name.is_empty() {
            errors.add("name", "err.required");
        } else if name.chars().count() > MAX_NAME_LEN {
            errors.add("name", "err.name.too_long");
        }
        let commune = self.commune.trim();
        if commune.is_empty() {
            errors.add("commune", "err.required");
        } else if data.places.current(commune).is_none() {
            errors.add("commune", "err.commune.unknown");
        }
        let legacy = self.legacy_commune.trim();
        if !legacy.is_empty() && data.places.legacy(legacy).is_none() {
            errors.add("legacy_commune", "err.commune.unknown");
        }
        let village = tidy(&self.village);
        if village.chars().count() > MAX_NAME_LEN {
            errors.add("village", "err.name.too_long");
        }
        let seller_kind = if self.seller_kind.trim().is_empty() {
            SellerKind::Household
        } else {
            SellerKind::parse(self.seller_kind.trim()).unwrap_or_else(|| {
                errors.add("seller_kind", "err.seller_kind.unknown");
                SellerKind::Household
            })
        };
        let mut crops: Vec<String> = Vec::new();
        for crop in self.crops.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            if data.crop(crop).is_none() {
                errors.add("crops", "err.crop.unknown");
            } else if !crops.iter().any(|c| c == crop) {
                crops.push(crop.to_owned());
            }
        }
        let mut certifications: Vec<String> = Vec::new();
        for cert in self.certifications.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            if data.certification(cert).is_none() {
                errors.add("certifications", "err.certification.unknown");
            } else if !certifications.iter().any(|c| c == cert) {
                certifications.push(cert.to_owned());
            }
        }
        Profile {
            name,
            commune: (!commune.is_empty()).then(|| commune.to_owned()),
            legacy_commune: (!legacy.is_empty()).then(|| legacy.to_owned()),
            village,
            seller_kind,
            crops,
            certifications,
        }
    }
}

/// A registration: self-service (phone and password required) or by a helper (both optional).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct Registration {
    pub phone: String,
    pub password: String,
    #[serde(flatten)]
    pub profile: ProfileInput,
}

/// Registers a farmer. `by` is the helper (or admin) creating the account, if any.
pub async fn register_farmer(app: &App, input: &Registration, by: Option<&Viewer>) -> Result<User, AppError> {
    let mut errors = FieldErrors::default();
    let on_behalf = by.is_some();
    if let Some(v) = by
        && !matches!(v.role(), Role::Helper | Role::Admin)
    {
        return Err(AppError::Forbidden);
    }
    let phone = match input.phone.trim() {
        "" if on_behalf => None,
        "" => {
            errors.add("phone", "err.required");
            None
        }
        typed => {
            let parsed = Phone::parse(typed);
            if parsed.is_none() {
                errors.add("phone", "err.phone.invalid");
            }
            parsed
        }
    };
    let password = input.password.as_str();
    if password.is_empty() && !on_behalf {
        errors.add("password", "err.required");
    } else if !password.is_empty() && password.chars().count() < MIN_PASSWORD_LEN {
        errors.add("password", "err.password.too_short");
    } else if password.chars().count() > 200 {
        errors.add("password", "err.password.too_long");
    } else if !password.is_empty() && phone.is_none() && on_behalf && errors.get("phone").is_none() {
        errors.add("phone", "err.phone.needed_for_password");
    }
    let profile = input.profile.validate(&mut errors);
    if let Some(v) = by
        && v.role() == Role::Helper
        && let Some(c) = &profile.commune
        && !v.communes.contains(c)
    {
        errors.add("commune", "err.commune.not_yours");
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    if let Some(p) = &phone
        && app.store.user_by_phone(p.as_str()).await?.is_some()
    {
        return Err(AppError::invalid("phone", "err.phone.taken"));
    }
    let password_hash = if password.is_empty() { None } else { Some(auth::hash_password(password.to_owned()).await?) };
    let user = app
        .store
        .create_user(&NewUser {
            role: Role::Farmer,
            phone: phone.map(|p| p.as_str().to_owned()),
            password_hash,
            profile,
            created_by: by.map(Viewer::id),
        })
        .await?;
    tracing::info!(user.id = user.id, by = by.map(Viewer::id), "farmer registered");
    Ok(user)
}

/// Checks a phone number and password, throttling guesses per phone and per address.
pub async fn login(app: &App, phone: &str, password: &str, ip: Option<IpAddr>) -> Result<(User, String, SessionInfo), AppError> {
    let cfg = &app.config;
    let Some(phone) = Phone::parse(phone) else {
        return Err(AppError::invalid("phone", "err.phone.invalid"));
    };
    let phone_key = format!("phone:{phone}");
    let ip_key = format!("ip:{}", ip.map(|i| i.to_string()).unwrap_or_else(|| "unknown".into()));
    let window = cfg.throttle_window_secs;
    if app.store.login_failures(&phone_key, window).await? >= cfg.max_failures_per_phone
        || app.store.login_failures(&ip_key, window).await? >= cfg.max_failures_per_address
    {
        tracing::warn!(phone = %phone, "login throttled");
        return Err(AppError::TooManyAttempts { retry_after_secs: window });
    }
    let user = app.store.user_by_phone(phone.as_str()).await?;
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    if !auth::verify_password(password.to_owned(), hash).await {
        app.store.record_login_failure(&phone_key).await?;
        app.store.record_login_failure(&ip_key).await?;
        return Err(AppError::invalid("password", "err.login.failed"));
    }
    let user = user.ok_or(AppError::invalid("password", "err.login.failed"))?;
    app.store.clear_login_failures(&phone_key).await?;
    let (token, session) = app.store.create_session(user.id, cfg.session_ttl_secs).await?;
    Ok((user, token, session))
}

/// The farmer `viewer` acts for: 404 when there is no such farmer, 403 when not allowed.
pub async fn farmer_for(app: &App, viewer: &Viewer, farmer_id: i64) -> Result<User, AppError> {
    let farmer = app.store.user(farmer_id).await?;
    if farmer.role != Role::Farmer {
        return Err(AppError::NotFound);
    }
    if !can_act_for(viewer, &farmer) {
        return Err(AppError::Forbidden);
    }
    Ok(farmer)
}

/// Login details a profile form may set: a phone number for a farmer who had none (or a new
/// one), and a new password. Empty fields change nothing.
#[derive(Debug, Clone, Default)]
pub struct LoginChange {
    pub phone: String,
    pub new_password: String,
}

/// Updates a farmer's profile as `viewer`, and their login details when given.
pub async fn update_profile(
    app: &App,
    viewer: &Viewer,
    farmer_id: i64,
    input: &ProfileInput,
    login: &LoginChange,
) -> Result<User, AppError> {
    let farmer = farmer_for(app, viewer, farmer_id).await?;
    let mut errors = FieldErrors::default();
    let profile = input.validate(&mut errors);
    let phone = match login.phone.trim() {
        "" => None,
        typed => match Phone::parse(typed) {
            None => {
                errors.add("phone", "err.phone.invalid");
                None
            }
            Some(p) if farmer.phone.as_deref() == Some(p.as_str()) => None,
            Some(p) => {
                if app.store.user_by_phone(p.as_str()).await?.is_some() {
                    errors.add("phone", "err.phone.taken");
                }
                Some(p)
            }
        },
    };
    let password = login.new_password.as_str();
    if !password.is_empty() {
        if password.chars().count() < MIN_PASSWORD_LEN {
            errors.add("new_password", "err.password.too_short");
        } else if password.chars().count() > 200 {
            errors.add("new_password", "err.password.too_long");
        } else if phone.is_none() && farmer.phone.is_none() {
            errors.add("phone", "err.phone.needed_for_password");
        }
    }
    if viewer.role() == Role::Helper
        && let Some(c) = &profile.commune
        && !viewer.communes.contains(c)
    {
        errors.add("commune", "err.commune.not_yours");
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let mut user = app.store.update_profile(farmer.id, &profile).await?;
    if phone.is_some() || !password.is_empty() {
        let hash = if password.is_empty() { farmer.password_hash.clone() } else { Some(auth::hash_password(password.to_owned()).await?) };
        app.store.set_login(farmer.id, phone.as_ref().map(Phone::as_str), hash.as_deref()).await?;
        user = app.store.user(farmer.id).await?;
    }
    // The profile change queued every listing of the farmer; one drain indexes them all.
    if let Some(listing) = app.store.listings_of(farmer.id).await?.first() {
        app.catalogue.listing_changed(listing.id).await;
    }
    Ok(user)
}

/// Creates a listing for `farmer_id` as `viewer`; a repeated submission key returns the
/// listing the first submission created (the boolean is false then).
pub async fn create_listing(
    app: &App,
    viewer: &Viewer,
    farmer_id: i64,
    raw: &RawListing,
    submit: bool,
    submission_key: Option<String>,
) -> Result<(Listing, bool), AppError> {
    let farmer = farmer_for(app, viewer, farmer_id).await?;
    let fields = raw.validate(today()).map_err(AppError::Invalid)?;
    let key = submission_key.map(|k| k.chars().take(100).collect::<String>()).filter(|k| !k.is_empty());
    let new = NewListing { farmer_id: farmer.id, actor_id: viewer.id(), fields, submit, submission_key: key };
    let (listing, created) = app.store.create_listing(&new).await?;
    if created {
        tracing::info!(listing.id = listing.id, farmer.id = farmer.id, actor.id = viewer.id(), "listing created");
    }
    Ok((listing, created))
}

/// A listing as `viewer` may see it: public listings for everyone, others only for those
/// who act for the farmer and for reviewers. Anything else is "not found".
pub async fn visible_listing(app: &App, viewer: Option<&Viewer>, id: i64) -> Result<Listing, AppError> {
    let listing = app.store.listing(id).await?;
    let public = listing.status.is_public() && listing.fields.available_until >= today();
    if public {
        return Ok(listing);
    }
    let Some(viewer) = viewer else { return Err(AppError::NotFound) };
    let farmer = app.store.user(listing.farmer_id).await?;
    if can_see_private(viewer, &farmer) { Ok(listing) } else { Err(AppError::NotFound) }
}

/// A listing `viewer` may change as its farmer (or their helper).
pub async fn own_listing(app: &App, viewer: &Viewer, id: i64) -> Result<Listing, AppError> {
    let listing = visible_listing(app, Some(viewer), id).await?;
    let farmer = app.store.user(listing.farmer_id).await?;
    if can_act_for(viewer, &farmer) { Ok(listing) } else { Err(AppError::Forbidden) }
}

/// Edits a listing. Its farmer or their helper may edit; a reviewer may too, with a reason
/// the farmer will read.
pub async fn edit_listing(app: &App, viewer: &Viewer, id: i64, raw: &RawListing, reason: Option<&str>) -> Result<Listing, AppError> {
    let listing = visible_listing(app, Some(viewer), id).await?;
    let farmer = app.store.user(listing.farmer_id).await?;
    let as_owner = can_act_for(viewer, &farmer);
    let as_reviewer = viewer.role().reviews() && !as_owner;
    if !as_owner && !as_reviewer {
        return Err(AppError::Forbidden);
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let mut fields = raw.validate(today());
    if as_reviewer && reason.is_none() {
        let mut errors = fields.as_ref().err().cloned().unwrap_or_default();
        errors.add("reason", "err.reason.required");
        fields = Err(errors);
    }
    let fields = fields.map_err(AppError::Invalid)?;
    let updated = app.store.update_listing(id, viewer.id(), &fields, reason, as_reviewer).await?;
    app.catalogue.listing_changed(id).await;
    Ok(updated)
}

/// What a farmer (or helper) can do to their own listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnerAction {
    Submit,
    Pause,
    Resume,
    SellOut,
    Restock,
    Archive,
}

impl OwnerAction {
    pub fn event(self) -> Event {
        match self {
            OwnerAction::Submit => Event::Submit,
            OwnerAction::Pause => Event::Pause,
            OwnerAction::Resume => Event::Resume,
            OwnerAction::SellOut => Event::SellOut,
            OwnerAction::Restock => Event::Restock,
            OwnerAction::Archive => Event::Archive,
        }
    }
}

pub async fn owner_action(app: &App, viewer: &Viewer, id: i64, action: OwnerAction) -> Result<Listing, AppError> {
    own_listing(app, viewer, id).await?;
    let listing = app.store.transition(id, Some(viewer.id()), action.event(), None).await?;
    app.catalogue.listing_changed(id).await;
    Ok(listing)
}

/// A curator's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

/// Approves or rejects a listing under review; a rejection needs a reason the farmer can act on.
pub async fn review(app: &App, viewer: &Viewer, id: i64, decision: Decision, reason: &str) -> Result<Listing, AppError> {
    require_reviewer(viewer)?;
    let reason = tidy(reason);
    if decision == Decision::Reject && reason.is_empty() {
        return Err(AppError::invalid("reason", "err.reason.required"));
    }
    if reason.chars().count() > 1000 {
        return Err(AppError::invalid("reason", "err.reason.too_long"));
    }
    let event = match decision {
        Decision::Approve => Event::Approve,
        Decision::Reject => Event::Reject,
    };
    let reason = (!reason.is_empty()).then_some(reason);
    let listing = app.store.transition(id, Some(viewer.id()), event, reason.as_deref()).await?;
    app.catalogue.listing_changed(id).await;
    tracing::info!(listing.id = id, curator.id = viewer.id(), ?decision, "listing reviewed");
    Ok(listing)
}

/// Accepts a photo for a listing `viewer` may change.
pub async fn add_photo(app: &App, viewer: &Viewer, listing_id: i64, bytes: Vec<u8>) -> Result<(Photo, bool), AppError> {
    own_listing(app, viewer, listing_id).await?;
    if app.store.photos_of(listing_id).await?.len() as i64 >= nongsan_store::MAX_PHOTOS_PER_LISTING {
        return Err(AppError::invalid("photo", "err.photo.too_many"));
    }
    let stored = app.media.accept(bytes).await?;
    let photo = app.store.add_photo(listing_id, &stored.hash, stored.width, stored.height, stored.bytes).await?;
    app.catalogue.listing_changed(listing_id).await;
    Ok(photo)
}

pub async fn delete_photo(app: &App, viewer: &Viewer, listing_id: i64, photo_id: i64) -> Result<(), AppError> {
    own_listing(app, viewer, listing_id).await?;
    if let Some(hash) = app.store.delete_photo(listing_id, photo_id).await? {
        app.media.remove(&hash).await;
    }
    app.catalogue.listing_changed(listing_id).await;
    Ok(())
}

/// The URL of a photo variant.
pub fn photo_url(hash: &str, variant: &str) -> String {
    format!("/media/{hash}/{variant}")
}
