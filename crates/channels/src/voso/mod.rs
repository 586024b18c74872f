//! voso.vn: no seller API, so nongsan reads what its public pages show.
//!
//! A helper enters a listing in voso's seller centre by hand (the listing package is the web
//! crate's); from then on the connector reads the product page ([`product`]) and the
//! seller's shop page ([`shop`]) through a polite fetcher ([`fetch`], [`robots`]), and
//! matches shop products to listings by title ([`matching`]). What is known about the pages
//! is in `shared/channels/voso.md`; every selector used here is named there.

pub mod fetch;
mod markup;
pub mod matching;
pub mod price;
pub mod product;
pub mod robots;
pub mod shop;

pub use fetch::{FetchSettings, Page, PageFetcher};
pub use product::{Origin, ProductPage, Source, UnreadablePage, parse_product};
pub use shop::{Card, ShopPage, parse_shop};

use crate::ChannelError;

/// Why a product page gave no observation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReadError {
    /// Fetching failed; the error says whether trying again may help.
    #[error(transparent)]
    Channel(#[from] ChannelError),
    /// The page is gone (HTTP 404 or 410): the product was removed or the URL is wrong.
    #[error("the product page is gone (HTTP {status}): {url}")]
    Gone { status: u16, url: String },
    /// The page answered but yields no title or no price.
    #[error("{0}")]
    Unreadable(#[from] UnreadablePage),
}

/// Fetches and reads a product page.
pub async fn read_product(fetcher: &PageFetcher, url: &str) -> Result<ProductPage, ReadError> {
    let page = fetcher.page(url).await?;
    if !(200..300).contains(&page.status) {
        return Err(ReadError::Gone { status: page.status, url: page.url });
    }
    // Parsing is CPU work on a page of some hundred kilobytes: a few milliseconds, fine inline.
    Ok(parse_product(&page.body)?)
}

/// Fetches and reads a shop page. A shop page that is gone is [`ChannelError::Rejected`]: the
/// account's base URL needs correcting.
pub async fn read_shop(fetcher: &PageFetcher, url: &str) -> Result<ShopPage, ChannelError> {
    let page = fetcher.page(url).await?;
    if !(200..300).contains(&page.status) {
        return Err(ChannelError::Rejected(format!("the shop page is gone (HTTP {}): {}", page.status, page.url)));
    }
    Ok(parse_shop(&page.body, Some(&page.url)))
}

/// voso's product id in a product URL (`…-p12708.html` → `12708`).
pub fn product_id(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let stem = path.strip_suffix(".html")?;
    let (_, tail) = stem.rsplit_once('-')?;
    let digits = tail.strip_prefix('p')?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then(|| digits.to_owned())
}

#[cfg(test)]
mod tests {
    use super::product_id;

    #[test]
    fn product_ids_come_from_the_url() {
        assert_eq!(product_id("https://voso.vn/sau-rieng-loai-1-p12708.html").as_deref(), Some("12708"));
        assert_eq!(product_id("http://127.0.0.1:8092/sau-rieng-p3.html?ref=shop").as_deref(), Some("3"));
        assert_eq!(product_id("https://voso.vn/hop-tac-xa-s12"), None);
        assert_eq!(product_id("https://voso.vn/x-pabc.html"), None);
    }
}
