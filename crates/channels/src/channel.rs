//! The interface a marketplace connector offers the jobs in API mode: what the push and order
//! jobs need, and nothing about how a marketplace spells it. One implementation per
//! marketplace module ([`crate::postmart::PostmartClient`] today); the contract sandboxes are
//! what tests run them against.

use crate::postmart::PostmartClient;
use crate::{ChannelError, OrdersPage, Product, Remote};
use std::future::Future;

/// A marketplace category: to map a listing to, and to show the farmer what the marketplace
/// keeps of a sale in it.
pub use crate::postmart::Category;

/// A marketplace account reachable over an API.
pub trait Channel: Send + Sync {
    /// The channel's key, as stored with accounts and channel listings.
    fn key(&self) -> &'static str;
    /// Every product category, with its commission.
    fn categories(&self) -> impl Future<Output = Result<Vec<Category>, ChannelError>> + Send;
    /// The product listed under seller SKU `sku`, if any: asked before every create, so a
    /// create whose answer was lost is found instead of repeated.
    fn find_by_sku(&self, sku: &str) -> impl Future<Output = Result<Option<Remote>, ChannelError>> + Send;
    /// Lists a new product, photos included.
    fn create(&self, product: &Product) -> impl Future<Output = Result<Remote, ChannelError>> + Send;
    /// Brings an existing product's text, price and stock in line, and puts it on sale.
    fn update(&self, external_id: &str, product: &Product) -> impl Future<Output = Result<(), ChannelError>> + Send;
    /// Takes a product off sale; doing it twice is not an error.
    fn delist(&self, external_id: &str) -> impl Future<Output = Result<(), ChannelError>> + Send;
    /// Orders changed since `cursor` (all when `None`).
    fn orders_since(&self, cursor: Option<&str>) -> impl Future<Output = Result<OrdersPage, ChannelError>> + Send;
}

impl Channel for PostmartClient {
    fn key(&self) -> &'static str {
        "postmart"
    }

    async fn categories(&self) -> Result<Vec<Category>, ChannelError> {
        PostmartClient::categories(self).await
    }

    async fn find_by_sku(&self, sku: &str) -> Result<Option<Remote>, ChannelError> {
        PostmartClient::find_by_sku(self, sku).await
    }

    async fn create(&self, product: &Product) -> Result<Remote, ChannelError> {
        PostmartClient::create(self, product).await
    }

    async fn update(&self, external_id: &str, product: &Product) -> Result<(), ChannelError> {
        PostmartClient::update(self, external_id, product).await
    }

    async fn delist(&self, external_id: &str) -> Result<(), ChannelError> {
        PostmartClient::delist(self, external_id).await
    }

    async fn orders_since(&self, cursor: Option<&str>) -> Result<OrdersPage, ChannelError> {
        PostmartClient::orders_since(self, cursor).await
    }
}
