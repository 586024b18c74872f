//! The real postmart client against the contract sandbox on 127.0.0.1.

mod categories;
mod faults;
mod orders;
mod products;

use nongsan_channels::postmart::PostmartClient;
use nongsan_channels::sandbox::postmart::PostmartSandbox;
use nongsan_channels::{Image, Product};
use std::time::Duration;

pub const TOKEN: &str = "pm-live-7f3a91c2";

/// Generous, so a busy machine never turns an ordinary call into a timeout.
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// For the slow-answer tests: short, to keep them quick.
pub const SHORT_TIMEOUT: Duration = Duration::from_millis(300);

pub struct Harness {
    pub sandbox: PostmartSandbox,
    pub client: PostmartClient,
    pub base: String,
}

impl Harness {
    pub async fn new() -> Self {
        let sandbox = PostmartSandbox::new(TOKEN);
        let addr = sandbox.spawn(([127, 0, 0, 1], 0).into()).await.expect("bind sandbox");
        let base = format!("http://{addr}");
        let client = PostmartClient::new(&base, TOKEN, TIMEOUT).expect("client");
        Self { sandbox, client, base }
    }

    /// A client for the same sandbox with another token.
    pub fn client_with_token(&self, token: &str) -> PostmartClient {
        PostmartClient::new(&self.base, token, TIMEOUT).expect("client")
    }

    /// A client for the same sandbox that waits only [`SHORT_TIMEOUT`].
    pub fn impatient_client(&self) -> PostmartClient {
        PostmartClient::new(&self.base, TOKEN, SHORT_TIMEOUT).expect("client")
    }

    /// How many platform requests had a path containing `fragment`.
    pub fn sent(&self, fragment: &str) -> usize {
        self.sandbox.requests().iter().filter(|r| r.path.contains(fragment)).count()
    }
}

/// Durian from Di Linh, listing 12 on channel account 3.
pub fn durian(sku: &str) -> Product {
    Product {
        sku: sku.into(),
        title: "Sầu riêng Ri6 Di Linh - hộp 5kg".into(),
        description: "Sầu riêng chín cây, vườn nhà ở Gia Bắc, Di Linh.".into(),
        category_id: Some(793),
        price_vnd: 120_000,
        stock_kg: 40,
        images: vec![Image {
            file_name: "sau-rieng.jpg".into(),
            jpeg: vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0xFF, 0xD9],
        }],
    }
}
