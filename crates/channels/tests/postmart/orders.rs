use crate::Harness;
use std::collections::HashSet;

#[tokio::test]
async fn orders_since_follows_pages_and_a_cursor_brings_nothing_new() {
    let h = Harness::new().await;
    let placed: Vec<String> = (0..25).map(|i| h.sandbox.add_order("NS-12-3", 1.5 + f64::from(i), 120_000)).collect();

    let first = h.client.orders_since(None).await.expect("orders");
    assert_eq!(h.sent("order/list"), 3, "25 orders at 10 a page");
    let fetched: HashSet<&str> = first.orders.iter().map(|o| o.external_id.as_str()).collect();
    assert_eq!(fetched, placed.iter().map(String::as_str).collect());
    let order = &first.orders[0];
    assert_eq!((order.sku.as_deref(), order.quantity, order.unit_price_vnd, order.total_vnd), (Some("NS-12-3"), 1.5, 120_000, 180_000));
    assert_eq!(order.status, "paid");
    assert_eq!(order.raw["order_sn"], order.external_id.as_str());
    assert!(order.placed_at > 1_700_000_000);
    let cursor = first.next_cursor.expect("a cursor");

    let again = h.client.orders_since(Some(&cursor)).await.expect("orders");
    assert!(again.orders.is_empty(), "{:?}", again.orders);
    assert_eq!(again.next_cursor, None, "caught up: keep the old cursor");

    // Likely within the same second as the others: the cursor must still let it through.
    let late = h.sandbox.add_order("NS-12-3", 3.0, 118_000);
    let next = h.client.orders_since(Some(&cursor)).await.expect("orders");
    assert_eq!(next.orders.iter().map(|o| o.external_id.as_str()).collect::<Vec<_>>(), [late.as_str()]);
    let newer_cursor = next.next_cursor.expect("moved on");
    let caught_up = h.client.orders_since(Some(&newer_cursor)).await.expect("orders");
    assert!(caught_up.orders.is_empty());
}

#[tokio::test]
async fn no_orders_means_no_cursor() {
    let h = Harness::new().await;
    let page = h.client.orders_since(None).await.expect("orders");
    assert!(page.orders.is_empty());
    assert_eq!(page.next_cursor, None);
    assert_eq!(h.client.orders_since(Some("not a cursor")).await.map_err(|e| e.kind()), Err("protocol"));
}
