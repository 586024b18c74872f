//! Validation outcomes that name a field and a message key.
//!
//! The key is looked up in the web's message catalogues, so the same rule reads in Vietnamese
//! or English next to the field that broke it.

use serde::Serialize;

/// One broken rule: which input, and the message key that explains it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: &'static str,
    pub key: &'static str,
}

/// All broken rules of one submission, in the order they were found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, key: &'static str) {
        // One message per field is enough for a person to act on.
        if !self.0.iter().any(|e| e.field == field) {
            self.0.push(FieldError { field, key });
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.key)
    }

    /// `Ok(value)` when nothing was broken.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() { Ok(value) } else { Err(self) }
    }

    pub fn single(field: &'static str, key: &'static str) -> Self {
        let mut errors = Self::default();
        errors.add(field, key);
        errors
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|e| format!("{}: {}", e.field, e.key)).collect();
        write!(f, "{}", parts.join(", "))
    }
}

impl std::error::Error for FieldErrors {}
