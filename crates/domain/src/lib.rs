//! The nongsan domain: crops, places and certifications as reference data, quantities and
//! prices, accounts and roles, and the listing lifecycle with its validation rules.
//!
//! Nothing here does I/O. Every other crate depends on this one; it depends on none of ours.
//! Rules that decide whether something is allowed live here, once, so that the web forms, the
//! JSON API, the command line and the jobs all give the same answer.

pub mod account;
pub mod errors;
pub mod listing;
pub mod phone;
pub mod prices;
pub mod quantity;
pub mod reference;
pub mod sales;
pub mod text;

pub use errors::{FieldError, FieldErrors};

/// Vietnam's offset from UTC; the calendar day of a farmer in Di Linh.
pub const VIETNAM_UTC_OFFSET_SECS: i64 = 7 * 3600;

/// The calendar day in Vietnam at `unix_secs`.
pub fn local_date(unix_secs: i64) -> time::Date {
    time::OffsetDateTime::from_unix_timestamp(unix_secs + VIETNAM_UTC_OFFSET_SECS).map(|t| t.date()).unwrap_or(time::Date::MIN)
}
