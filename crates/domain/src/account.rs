//! Accounts: roles and what kind of seller a farmer is.

use serde::{Deserialize, Serialize};

/// What an account may do; see the design's role table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Farmer,
    Helper,
    Curator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Farmer, Role::Helper, Role::Curator, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Farmer => "farmer",
            Role::Helper => "helper",
            Role::Curator => "curator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Curators and admins review listings.
    pub fn reviews(self) -> bool {
        matches!(self, Role::Curator | Role::Admin)
    }
}

/// The kind of seller behind a farmer account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SellerKind {
    #[default]
    Household,
    Cooperative,
    Enterprise,
}

impl SellerKind {
    pub const ALL: [SellerKind; 3] = [SellerKind::Household, SellerKind::Cooperative, SellerKind::Enterprise];

    pub fn as_str(self) -> &'static str {
        match self {
            SellerKind::Household => "household",
            SellerKind::Cooperative => "cooperative",
            SellerKind::Enterprise => "enterprise",
        }
    }

    pub fn parse(s: &str) -> Option<SellerKind> {
        SellerKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The shortest password accepted; farmers type it on a phone keypad.
pub const MIN_PASSWORD_LEN: usize = 6;
/// Names longer than this are refused rather than truncated.
pub const MAX_NAME_LEN: usize = 80;
