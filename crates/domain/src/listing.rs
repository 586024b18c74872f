//! Listings: what a farmer offers, the rules it must satisfy, and its lifecycle.
//!
//! The lifecycle is enforced here and only here: [`Status::apply`] answers every transition,
//! and an illegal one is an error, never a silent no-op.

use crate::errors::FieldErrors;
use crate::quantity;
use crate::reference::{Reference, reference};
use crate::text::tidy;
use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// Where a listing stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    PendingReview,
    Approved,
    Rejected,
    Paused,
    SoldOut,
    Expired,
    Archived,
}

/// Something that happens to a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The farmer (or a helper) sends it for review.
    Submit,
    /// A curator puts it in the catalogue.
    Approve,
    /// A curator sends it back with a reason.
    Reject,
    /// The farmer takes it out of the catalogue for a while.
    Pause,
    /// The farmer puts a paused listing back.
    Resume,
    /// Nothing left to sell.
    SellOut,
    /// Stock came back to a sold-out listing.
    Restock,
    /// The availability window ended.
    Expire,
    /// The farmer changed what is offered (not only price or quantity): review again.
    EditContent,
    /// Gone for good.
    Archive,
}

/// A transition the lifecycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a listing that is {from:?} cannot {event:?}")]
pub struct IllegalTransition {
    pub from: Status,
    pub event: Event,
}

impl Event {
    /// The error for this event on a listing in `from`.
    pub fn illegal_from(self, from: Status) -> IllegalTransition {
        IllegalTransition { from, event: self }
    }
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Draft,
        Status::PendingReview,
        Status::Approved,
        Status::Rejected,
        Status::Paused,
        Status::SoldOut,
        Status::Expired,
        Status::Archived,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::PendingReview => "pending_review",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Paused => "paused",
            Status::SoldOut => "sold_out",
            Status::Expired => "expired",
            Status::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The status after `event`, or the reason it cannot happen.
    pub fn apply(self, event: Event) -> Result<Status, IllegalTransition> {
        use Event as E;
        use Status as S;
        let next = match (self, event) {
            (S::Draft | S::Rejected, E::Submit) => S::PendingReview,
            (S::Expired, E::Submit) => S::PendingReview,
            (S::PendingReview, E::Approve) => S::Approved,
            (S::PendingReview, E::Reject) => S::Rejected,
            (S::Approved, E::Pause) => S::Paused,
            (S::Paused, E::Resume) => S::Approved,
            (S::Approved | S::Paused, E::SellOut) => S::SoldOut,
            (S::SoldOut, E::Restock) => S::Approved,
            (S::Approved | S::Paused | S::SoldOut, E::Expire) => S::Expired,
            // Editing a draft or a listing under review keeps it where it is.
            (S::Draft | S::PendingReview | S::Rejected, E::EditContent) => self,
            (S::Approved | S::Paused | S::SoldOut | S::Expired, E::EditContent) => S::PendingReview,
            (s, E::Archive) if s != S::Archived => S::Archived,
            (from, event) => return Err(IllegalTransition { from, event }),
        };
        Ok(next)
    }

    /// Shown to buyers in the catalogue.
    pub fn is_public(self) -> bool {
        self == Status::Approved
    }

    /// The owner may still change what is offered.
    pub fn is_editable(self) -> bool {
        self != Status::Archived
    }
}

/// A certification claimed on a listing, as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct RawCertification {
    pub code: String,
    #[serde(default)]
    pub stars: Option<String>,
    #[serde(default)]
    pub valid_until: Option<String>,
}

/// A listing as a person typed it: every field text, nothing trusted yet.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct RawListing {
    pub crop: String,
    pub variety: String,
    pub form: String,
    pub grade: String,
    pub title: String,
    pub description: String,
    pub quantity: String,
    pub unit: String,
    pub price_vnd_per_kg: String,
    pub available_from: String,
    pub available_until: String,
    pub certifications: Vec<RawCertification>,
}

/// A certification on a valid listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificationClaim {
    pub code: String,
    pub stars: Option<u8>,
    pub valid_until: Option<Date>,
}

impl CertificationClaim {
    /// An expired certification must stop showing.
    pub fn is_valid_on(&self, day: Date) -> bool {
        self.valid_until.is_none_or(|until| until >= day)
    }
}

/// A listing that satisfies every rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListingFields {
    pub crop: String,
    pub variety: String,
    pub form: String,
    pub grade: Option<String>,
    pub title: String,
    pub description: String,
    pub quantity_kg: f64,
    pub price_vnd_per_kg: i64,
    pub available_from: Date,
    pub available_until: Date,
    pub certifications: Vec<CertificationClaim>,
}

pub const MAX_TITLE_CHARS: usize = 120;
pub const MIN_TITLE_CHARS: usize = 3;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// Farm produce never sells below this; a lower price is almost always "95" meant as 95.000.
pub const MIN_PRICE_VND_PER_KG: i64 = 1_000;
/// A window longer than this is a typing mistake.
pub const MAX_WINDOW_DAYS: i64 = 366;

/// The ISO date format used in forms and the API.
pub const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!("[year]-[month]-[day]");

pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), DATE_FORMAT).ok()
}

pub fn format_date(d: Date) -> String {
    d.format(DATE_FORMAT).unwrap_or_default()
}

impl RawListing {
    /// Checks every rule and returns the typed listing, or every broken rule by field.
    /// `today` decides what counts as a past date.
    pub fn validate(&self, today: Date) -> Result<ListingFields, FieldErrors> {
        let data = reference();
        let mut errors = FieldErrors::default();

        let crop = data.crop(self.crop.trim());
        if self.crop.trim().is_empty() {
            errors.add("crop", "err.required");
        } else if crop.is_none() {
            errors.add("crop", "err.crop.unknown");
        }
        let mut variety = String::new();
        let mut form = String::new();
        let mut grade = None;
        if let Some(crop) = crop {
            variety = self.variety.trim().to_owned();
            if variety.is_empty() {
                errors.add("variety", "err.required");
            } else if crop.variety(&variety).is_none() {
                errors.add("variety", "err.variety.unknown");
            }
            form = self.form.trim().to_owned();
            if form.is_empty() {
                errors.add("form", "err.required");
            } else if crop.form(&form).is_none() {
                errors.add("form", "err.form.unknown");
            }
            let g = self.grade.trim();
            if !g.is_empty() {
                if crop.grade(g).is_none() {
                    errors.add("grade", "err.grade.unknown");
                }
                grade = Some(g.to_owned());
            }
        }

        let mut title = tidy(&self.title);
        let title_chars = self.title.chars().count();
        if title_chars > MAX_TITLE_CHARS {
            errors.add("title", "err.title.too_long");
        } else if title.is_empty() {
            if let Some(crop) = crop {
                title = default_title(data, &crop.key, &variety, &form);
            }
        } else if title.chars().count() < MIN_TITLE_CHARS {
            errors.add("title", "err.title.too_short");
        }

        let description = self.description.trim().to_owned();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            errors.add("description", "err.description.too_long");
        }

        let quantity_kg = quantity::read_kg(&self.quantity, &self.unit, &mut errors);
        let price = quantity::read_price_per_kg(&self.price_vnd_per_kg, MIN_PRICE_VND_PER_KG, &mut errors);

        let from = parse_window_date(&mut errors, "available_from", &self.available_from);
        let until = parse_window_date(&mut errors, "available_until", &self.available_until);
        if let (Some(from), Some(until)) = (from, until) {
            if until < from {
                errors.add("available_until", "err.window.ends_before_start");
            } else if until < today {
                errors.add("available_until", "err.window.in_past");
            } else if (until - from).whole_days() > MAX_WINDOW_DAYS {
                errors.add("available_until", "err.window.too_long");
            }
        }

        let certifications = validate_certifications(data, &mut errors, &self.certifications, &self.crop, today);

        errors.into_result(ListingFields {
            crop: self.crop.trim().to_owned(),
            variety,
            form,
            grade,
            title,
            description,
            quantity_kg,
            price_vnd_per_kg: price,
            available_from: from.unwrap_or(today),
            available_until: until.unwrap_or(today),
            certifications,
        })
    }
}

fn parse_window_date(errors: &mut FieldErrors, field: &'static str, input: &str) -> Option<Date> {
    if input.trim().is_empty() {
        errors.add(field, "err.required");
        return None;
    }
    let date = parse_date(input);
    if date.is_none() {
        errors.add(field, "err.date.invalid");
    }
    date
}

fn validate_certifications(
    data: &Reference,
    errors: &mut FieldErrors,
    raw: &[RawCertification],
    crop: &str,
    today: Date,
) -> Vec<CertificationClaim> {
    let mut claims: Vec<CertificationClaim> = Vec::new();
    for item in raw {
        let code = item.code.trim();
        if code.is_empty() {
            continue;
        }
        let Some(cert) = data.certification(code) else {
            errors.add("certifications", "err.certification.unknown");
            continue;
        };
        if claims.iter().any(|c| c.code == code) {
            continue;
        }
        if !cert.crops.is_empty() && !cert.crops.iter().any(|c| c == crop.trim()) {
            errors.add("certifications", "err.certification.wrong_crop");
            continue;
        }
        let stars = match item.stars.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None if !cert.stars.is_empty() => {
                errors.add("certifications", "err.certification.stars_required");
                None
            }
            None => None,
            Some(s) => match s.parse::<u8>() {
                Ok(n) if cert.stars.contains(&n) => Some(n),
                _ => {
                    errors.add("certifications", "err.certification.stars_invalid");
                    None
                }
            },
        };
        let valid_until = match item.valid_until.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None if cert.valid_months.is_some() => {
                errors.add("certifications", "err.certification.expiry_required");
                None
            }
            None => None,
            Some(s) => match parse_date(s) {
                None => {
                    errors.add("certifications", "err.date.invalid");
                    None
                }
                Some(d) if d < today => {
                    errors.add("certifications", "err.certification.expired");
                    None
                }
                Some(d) => {
                    let limit = cert.valid_months.map(|m| add_months(today, m));
                    if limit.is_some_and(|limit| d > limit) {
                        errors.add("certifications", "err.certification.expiry_too_far");
                    }
                    Some(d)
                }
            },
        };
        claims.push(CertificationClaim { code: code.to_owned(), stars, valid_until });
    }
    claims
}

/// The date `months` later, clamped to the end of a shorter month.
pub fn add_months(date: Date, months: u32) -> Date {
    let total = date.year() * 12 + (date.month() as i32 - 1) + months as i32;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = Month::try_from(month0 as u8 + 1).unwrap_or(Month::January);
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(date)
}

/// "Sầu riêng Ri6 - Trái tươi": what a listing is called when the farmer gave no title.
pub fn default_title(data: &Reference, crop: &str, variety: &str, form: &str) -> String {
    let Some(crop) = data.crop(crop) else { return String::new() };
    let mut title = crop.name_vi.clone();
    if let Some(v) = crop.variety(variety) {
        // "Sầu riêng hạt" already says durian: not "Sầu riêng Sầu riêng hạt".
        if crate::text::fold(&v.name_vi).starts_with(&crate::text::fold(&crop.name_vi)) {
            title = v.name_vi.clone();
        } else {
            title.push(' ');
            title.push_str(&v.name_vi);
        }
    }
    if let Some(f) = crop.form(form) {
        title.push_str(" - ");
        title.push_str(&f.name_vi);
    }
    title
}

/// How a change to a listing's fields moves it through the lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditEffect {
    /// Nothing changed.
    Unchanged,
    /// Only price and/or quantity changed: no review needed.
    PriceOrQuantity,
    /// What is offered changed: the listing goes back to review if it was public.
    Content,
}

impl ListingFields {
    /// Classifies an edit from `self` (before) to `after`.
    pub fn edit_effect(&self, after: &ListingFields) -> EditEffect {
        let content_same =
            ListingFields { price_vnd_per_kg: after.price_vnd_per_kg, quantity_kg: after.quantity_kg, ..self.clone() } == *after;
        if self == after {
            EditEffect::Unchanged
        } else if content_same {
            EditEffect::PriceOrQuantity
        } else {
            EditEffect::Content
        }
    }

    /// The events an edit triggers on a listing in `status`, in order.
    pub fn edit_events(&self, after: &ListingFields, status: Status) -> Vec<Event> {
        let mut events = Vec::new();
        if self.edit_effect(after) == EditEffect::Content {
            events.push(Event::EditContent);
        }
        let sold_out_now = after.quantity_kg <= 0.0;
        match status {
            Status::SoldOut if !sold_out_now && events.is_empty() => events.push(Event::Restock),
            _ => {}
        }
        events
    }

    /// The raw form of these fields, to fill an edit form.
    pub fn to_raw(&self) -> RawListing {
        RawListing {
            crop: self.crop.clone(),
            variety: self.variety.clone(),
            form: self.form.clone(),
            grade: self.grade.clone().unwrap_or_default(),
            title: self.title.clone(),
            description: self.description.clone(),
            quantity: quantity::format_kg(self.quantity_kg).replace('.', ""),
            unit: "kg".into(),
            price_vnd_per_kg: self.price_vnd_per_kg.to_string(),
            available_from: format_date(self.available_from),
            available_until: format_date(self.available_until),
            certifications: self
                .certifications
                .iter()
                .map(|c| RawCertification {
                    code: c.code.clone(),
                    stars: c.stars.map(|s| s.to_string()),
                    valid_until: c.valid_until.map(format_date),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 30);

    pub(crate) fn durian() -> RawListing {
        RawListing {
            crop: "durian".into(),
            variety: "ri6".into(),
            form: "whole".into(),
            title: "Sầu riêng Ri6 vườn nhà".into(),
            quantity: "2".into(),
            unit: "tạ".into(),
            price_vnd_per_kg: "85.000".into(),
            available_from: "2026-12-01".into(),
            available_until: "2027-01-15".into(),
            ..RawListing::default()
        }
    }

    #[test]
    fn a_good_listing_validates_with_kg_and_whole_vnd() {
        let fields = durian().validate(TODAY).unwrap();
        assert_eq!(fields.quantity_kg, 200.0);
        assert_eq!(fields.price_vnd_per_kg, 85_000);
    }

    #[test]
    fn every_broken_rule_is_reported_by_field() {
        let raw = RawListing {
            crop: "durian".into(),
            variety: "arabica".into(),
            form: "".into(),
            title: "x".repeat(10 * 1024 * 1024),
            quantity: "-3".into(),
            price_vnd_per_kg: "abc".into(),
            available_from: "2027-02-01".into(),
            available_until: "2027-01-01".into(),
            ..RawListing::default()
        };
        let errors = raw.validate(TODAY).unwrap_err();
        assert_eq!(errors.get("variety"), Some("err.variety.unknown"));
        assert_eq!(errors.get("form"), Some("err.required"));
        assert_eq!(errors.get("title"), Some("err.title.too_long"));
        assert_eq!(errors.get("quantity"), Some("err.quantity.not_positive"));
        assert_eq!(errors.get("price_vnd_per_kg"), Some("err.price.not_whole"));
        assert_eq!(errors.get("available_until"), Some("err.window.ends_before_start"));
    }

    #[test]
    fn unknown_crop_and_negative_price_are_refused() {
        let raw = RawListing { crop: "banana".into(), price_vnd_per_kg: "-5000".into(), ..durian() };
        let errors = raw.validate(TODAY).unwrap_err();
        assert_eq!(errors.get("crop"), Some("err.crop.unknown"));
        assert_eq!(errors.get("price_vnd_per_kg"), Some("err.price.not_positive"));
    }

    #[test]
    fn an_empty_title_is_made_from_the_crop() {
        let raw = RawListing { title: " ".into(), ..durian() };
        assert_eq!(raw.validate(TODAY).unwrap().title, "Sầu riêng Ri6 - Trái tươi");
        let seed = RawListing { title: String::new(), variety: "seed".into(), ..durian() };
        assert_eq!(seed.validate(TODAY).unwrap().title, "Sầu riêng hạt - Trái tươi", "the crop is not named twice");
    }

    #[test]
    fn ocop_needs_stars_and_an_expiry_within_36_months() {
        let ocop = |stars: &str, until: &str| RawListing {
            certifications: vec![RawCertification { code: "ocop".into(), stars: Some(stars.into()), valid_until: Some(until.into()) }],
            ..durian()
        };
        assert!(ocop("4", "2028-05-01").validate(TODAY).is_ok());
        assert_eq!(ocop("6", "2028-05-01").validate(TODAY).unwrap_err().get("certifications"), Some("err.certification.stars_invalid"));
        assert_eq!(ocop("4", "2026-01-01").validate(TODAY).unwrap_err().get("certifications"), Some("err.certification.expired"));
        assert_eq!(ocop("4", "2031-01-01").validate(TODAY).unwrap_err().get("certifications"), Some("err.certification.expiry_too_far"));
        let coffee_mark =
            RawListing { certifications: vec![RawCertification { code: "ca-phe-di-linh".into(), ..Default::default() }], ..durian() };
        assert_eq!(coffee_mark.validate(TODAY).unwrap_err().get("certifications"), Some("err.certification.wrong_crop"));
    }

    #[test]
    fn lifecycle_allows_the_designed_paths() {
        use Event as E;
        use Status as S;
        let path = [E::Submit, E::Approve, E::Pause, E::Resume, E::SellOut, E::Restock, E::Expire, E::Submit, E::Reject, E::Submit];
        let mut status = S::Draft;
        for event in path {
            status = status.apply(event).unwrap();
        }
        assert_eq!(status, S::PendingReview);
        assert_eq!(S::Approved.apply(E::EditContent), Ok(S::PendingReview));
        assert_eq!(S::Approved.apply(E::Archive), Ok(S::Archived));
    }

    #[test]
    fn illegal_transitions_are_errors() {
        use Event as E;
        use Status as S;
        for (from, event) in [
            (S::Draft, E::Approve),
            (S::Rejected, E::Approve),
            (S::Approved, E::Approve),
            (S::Approved, E::Submit),
            (S::Archived, E::Archive),
            (S::Archived, E::Submit),
            (S::Paused, E::Pause),
            (S::Draft, E::Resume),
        ] {
            assert_eq!(from.apply(event), Err(IllegalTransition { from, event }));
        }
    }

    #[test]
    fn price_and_quantity_edits_skip_review_other_edits_do_not() {
        let before = durian().validate(TODAY).unwrap();
        let cheaper = RawListing { price_vnd_per_kg: "80000".into(), quantity: "150".into(), unit: "kg".into(), ..durian() };
        let after = cheaper.validate(TODAY).unwrap();
        assert_eq!(before.edit_effect(&after), EditEffect::PriceOrQuantity);
        assert!(before.edit_events(&after, Status::Approved).is_empty());
        let renamed = RawListing { title: "Sầu riêng Ri6 loại 1".into(), ..durian() }.validate(TODAY).unwrap();
        assert_eq!(before.edit_events(&renamed, Status::Approved), vec![Event::EditContent]);
        assert_eq!(before.edit_effect(&before.clone()), EditEffect::Unchanged);
    }

    #[test]
    fn add_months_clamps_to_month_end() {
        assert_eq!(add_months(date!(2026 - 01 - 31), 1), date!(2026 - 02 - 28));
        assert_eq!(add_months(date!(2026 - 11 - 30), 36), date!(2029 - 11 - 30));
    }
}

/// One field that differs between two versions of a listing, as text for the change log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

impl ListingFields {
    /// The fields that differ from `self` to `after`, each as readable text.
    pub fn diff(&self, after: &ListingFields) -> Vec<FieldChange> {
        let certs = |f: &ListingFields| {
            f.certifications
                .iter()
                .map(|c| match (c.stars, c.valid_until) {
                    (Some(s), Some(d)) => format!("{} {s}★ ({})", c.code, format_date(d)),
                    (None, Some(d)) => format!("{} ({})", c.code, format_date(d)),
                    _ => c.code.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let pairs: [(&'static str, String, String); 11] = [
            ("crop", self.crop.clone(), after.crop.clone()),
            ("variety", self.variety.clone(), after.variety.clone()),
            ("form", self.form.clone(), after.form.clone()),
            ("grade", self.grade.clone().unwrap_or_default(), after.grade.clone().unwrap_or_default()),
            ("title", self.title.clone(), after.title.clone()),
            ("description", self.description.clone(), after.description.clone()),
            ("quantity_kg", quantity::format_kg(self.quantity_kg), quantity::format_kg(after.quantity_kg)),
            ("price_vnd_per_kg", self.price_vnd_per_kg.to_string(), after.price_vnd_per_kg.to_string()),
            ("available_from", format_date(self.available_from), format_date(after.available_from)),
            ("available_until", format_date(self.available_until), format_date(after.available_until)),
            ("certifications", certs(self), certs(after)),
        ];
        pairs.into_iter().filter(|(_, old, new)| old != new).map(|(field, old, new)| FieldChange { field, old, new }).collect()
    }
}
