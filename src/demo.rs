//! Demo data: a season in Di Linh. About 60 farmers over the communes, about 200 listings of
//! coffee, macadamia and durian with real varieties, plausible prices and harvest windows, a
//! curator and a helper. Deterministic, and loaded only once.

use crate::rng::Rng;
use nongsan_domain::account::{Role, SellerKind};
use nongsan_domain::listing::{Event, RawCertification, RawListing, add_months, format_date};
use nongsan_domain::reference::reference;
use nongsan_store::{NewListing, NewUser, Profile, Store};

/// The demo accounts' shared password, printed by `seed --demo` and in the README.
pub const DEMO_PASSWORD: &str = "nongsan-demo";
pub const DEMO_CURATOR_PHONE: &str = "0911000001";
pub const DEMO_HELPER_PHONE: &str = "0911000002";

const FAMILY: &[&str] = &["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Huỳnh", "Võ"];
const MIDDLE: &[&str] = &["Văn", "Thị", "Đức", "Minh", "Quang", "Thanh", "Ngọc", "Hữu"];
const GIVEN: &[&str] =
    &["Bình", "Hùng", "Lan", "Mai", "Tuấn", "Hòa", "Phúc", "Thảo", "Dũng", "Hạnh", "Sơn", "Trang", "Lộc", "Nga", "Khánh", "Tâm"];
/// K'Ho names: many Di Linh farmers are K'Ho.
const KHO: &[&str] = &["K'Brơi", "Ka Điệp", "K'Sớ", "Ka Huệ", "K'Điểu", "Ka Nhung", "K'Bình", "Ka Hiền", "K'Vinh", "Ka Thoa"];
const COOPS: &[&str] = &[
    "HTX Mắc ca Đinh Lạc",
    "HTX Cà phê Hòa Bắc",
    "HTX Nông nghiệp Gia Hiệp",
    "HTX Sầu riêng Sơn Điền",
    "Công ty TNHH Cà phê Di Linh Xanh",
];
const VILLAGES: &[&str] =
    &["Thôn 1", "Thôn 2", "Thôn 3", "Thôn 4", "Thôn 5", "Thôn Ka La", "Thôn Đồng Lạc", "Thôn Hàng Làng", "Thôn Kao Kuil", "Thôn Bờ Nơm"];

/// (legacy unit, current commune) pairs used for the demo farmers.
pub fn demo_places() -> Vec<(&'static str, &'static str)> {
    vec![
        ("tt-di-linh", "di-linh"),
        ("dinh-lac", "di-linh"),
        ("tan-nghia", "di-linh"),
        ("tan-chau", "di-linh"),
        ("hoa-ninh", "hoa-ninh"),
        ("hoa-nam", "hoa-ninh"),
        ("hoa-bac", "hoa-bac"),
        ("hoa-trung", "hoa-bac"),
        ("dinh-trang-thuong", "dinh-trang-thuong"),
        ("tan-thuong", "dinh-trang-thuong"),
        ("bao-thuan", "bao-thuan"),
        ("gung-re", "bao-thuan"),
        ("son-dien", "son-dien"),
        ("gia-bac", "son-dien"),
        ("gia-hiep", "gia-hiep"),
        ("tam-bo", "gia-hiep"),
        ("lien-dam", "gia-hiep"),
        ("dinh-trang-hoa", "gia-hiep"),
        ("tan-lam", "hoa-ninh"),
    ]
}

/// Loads the demo once; later calls see the demo curator and do nothing.
pub async fn seed(store: &Store) -> anyhow::Result<()> {
    if store.user_by_phone(DEMO_CURATOR_PHONE).await?.is_some() {
        println!("demo data already loaded");
        return Ok(());
    }
    let hash = nongsan_web::auth::hash_password(DEMO_PASSWORD.to_owned()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let account = |role: Role, phone: &str, name: &str, commune: &str| NewUser {
        role,
        phone: Some(phone.to_owned()),
        password_hash: Some(hash.clone()),
        profile: Profile { name: name.to_owned(), commune: Some(commune.to_owned()), ..Profile::default() },
        created_by: None,
    };
    let curator = store.create_user(&account(Role::Curator, DEMO_CURATOR_PHONE, "Phòng Nông nghiệp (demo)", "di-linh")).await?;
    let helper = store.create_user(&account(Role::Helper, DEMO_HELPER_PHONE, "Tổ CNS thôn 3 (demo)", "di-linh")).await?;
    store.set_helper_communes(helper.id, &["di-linh".to_owned(), "hoa-ninh".to_owned()]).await?;

    let data = reference();
    let today = nongsan_domain::local_date(nongsan_store::now());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let places = demo_places();
    let mut farmers = Vec::new();
    for i in 0..60 {
        let (legacy, current) = places[i % places.len()];
        let (name, kind) = match i % 12 {
            0 => (COOPS[(i / 12) % COOPS.len()].to_owned(), if i / 12 == 4 { SellerKind::Enterprise } else { SellerKind::Cooperative }),
            3 | 7 => (format!("{} {}", rng.pick(KHO), rng.pick(GIVEN)), SellerKind::Household),
            _ => (format!("{} {} {}", rng.pick(FAMILY), rng.pick(MIDDLE), rng.pick(GIVEN)), SellerKind::Household),
        };
        let crops: Vec<String> = match i % 3 {
            0 => vec!["coffee".into(), "macadamia".into()],
            1 => vec!["coffee".into(), "durian".into()],
            _ => vec!["durian".into(), "macadamia".into(), "coffee".into()],
        };
        // Some older farmers have no phone of their own: the helper acts for them.
        let phone = (i % 10 != 9).then(|| format!("09{:08}", 12_000_000 + i * 7919));
        let farmer = store
            .create_user(&NewUser {
                role: Role::Farmer,
                phone: phone.clone(),
                password_hash: phone.as_ref().map(|_| hash.clone()),
                profile: Profile {
                    name,
                    commune: Some(current.to_owned()),
                    legacy_commune: Some(legacy.to_owned()),
                    village: rng.pick(VILLAGES).to_string(),
                    seller_kind: kind,
                    certifications: if i % 4 == 0 { vec!["vietgap".into()] } else { vec![] },
                    crops: crops.clone(),
                },
                created_by: phone.is_none().then_some(helper.id),
            })
            .await?;
        farmers.push((farmer, crops));
    }

    let mut count = 0;
    let mut on_sale = Vec::new();
    for n in 0..200 {
        let (farmer, crops) = &farmers[n % farmers.len()];
        let crop_key = &crops[(n / farmers.len()) % crops.len()];
        let crop = data.crop(crop_key).expect("demo crops exist");
        let variety = rng.pick(&crop.varieties).key.clone();
        let form = rng.pick(&crop.forms).key.clone();
        let (price, quantity) = price_and_quantity(&mut rng, crop_key, &variety, &form);
        let start = today - time::Duration::days(rng.range(0, 40));
        let until = add_months(today, rng.range(1, 4) as u32);
        let mut certifications = Vec::new();
        if n % 5 == 0 {
            certifications.push(RawCertification { code: "vietgap".into(), ..Default::default() });
        }
        if n % 17 == 0 {
            certifications.push(RawCertification {
                code: "ocop".into(),
                stars: Some(["3", "4", "5"][n % 3].into()),
                valid_until: Some(format_date(add_months(today, 20))),
            });
        }
        if crop_key == "coffee" && n % 3 == 0 {
            certifications.push(RawCertification { code: "ca-phe-di-linh".into(), ..Default::default() });
        }
        if crop_key == "coffee" && n % 7 == 0 {
            certifications.push(RawCertification { code: "4c".into(), ..Default::default() });
        }
        let raw = RawListing {
            crop: crop_key.clone(),
            variety,
            form,
            grade: if rng.below(3) == 0 { rng.pick(&crop.grades).key.clone() } else { String::new() },
            title: String::new(),
            description: description(&mut rng, crop_key, &farmer.profile.village),
            quantity: quantity.to_string(),
            unit: "kg".into(),
            price_vnd_per_kg: price.to_string(),
            available_from: format_date(start),
            available_until: format_date(until),
            certifications,
        };
        let fields = raw.validate(today).map_err(|e| anyhow::anyhow!("demo listing {n}: {e}"))?;
        let actor = if farmer.phone.is_none() { helper.id } else { farmer.id };
        let (listing, _) = store
            .create_listing(&NewListing {
                farmer_id: farmer.id,
                actor_id: actor,
                fields,
                submit: true,
                submission_key: Some(format!("demo-{n}")),
            })
            .await?;
        match n % 20 {
            // A few wait for the curator, one was sent back, one is still a draft.
            0..=2 => {}
            3 => {
                store
                    .transition(
                        listing.id,
                        Some(curator.id),
                        Event::Reject,
                        Some("Ảnh chưa rõ, vui lòng chụp lại quả sầu riêng ngoài sáng."),
                    )
                    .await?;
            }
            _ => {
                store.transition(listing.id, Some(curator.id), Event::Approve, None).await?;
                on_sale.push(listing);
            }
        }
        count += 1;
    }
    let sales = crate::demo_sales::seed_sales(store, &on_sale, today).await?;
    println!(
        "demo data loaded: {} farmers, {count} listings, {sales} sales; curator {DEMO_CURATOR_PHONE}, helper {DEMO_HELPER_PHONE}, password {DEMO_PASSWORD}",
        farmers.len()
    );
    Ok(())
}

/// Farm-gate prices (VND/kg) around late 2025 and quantities a household sells.
fn price_and_quantity(rng: &mut Rng, crop: &str, variety: &str, form: &str) -> (i64, i64) {
    let round = |p: i64| p / 500 * 500;
    match (crop, form) {
        ("coffee", "cherry") => (round(rng.range(18_000, 24_000)), rng.range(5, 40) * 100),
        ("coffee", "green") => (round(rng.range(92_000, 118_000) + if variety == "arabica" { 15_000 } else { 0 }), rng.range(3, 50) * 100),
        ("coffee", _) => (round(rng.range(220_000, 380_000)), rng.range(10, 200)),
        ("macadamia", "in-husk") => (round(rng.range(60_000, 80_000)), rng.range(2, 30) * 100),
        ("macadamia", "dried-in-shell") => (round(rng.range(150_000, 210_000)), rng.range(5, 80) * 10),
        ("macadamia", _) => (round(rng.range(450_000, 650_000)), rng.range(10, 100)),
        ("durian", "frozen-pulp") => (round(rng.range(250_000, 350_000)), rng.range(20, 300)),
        (_, _) => match variety {
            "ri6" => (round(rng.range(55_000, 95_000)), rng.range(5, 60) * 100),
            "monthong" => (round(rng.range(70_000, 120_000)), rng.range(5, 60) * 100),
            "musang-king" => (round(rng.range(140_000, 220_000)), rng.range(2, 20) * 100),
            _ => (round(rng.range(30_000, 50_000)), rng.range(5, 40) * 100),
        },
    }
}

fn description(rng: &mut Rng, crop: &str, village: &str) -> String {
    let lines: &[&str] = match crop {
        "coffee" => &[
            "Cà phê trồng xen sầu riêng, hái chín trên 90%.",
            "Phơi trên giàn, độ ẩm dưới 13%.",
            "Vườn trên 15 năm, canh tác theo hướng hữu cơ.",
        ],
        "macadamia" => {
            &["Mắc ca trồng xen cà phê, quả to đều.", "Sấy nứt vỏ bằng lò nhiệt thấp, giữ vị béo.", "Hạt rụng tự nhiên, thu gom hằng ngày."]
        }
        _ => &[
            "Sầu riêng chín cây, cơm vàng, hạt lép.",
            "Cắt đúng tuổi, bao ship hư hỏng.",
            "Vườn có mã vùng trồng, đủ điều kiện xuất khẩu.",
        ],
    };
    format!("{} Giao tại vườn, {}.", rng.pick(lines), village)
}
