use crate::Harness;
use nongsan_channels::sandbox::postmart::CATEGORIES_FIXTURE;
use serde_json::Value;

#[tokio::test]
async fn categories_parse_ids_parents_and_commission() {
    let h = Harness::new().await;
    let categories = h.client.categories().await.expect("categories");
    assert_eq!(categories.len(), 14);
    let food = categories.iter().find(|c| c.id == 782).expect("782");
    assert_eq!((food.name.as_str(), food.parent_id, food.commission_percent, food.shown), ("Thực Phẩm - Đặc sản", None, 5.0, true));
    let durian = categories.iter().find(|c| c.name == "Sầu riêng").expect("durian");
    assert_eq!((durian.id, durian.parent_id, durian.commission_percent), (793, Some(785), 8.0));
    let green_coffee = categories.iter().find(|c| c.id == 791).expect("791");
    assert_eq!((green_coffee.commission_percent, green_coffee.sort), (4.5, 2));
    let honey = categories.iter().find(|c| c.id == 789).expect("789");
    assert!(!honey.shown);
    for category in &categories {
        if let Some(parent) = category.parent_id {
            assert!(categories.iter().any(|c| c.id == parent), "{} has unknown parent {parent}", category.id);
        }
    }
}

/// Every documented field, with its documented JSON type.
const FIELDS: [(&str, &str); 14] = [
    ("gc_id", "int"),
    ("gc_name", "string"),
    ("gc_image", "string"),
    ("type_id", "int"),
    ("type_name", "string"),
    ("gc_parent_id", "int"),
    ("commis_rate", "number"),
    ("gc_sort", "int"),
    ("gc_virtual", "flag"),
    ("gc_title", "string or null"),
    ("gc_keywords", "string"),
    ("gc_description", "string"),
    ("gc_show", "flag"),
    ("gc_image_url", "string"),
];

fn has_type(value: &Value, kind: &str) -> bool {
    match kind {
        "int" => value.is_i64(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "flag" => value.as_i64().is_some_and(|v| v == 0 || v == 1),
        "string or null" => value.is_string() || value.is_null(),
        _ => false,
    }
}

#[tokio::test]
async fn the_sandbox_serves_the_fixture_exactly_as_documented() {
    let h = Harness::new().await;
    let served = reqwest::Client::new()
        .get(format!("{}/apis/v1/merchant/categories/all", h.base))
        .bearer_auth(crate::TOKEN)
        .send()
        .await
        .expect("send");
    assert_eq!(served.status(), 200);
    assert!(served.headers()["content-type"].to_str().expect("ascii").starts_with("application/json"));
    assert_eq!(served.text().await.expect("body"), CATEGORIES_FIXTURE);

    let envelope: Value = serde_json::from_str(CATEGORIES_FIXTURE).expect("fixture is JSON");
    let mut keys: Vec<&str> = envelope.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "message", "requestMethod", "result"]);
    assert_eq!(
        (&envelope["code"], &envelope["message"], &envelope["requestMethod"]),
        (&Value::from(200), &Value::from("Thành công"), &Value::from(""))
    );
    let rows = envelope["result"].as_array().expect("result is an array");
    assert!(rows.iter().any(|r| r["gc_id"] == 782 && r["gc_name"] == "Thực Phẩm - Đặc sản" && r["gc_parent_id"] == 0));
    for row in rows {
        let row = row.as_object().expect("category is an object");
        assert_eq!(row.len(), FIELDS.len(), "extra or missing fields in {row:?}");
        for (field, kind) in FIELDS {
            let value = row.get(field).unwrap_or_else(|| panic!("{field} missing in {row:?}"));
            assert!(has_type(value, kind), "{field} should be {kind}, is {value}");
        }
    }
}
