//! DOCUMENTED: `GET apis/v1/merchant/categories/all`, "Danh sách toàn bộ ngành hàng", an
//! unpaged array of every product category. Used to map listings to a `gc_id` and to show the
//! farmer the commission (`commis_rate`) the channel keeps.

use super::{PostmartClient, loose};
use crate::ChannelError;
use serde::Deserialize;

pub(crate) const CATEGORIES_PATH: &str = "apis/v1/merchant/categories/all";

/// One postmart category, reduced to what nongsan uses.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Category {
    /// `gc_id`.
    pub id: i64,
    /// `gc_name`, in Vietnamese.
    pub name: String,
    /// `gc_parent_id`, with the documented `0` (top level) as `None`.
    pub parent_id: Option<i64>,
    /// `commis_rate`: the share of a sale the platform keeps, in percent.
    pub commission_percent: f64,
    /// `gc_show`: whether the storefront shows the category.
    pub shown: bool,
    /// `gc_sort`: the platform's display order among siblings.
    pub sort: i64,
}

/// The documented fields nongsan reads. `gc_id`, `gc_name` and `commis_rate` must be present
/// (the last because a missing commission shown as 0 % would mislead the farmer); the rest
/// default when absent.
#[derive(Deserialize)]
struct Wire {
    #[serde(deserialize_with = "loose::int")]
    gc_id: i64,
    gc_name: String,
    #[serde(default, deserialize_with = "loose::opt_int")]
    gc_parent_id: Option<i64>,
    #[serde(deserialize_with = "loose::float")]
    commis_rate: f64,
    #[serde(default = "shown_by_default", deserialize_with = "loose::flag")]
    gc_show: bool,
    #[serde(default, deserialize_with = "loose::opt_int")]
    gc_sort: Option<i64>,
}

fn shown_by_default() -> bool {
    true
}

impl Wire {
    fn into_category(self) -> Result<Category, ChannelError> {
        if !(0.0..=100.0).contains(&self.commis_rate) {
            return Err(ChannelError::Protocol(format!("category {}: commis_rate {} is not a percentage", self.gc_id, self.commis_rate)));
        }
        Ok(Category {
            id: self.gc_id,
            name: self.gc_name,
            parent_id: self.gc_parent_id.filter(|&p| p != 0),
            commission_percent: self.commis_rate,
            shown: self.gc_show,
            sort: self.gc_sort.unwrap_or(0),
        })
    }
}

impl PostmartClient {
    /// Every category on the platform, in the order the platform sent them.
    pub async fn categories(&self) -> Result<Vec<Category>, ChannelError> {
        let wire: Vec<Wire> = self.get(CATEGORIES_PATH, &[]).await?;
        wire.into_iter().map(Wire::into_category).collect()
    }
}
