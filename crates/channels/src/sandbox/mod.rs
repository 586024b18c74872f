//! Contract sandboxes: in-memory marketplaces that answer like the real ones (as far as their
//! docs and our named assumptions go) and fail like them on demand, so the real clients can be
//! tested end to end on 127.0.0.1 and demonstrated without merchant credentials.

pub mod postmart;
pub mod voso;
