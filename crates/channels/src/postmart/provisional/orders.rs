//! A6, A9: orders, fetched by update time.
//!
//! The cursor is opaque to callers: the newest `update_time` seen and the order numbers seen at
//! that second. `updated_from` is inclusive (A6), so the next call asks from that same second,
//! which catches orders updated later within it, and drops the ones already returned.

use super::{ORDERS_PATH, order_status};
use crate::postmart::{PostmartClient, loose};
use crate::{ChannelError, Order, OrdersPage};
use serde::{Deserialize, Serialize};

/// Pages read per call; the cursor lets the next call go on where this one stopped.
const MAX_PAGES: u32 = 20;

/// A6: one page of `order/list`.
#[derive(Deserialize)]
struct Page {
    data: Vec<serde_json::Value>,
    #[serde(deserialize_with = "loose::int")]
    current_page: i64,
    #[serde(deserialize_with = "loose::int")]
    last_page: i64,
}

/// A9: the fields read from one order; the whole object is kept as `raw`.
#[derive(Deserialize)]
struct Line {
    #[serde(deserialize_with = "loose::text")]
    order_sn: String,
    #[serde(default)]
    goods_serial: Option<String>,
    #[serde(deserialize_with = "loose::float")]
    goods_num: f64,
    #[serde(deserialize_with = "loose::int")]
    goods_price: i64,
    #[serde(deserialize_with = "loose::int")]
    order_amount: i64,
    #[serde(deserialize_with = "loose::text")]
    order_state: String,
    #[serde(deserialize_with = "loose::int")]
    add_time: i64,
    #[serde(deserialize_with = "loose::int")]
    update_time: i64,
}

#[derive(Serialize, Deserialize, Default, Debug, PartialEq)]
struct Cursor {
    since: i64,
    seen: Vec<String>,
}

impl Cursor {
    /// Our own JSON, or a bare unix time so a person can restart from a chosen moment.
    fn parse(text: &str) -> Result<Self, ChannelError> {
        if let Ok(since) = text.trim().parse::<i64>() {
            return Ok(Self { since, seen: Vec::new() });
        }
        serde_json::from_str(text).map_err(|_| ChannelError::Protocol("unreadable order cursor".into()))
    }
}

impl PostmartClient {
    /// Orders updated since `cursor` (all orders when `None`), following pages until the last
    /// or [`MAX_PAGES`]. `next_cursor` is `None` when nothing new came.
    pub async fn orders_since(&self, cursor: Option<&str>) -> Result<OrdersPage, ChannelError> {
        let old = cursor.map(Cursor::parse).transpose()?.unwrap_or_default();
        let since = old.since.to_string();
        let mut orders = Vec::new();
        let mut newest: Option<Cursor> = None;
        for page_number in 1..=MAX_PAGES {
            let page_text = page_number.to_string();
            let page: Page = self.get(ORDERS_PATH, &[("updated_from", &since), ("page", &page_text)]).await?;
            let page_is_empty = page.data.is_empty();
            for raw in page.data {
                let line = Line::deserialize(&raw).map_err(|e| ChannelError::Protocol(self.scrub.clean(&format!("order: {e}"))))?;
                if line.update_time < old.since || (line.update_time == old.since && old.seen.contains(&line.order_sn)) {
                    continue;
                }
                match &mut newest {
                    Some(c) if c.since == line.update_time => c.seen.push(line.order_sn.clone()),
                    Some(c) if c.since > line.update_time => {}
                    _ => newest = Some(Cursor { since: line.update_time, seen: vec![line.order_sn.clone()] }),
                }
                orders.push(Order {
                    external_id: line.order_sn,
                    sku: line.goods_serial,
                    quantity: line.goods_num,
                    unit_price_vnd: line.goods_price,
                    total_vnd: line.order_amount,
                    status: order_status(&line.order_state),
                    placed_at: line.add_time,
                    raw,
                });
            }
            if page_is_empty || page.current_page >= page.last_page {
                break;
            }
            if page_number == MAX_PAGES {
                tracing::info!(channel = "postmart", pages = MAX_PAGES, "order backlog left for the next call");
            }
        }
        let next_cursor = match newest {
            None => None,
            Some(mut c) => {
                if c.since == old.since {
                    c.seen.extend(old.seen);
                }
                Some(serde_json::to_string(&c).map_err(|e| ChannelError::Protocol(format!("cursor: {e}")))?)
            }
        };
        Ok(OrdersPage { orders, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::Cursor;

    #[test]
    fn cursors_are_our_json_or_a_bare_time() {
        assert_eq!(Cursor::parse("1700000000").unwrap(), Cursor { since: 1_700_000_000, seen: vec![] });
        let ours = Cursor { since: 5, seen: vec!["SN1".into()] };
        assert_eq!(Cursor::parse(&serde_json::to_string(&ours).unwrap()).unwrap(), ours);
        assert_eq!(Cursor::parse("garbage").unwrap_err().kind(), "protocol");
    }
}
