//! A2–A5, A7, A10, A11: products and their images.

use super::{CREATE_PATH, OFFLINE_PATH, SEARCH_PATH, UPDATE_PATH, UPLOAD_PATH, product_url};
use crate::postmart::envelope::Call;
use crate::postmart::{PostmartClient, loose};
use crate::{ChannelError, Product, Remote};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::json;

/// A3/A4: a product as `products/search` lists it.
#[derive(Deserialize)]
struct Goods {
    #[serde(deserialize_with = "loose::text")]
    goods_id: String,
    goods_serial: String,
    #[serde(default)]
    goods_name: Option<String>,
    #[serde(default, deserialize_with = "loose::opt_int")]
    goods_price: Option<i64>,
    #[serde(default, deserialize_with = "loose::opt_int")]
    goods_storage: Option<i64>,
    #[serde(deserialize_with = "loose::flag")]
    goods_state: bool,
    #[serde(default)]
    goods_url: Option<String>,
}

/// A3/A11: the answer to `products/create`.
#[derive(Deserialize)]
struct Created {
    #[serde(deserialize_with = "loose::text")]
    goods_id: String,
    #[serde(default)]
    goods_url: Option<String>,
    #[serde(default, deserialize_with = "loose::opt_int")]
    goods_state: Option<i64>,
}

/// A5: the answer to an image upload.
#[derive(Deserialize)]
struct Uploaded {
    url: String,
}

impl PostmartClient {
    /// The product listed under seller SKU `sku`, if any. When the platform holds several (a
    /// duplicate from a lost create answer), the oldest is returned and the rest are logged.
    pub async fn find_by_sku(&self, sku: &str) -> Result<Option<Remote>, ChannelError> {
        let found: Vec<Goods> = self.get(SEARCH_PATH, &[("goods_serial", sku)]).await?;
        // A search may match loosely; only the exact SKU is ours.
        let mut exact: Vec<Goods> = found.into_iter().filter(|g| g.goods_serial == sku).collect();
        exact.sort_by_key(|g| (g.goods_id.parse::<i64>().unwrap_or(i64::MAX), g.goods_id.clone()));
        if exact.len() > 1 {
            let ids: Vec<&str> = exact.iter().map(|g| g.goods_id.as_str()).collect();
            tracing::warn!(channel = "postmart", sku, ?ids, "several products share one SKU");
        }
        Ok(exact.into_iter().next().map(|g| Remote {
            url: g.goods_url.or_else(|| g.goods_name.as_deref().map(|title| product_url(title, &g.goods_id))),
            external_id: g.goods_id,
            price_vnd: g.goods_price,
            stock_kg: g.goods_storage,
            on_sale: g.goods_state,
        }))
    }

    /// Uploads the images, then creates the product. After [`ChannelError::UnknownOutcome`]
    /// look the SKU up with [`Self::find_by_sku`] before trying again.
    pub async fn create(&self, product: &Product) -> Result<Remote, ChannelError> {
        let mut urls = Vec::with_capacity(product.images.len());
        for image in &product.images {
            // Repeating an upload only leaves an unused image behind, and no product exists yet,
            // so a lost answer here is plain unavailability rather than an unknown outcome.
            let uploaded: Uploaded =
                self.post_bytes(UPLOAD_PATH, &[("file_name", &image.file_name)], "image/jpeg", image.jpeg.clone(), Call::Read).await?;
            if !uploaded.url.starts_with("http") {
                return Err(ChannelError::Protocol(format!("image upload answered a non-URL: {}", self.scrub.clean(&uploaded.url))));
            }
            urls.push(uploaded.url);
        }
        let body = json!({
            "goods_serial": product.sku,
            "goods_name": product.title,
            "goods_body": product.description,
            "gc_id": product.category_id,
            "goods_price": product.price_vnd,
            "goods_storage": product.stock_kg,
            "goods_image": urls.first(),
            "goods_images": urls,
        });
        let created: Created = self.post_json(CREATE_PATH, &body, Call::Write).await?;
        Ok(Remote {
            url: Some(created.goods_url.unwrap_or_else(|| product_url(&product.title, &created.goods_id))),
            external_id: created.goods_id,
            price_vnd: Some(product.price_vnd),
            stock_kg: Some(product.stock_kg),
            on_sale: created.goods_state.is_none_or(|state| state == 1),
        })
    }

    /// Sets title, description, price and stock of an existing product and puts it on sale
    /// (A12), so a product taken down earlier comes back as it is now.
    pub async fn update(&self, external_id: &str, product: &Product) -> Result<(), ChannelError> {
        let body = json!({
            "goods_id": loose::id_value(external_id),
            "goods_name": product.title,
            "goods_body": product.description,
            "goods_price": product.price_vnd,
            "goods_storage": product.stock_kg,
            "goods_state": 1,
        });
        let _: IgnoredAny = self.post_json(UPDATE_PATH, &body, Call::Write).await?;
        Ok(())
    }

    /// Takes a product off sale. Delisting an offline product succeeds (A10).
    pub async fn delist(&self, external_id: &str) -> Result<(), ChannelError> {
        let body = json!({ "goods_id": loose::id_value(external_id) });
        let _: IgnoredAny = self.post_json(OFFLINE_PATH, &body, Call::Write).await?;
        Ok(())
    }
}
