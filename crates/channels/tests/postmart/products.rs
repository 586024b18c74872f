use crate::{Harness, durian};
use nongsan_channels::ChannelError;

#[tokio::test]
async fn create_find_update_delist_and_delist_again() {
    let h = Harness::new().await;
    let product = durian("NS-12-3");
    let created = h.client.create(&product).await.expect("create");
    assert_eq!(created.external_id, "43001");
    assert_eq!(created.url.as_deref(), Some("https://postmart.vn/p/sau-rieng-ri6-di-linh-hop-5kg-43001.html"));
    assert!(created.on_sale);
    let stored = h.sandbox.products();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].sku.as_str(), stored[0].category_id, stored[0].price_vnd, stored[0].stock_kg),
        ("NS-12-3", Some(793), 120_000, 40)
    );
    assert_eq!(stored[0].image_urls.len(), 1, "the image was uploaded and referenced");
    assert_eq!(h.sent("image_product/upload"), 1);

    // The search answer carries no URL; the client builds the same one from the title (A7).
    let found = h.client.find_by_sku("NS-12-3").await.expect("find").expect("found");
    assert_eq!(found, created);

    let mut cheaper = product.clone();
    cheaper.title = "Sầu riêng Ri6 - hộp 5kg (giảm giá)".into();
    cheaper.price_vnd = 95_000;
    cheaper.stock_kg = 12;
    h.client.update(&created.external_id, &cheaper).await.expect("update");
    let found = h.client.find_by_sku("NS-12-3").await.expect("find").expect("found");
    assert_eq!((found.price_vnd, found.stock_kg, found.on_sale), (Some(95_000), Some(12), true));
    assert_eq!(h.sandbox.products()[0].title, "Sầu riêng Ri6 - hộp 5kg (giảm giá)");

    h.client.delist(&created.external_id).await.expect("delist");
    h.client.delist(&created.external_id).await.expect("delisting twice is success");
    let found = h.client.find_by_sku("NS-12-3").await.expect("find").expect("still listed, off sale");
    assert!(!found.on_sale);
    assert_eq!(h.sandbox.products().len(), 1);
}

#[tokio::test]
async fn find_by_sku_matches_exactly_and_sees_platform_edits() {
    let h = Harness::new().await;
    assert_eq!(h.client.find_by_sku("NS-12-3").await, Ok(None));
    let created = h.client.create(&durian("NS-12-3")).await.expect("create");
    assert_eq!(h.client.find_by_sku("NS-12").await, Ok(None));
    h.sandbox.edit_price_on_platform(&created.external_id, 150_000);
    let found = h.client.find_by_sku("NS-12-3").await.expect("find").expect("found");
    assert_eq!(found.price_vnd, Some(150_000));
}

#[tokio::test]
async fn duplicates_resolve_to_the_oldest_product() {
    let h = Harness::new().await;
    let first = h.client.create(&durian("NS-1-1")).await.expect("create");
    h.client.create(&durian("NS-1-1")).await.expect("create again");
    assert_eq!(h.sandbox.products().len(), 2, "the sandbox keeps duplicates so tests can see them");
    let found = h.client.find_by_sku("NS-1-1").await.expect("find").expect("found");
    assert_eq!(found.external_id, first.external_id);
}

#[tokio::test]
async fn the_platform_refuses_invalid_products() {
    let h = Harness::new().await;
    let mut untitled = durian("NS-2-1");
    untitled.title = "  ".into();
    let mut free = durian("NS-2-2");
    free.price_vnd = 0;
    let mut misfiled = durian("NS-2-3");
    misfiled.category_id = Some(99_999);
    let mut not_jpeg = durian("NS-2-4");
    not_jpeg.images[0].jpeg = b"GIF89a".to_vec();
    for product in [untitled, free, misfiled, not_jpeg] {
        let error = h.client.create(&product).await.expect_err(&product.sku);
        assert!(matches!(error, ChannelError::Rejected(_)), "{}: {error:?}", product.sku);
        assert!(!error.retryable());
    }
    assert!(h.sandbox.products().is_empty());
    let error = h.client.update("777", &durian("NS-2-5")).await.expect_err("unknown product");
    assert_eq!(error.kind(), "rejected");
    assert_eq!(h.client.delist("777").await.map_err(|e| e.kind()), Err("rejected"));
}

#[tokio::test]
async fn a_product_without_images_is_created_without_uploads() {
    let h = Harness::new().await;
    let mut product = durian("NS-3-1");
    product.images.clear();
    h.client.create(&product).await.expect("create");
    assert_eq!(h.sent("image_product/upload"), 0);
    assert!(h.sandbox.products()[0].image_urls.is_empty());
}
