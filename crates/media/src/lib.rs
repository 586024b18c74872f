//! Photos: every upload is hostile until decoded.
//!
//! The format comes from the bytes (JPEG, PNG, WebP only), the decoder runs under limits on
//! dimensions and memory, and what is kept is named by the SHA-256 of its content, so the same
//! photo uploaded twice is stored once. Originals are kept as uploaded; a square thumbnail is
//! made for cards. Decoding runs on blocking threads, a few at a time.

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The largest file accepted.
pub const MAX_FILE_BYTES: usize = 15 * 1024 * 1024;
/// The largest width or height accepted: a 12-megapixel phone photo is about 4000 × 3000.
pub const MAX_SIDE: u32 = 12_000;
/// Decoded pixels at most (about 50 megapixels).
pub const MAX_PIXELS: u64 = 50_000_000;
/// Side of the square card thumbnail.
pub const THUMB_SIDE: u32 = 320;

/// Why a photo was refused; each maps to a message the uploader can act on.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("empty file")]
    Empty,
    #[error("file too large")]
    TooLarge,
    #[error("not a JPEG, PNG or WebP image")]
    UnsupportedFormat,
    #[error("image dimensions too large")]
    TooManyPixels,
    #[error("damaged or incomplete image")]
    Corrupt,
    #[error("could not store the photo")]
    Storage,
    #[error("photo smaller than required")]
    TooSmall,
}

impl PhotoError {
    /// The message-catalogue key for this refusal.
    pub fn key(&self) -> &'static str {
        match self {
            PhotoError::Empty => "err.photo.empty",
            PhotoError::TooLarge => "err.photo.too_large",
            PhotoError::UnsupportedFormat => "err.photo.format",
            PhotoError::TooManyPixels => "err.photo.too_many_pixels",
            PhotoError::Corrupt => "err.photo.corrupt",
            PhotoError::Storage => "err.photo.storage",
            PhotoError::TooSmall => "err.photo.too_small",
        }
    }
}

/// A photo accepted and written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPhoto {
    pub hash: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
}

/// Longest side of the large variant.
pub const LARGE_SIDE: u32 = 1600;
/// Longest side of the medium variant.
pub const MEDIUM_SIDE: u32 = 800;

/// The sizes a photo is served in. Each is re-encoded from the decoded pixels, upright and
/// without metadata; the original as uploaded (with its EXIF, GPS included) is kept on the
/// server and never served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// 320 × 320, centred crop, for cards.
    Thumb,
    /// Longest side at most 800 px, for the listing page on a phone.
    Medium,
    /// Longest side at most 1600 px, for large screens and zooming in.
    Large,
}

impl Variant {
    pub fn parse(s: &str) -> Option<Variant> {
        match s {
            "thumb" => Some(Variant::Thumb),
            "medium" => Some(Variant::Medium),
            "large" => Some(Variant::Large),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Thumb => "thumb",
            Variant::Medium => "medium",
            Variant::Large => "large",
        }
    }
}

/// Content-addressed photo files under one directory.
#[derive(Clone, Debug)]
pub struct MediaStore {
    root: PathBuf,
    permits: Arc<Semaphore>,
}

/// Identifies the format from the first bytes; the file name and declared type are ignored.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(ImageFormat::WebP)
    } else {
        None
    }
}

/// A decoded photo, upright: its pixels (possibly at reduced scale) and the full size.
pub struct Decoded {
    pub image: DynamicImage,
    /// Width and height of the photo as uploaded, after orientation.
    pub full: (u32, u32),
}

/// Decodes a photo no larger than needed for a `need`-pixel longest side: JPEGs at 1/2, 1/4 or
/// 1/8 scale in the decoder itself when that still leaves enough pixels.
pub fn decode(bytes: &[u8], need: u32) -> Result<Decoded, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = sniff(bytes).ok_or(PhotoError::UnsupportedFormat)?;
    if format == ImageFormat::Jpeg {
        return decode_jpeg(bytes, need);
    }
    let image = decode_other(bytes, format)?;
    let full = (image.width(), image.height());
    Ok(Decoded { image, full })
}

fn check_size(w: u32, h: u32) -> Result<(), PhotoError> {
    if w == 0 || h == 0 {
        return Err(PhotoError::Corrupt);
    }
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(PhotoError::TooManyPixels);
    }
    Ok(())
}

fn decode_jpeg(bytes: &[u8], need: u32) -> Result<Decoded, PhotoError> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.read_info().map_err(|_| PhotoError::Corrupt)?;
    let info = decoder.info().ok_or(PhotoError::Corrupt)?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    // Header first: a file that declares a huge canvas is refused before any pixel is decoded.
    check_size(w, h)?;
    let side = need.min(u32::from(u16::MAX)) as u16;
    decoder.scale(side, side).map_err(|_| PhotoError::Corrupt)?;
    let pixels = decoder.decode().map_err(|_| PhotoError::Corrupt)?;
    let info = decoder.info().ok_or(PhotoError::Corrupt)?;
    let (sw, sh) = (u32::from(info.width), u32::from(info.height));
    let image = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => image::RgbImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageRgb8),
        jpeg_decoder::PixelFormat::L8 => image::GrayImage::from_raw(sw, sh, pixels).map(DynamicImage::ImageLuma8),
        jpeg_decoder::PixelFormat::CMYK32 => {
            let rgb: Vec<u8> = pixels
                .chunks_exact(4)
                .flat_map(|p| {
                    let k = u16::from(p[3]);
                    [p[0], p[1], p[2]].map(|c| (u16::from(c) * k / 255) as u8)
                })
                .collect();
            image::RgbImage::from_raw(sw, sh, rgb).map(DynamicImage::ImageRgb8)
        }
        jpeg_decoder::PixelFormat::L16 => None,
    }
    .ok_or(PhotoError::Corrupt)?;
    let orientation = decoder
        .exif_data()
        .and_then(exif_orientation)
        .and_then(image::metadata::Orientation::from_exif)
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = image;
    image.apply_orientation(orientation);
    let turned = matches!(
        orientation,
        image::metadata::Orientation::Rotate90
            | image::metadata::Orientation::Rotate270
            | image::metadata::Orientation::Rotate90FlipH
            | image::metadata::Orientation::Rotate270FlipH
    );
    Ok(Decoded { image, full: if turned { (h, w) } else { (w, h) } })
}

/// The orientation tag (0x0112) of an EXIF block (TIFF header first), if present.
pub fn exif_orientation(tiff: &[u8]) -> Option<u8> {
    let big = match tiff.get(0..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at =
        |o: usize| tiff.get(o..o + 2).map(|b| if big { u16::from_be_bytes([b[0], b[1]]) } else { u16::from_le_bytes([b[0], b[1]]) });
    let u32_at = |o: usize| {
        tiff.get(o..o + 4)
            .map(|b| if big { u32::from_be_bytes([b[0], b[1], b[2], b[3]]) } else { u32::from_le_bytes([b[0], b[1], b[2], b[3]]) })
    };
    let ifd = u32_at(4)? as usize;
    let count = u16_at(ifd)? as usize;
    (0..count.min(256)).find_map(|i| {
        let entry = ifd + 2 + i * 12;
        (u16_at(entry)? == 0x0112).then(|| u16_at(entry + 8).map(|v| v as u8)).flatten()
    })
}

fn decode_other(bytes: &[u8], format: ImageFormat) -> Result<DynamicImage, PhotoError> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    // Header first: a file that declares a huge canvas is refused before any pixel is decoded.
    let (w, h) = reader.into_dimensions().map_err(|e| match e {
        image::ImageError::Limits(_) => PhotoError::TooManyPixels,
        _ => PhotoError::Corrupt,
    })?;
    check_size(w, h)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let refuse = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => PhotoError::TooManyPixels,
        _ => PhotoError::Corrupt,
    };
    let mut decoder = reader.into_decoder().map_err(refuse)?;
    // Phones store the picture sideways and say how to turn it in EXIF.
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(refuse)?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// A square centred crop scaled to `side`.
fn square_thumb(image: &DynamicImage, side: u32) -> DynamicImage {
    image.resize_to_fill(side, side, image::imageops::FilterType::Triangle)
}

impl MediaStore {
    /// Photo files under `root`; at most `parallel` photos are decoded at once.
    pub fn new(root: PathBuf, parallel: usize) -> MediaStore {
        MediaStore { root, permits: Arc::new(Semaphore::new(parallel.max(1))) }
    }

    fn path(&self, hash: &str, variant: Variant) -> PathBuf {
        self.file(hash, &format!("{}.jpg", variant.as_str()))
    }

    /// The uploaded bytes, kept as they came.
    fn original_path(&self, hash: &str) -> PathBuf {
        self.file(hash, "orig")
    }

    fn file(&self, hash: &str, ext: &str) -> PathBuf {
        self.root.join(&hash[..2]).join(format!("{hash}.{ext}"))
    }

    /// Validates, decodes and stores a photo and its thumbnail. Nothing is written unless the
    /// whole photo decoded; files appear atomically (written aside, then renamed).
    pub async fn accept(&self, bytes: Vec<u8>) -> Result<StoredPhoto, PhotoError> {
        let _permit = self.permits.acquire().await.map_err(|_| PhotoError::Storage)?;
        let this = self.clone();
        tokio::task::spawn_blocking(move || this.accept_blocking(&bytes)).await.map_err(|_| PhotoError::Storage)?
    }

    fn accept_blocking(&self, bytes: &[u8]) -> Result<StoredPhoto, PhotoError> {
        let hash = hex(&Sha256::digest(bytes));
        let original = self.original_path(&hash);
        let (width, height) = if original.exists() {
            // Stored before: only its size is needed.
            decode(bytes, THUMB_SIDE)?.full
        } else {
            let rendered = render(bytes)?;
            write_atomic(&self.path(&hash, Variant::Large), &rendered.large)?;
            write_atomic(&self.path(&hash, Variant::Medium), &rendered.medium)?;
            write_atomic(&self.path(&hash, Variant::Thumb), &rendered.thumb)?;
            write_atomic(&original, bytes)?;
            rendered.full
        };
        Ok(StoredPhoto { hash, width, height, bytes: bytes.len() as u64 })
    }

    /// The bytes of a stored variant and its content type.
    pub async fn read(&self, hash: &str, variant: Variant) -> Option<(Vec<u8>, &'static str)> {
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let bytes = tokio::fs::read(self.path(hash, variant)).await.ok()?;
        Some((bytes, "image/jpeg"))
    }

    /// A size a marketplace asks for, made on demand from the kept upload and cached: `side`
    /// pixels on the longest side (or both sides when `square`, centred crop), upright and
    /// without metadata. Photos smaller than a channel's minimum are
    /// the connector's to refuse, with `min_side`.
    pub async fn channel_variant(&self, hash: &str, side: u32, square: bool, min_side: u32) -> Result<Vec<u8>, PhotoError> {
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) || side == 0 || side > MAX_SIDE {
            return Err(PhotoError::Storage);
        }
        let name = format!("{}{side}.jpg", if square { "sq" } else { "fit" });
        let cached = self.file(hash, &name);
        if let Ok(bytes) = tokio::fs::read(&cached).await {
            return Ok(bytes);
        }
        let original = tokio::fs::read(self.original_path(hash)).await.map_err(|_| PhotoError::Storage)?;
        let _permit = self.permits.acquire().await.map_err(|_| PhotoError::Storage)?;
        let bytes = tokio::task::spawn_blocking(move || {
            let decoded = decode(&original, side)?;
            if decoded.full.0.min(decoded.full.1) < min_side {
                return Err(PhotoError::TooSmall);
            }
            let img = decoded.image;
            let out = if square {
                square_thumb(&img, side)
            } else if img.width().max(img.height()) > side {
                img.resize(side, side, image::imageops::FilterType::Triangle)
            } else {
                img
            };
            jpeg(&out, 85)
        })
        .await
        .map_err(|_| PhotoError::Storage)??;
        write_atomic(&cached, &bytes)?;
        Ok(bytes)
    }

    /// Deletes every file of a photo nothing references any more.
    pub async fn remove(&self, hash: &str) {
        for variant in [Variant::Thumb, Variant::Medium, Variant::Large] {
            let _ = tokio::fs::remove_file(self.path(hash, variant)).await;
        }
        let _ = tokio::fs::remove_file(self.original_path(hash)).await;
        // Sizes made for marketplaces.
        if let Ok(mut dir) = tokio::fs::read_dir(self.root.join(&hash[..2])).await {
            while let Ok(Some(entry)) = dir.next_entry().await {
                if entry.file_name().to_string_lossy().starts_with(hash) {
                    let _ = tokio::fs::remove_file(entry.path()).await;
                }
            }
        }
    }
}

/// The served variants of one photo, encoded, and how long each stage took.
pub struct Rendered {
    pub full: (u32, u32),
    pub large: Vec<u8>,
    pub medium: Vec<u8>,
    pub thumb: Vec<u8>,
    pub decode: std::time::Duration,
    pub resize: std::time::Duration,
    pub encode: std::time::Duration,
}

/// Decodes once (at reduced scale where the format allows) and makes every variant, each from
/// the next larger one.
pub fn render(bytes: &[u8]) -> Result<Rendered, PhotoError> {
    let started = std::time::Instant::now();
    let Decoded { image, full } = decode(bytes, LARGE_SIDE)?;
    let decoded = std::time::Instant::now();
    let fit = |img: &DynamicImage, side: u32| {
        if img.width().max(img.height()) > side { img.resize(side, side, image::imageops::FilterType::Triangle) } else { img.clone() }
    };
    let large = fit(&image, LARGE_SIDE);
    drop(image);
    let medium = fit(&large, MEDIUM_SIDE);
    let thumb = square_thumb(&medium, THUMB_SIDE);
    let resized = std::time::Instant::now();
    let (large, medium, thumb) = (jpeg(&large, 82)?, jpeg(&medium, 82)?, jpeg(&thumb, 82)?);
    let encoded = std::time::Instant::now();
    Ok(Rendered { full, large, medium, thumb, decode: decoded - started, resize: resized - decoded, encode: encoded - resized })
}

/// Encodes RGB pixels as a baseline JPEG with Huffman tables fitted to the image (a few percent
/// smaller than the standard tables at the same quality, as libjpeg's `optimize_coding`) and
/// 4:2:0 chroma; no metadata is carried over.
fn jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let rgb = image.to_rgb8();
    let (width, height) = (u16::try_from(rgb.width()), u16::try_from(rgb.height()));
    let (Ok(width), Ok(height)) = (width, height) else { return Err(PhotoError::TooManyPixels) };
    let mut encoded = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut encoded, quality);
    encoder.set_optimized_huffman_tables(true);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    encoder.encode(rgb.as_raw(), width, height, jpeg_encoder::ColorType::Rgb).map_err(|_| PhotoError::Storage)?;
    Ok(encoded)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PhotoError> {
    let dir = path.parent().ok_or(PhotoError::Storage)?;
    std::fs::create_dir_all(dir).map_err(|_| PhotoError::Storage)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|_| PhotoError::Storage)?;
    std::fs::rename(&tmp, path).map_err(|_| PhotoError::Storage)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    /// CRC-32 as PNG chunks use it.
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    fn temp_store() -> (MediaStore, PathBuf) {
        let dir = std::env::temp_dir().join(format!("nongsan-media-{}-{}", std::process::id(), rand_suffix()));
        (MediaStore::new(dir.clone(), 2), dir)
    }

    fn rand_suffix() -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
    }

    #[tokio::test]
    async fn a_png_is_stored_once_with_a_square_thumbnail() {
        let (store, dir) = temp_store();
        let bytes = png(640, 480);
        let first = store.accept(bytes.clone()).await.unwrap();
        let second = store.accept(bytes).await.unwrap();
        assert_eq!(first, second);
        assert_eq!((first.width, first.height), (640, 480));
        let (thumb, kind) = store.read(&first.hash, Variant::Thumb).await.unwrap();
        assert_eq!(kind, "image/jpeg");
        let decoded = image::load_from_memory(&thumb).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (THUMB_SIDE, THUMB_SIDE));
        let square = store.channel_variant(&first.hash, 500, true, 300).await.unwrap();
        let square = image::load_from_memory(&square).unwrap();
        assert_eq!((square.width(), square.height()), (500, 500), "a marketplace's square size, made on demand");
        assert_eq!(store.channel_variant(&first.hash, 1000, false, 800).await, Err(PhotoError::TooSmall));
        store.remove(&first.hash).await;
        assert!(store.read(&first.hash, Variant::Large).await.is_none());
        assert!(std::fs::read_dir(dir.join(&first.hash[..2])).unwrap().next().is_none(), "every file of the photo is gone");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn served_variants_carry_no_metadata_and_are_upright() {
        let (store, dir) = temp_store();
        // A JPEG with an EXIF block saying "rotate 90°" and a GPS position.
        let img = image::RgbImage::from_fn(400, 200, |x, _| image::Rgb([if x < 200 { 255 } else { 0 }, 0, 0]));
        let mut plain = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90).encode_image(&img).unwrap();
        let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x02".to_vec();
        tiff.extend([0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x06, 0, 0]); // Orientation = 6 (rotate 90° clockwise)
        tiff.extend([0x88, 0x25, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 0]); // GPS IFD pointer
        tiff.extend([0, 0, 0, 0]);
        tiff.extend(b"GPS 11.5,108.0");
        let mut app1 = b"Exif\x00\x00".to_vec();
        app1.extend(&tiff);
        let mut with_exif = vec![0xFF, 0xD8, 0xFF, 0xE1];
        with_exif.extend(((app1.len() + 2) as u16).to_be_bytes());
        with_exif.extend(&app1);
        with_exif.extend(&plain[2..]);
        let stored = store.accept(with_exif).await.unwrap();
        assert_eq!((stored.width, stored.height), (200, 400), "the EXIF orientation is applied");
        for variant in [Variant::Thumb, Variant::Medium, Variant::Large] {
            let (bytes, _) = store.read(&stored.hash, variant).await.unwrap();
            assert!(!bytes.windows(4).any(|w| w == b"Exif"), "{variant:?} has no EXIF");
            assert!(!bytes.windows(3).any(|w| w == b"GPS"), "{variant:?} has no GPS");
        }
        let (large, _) = store.read(&stored.hash, Variant::Large).await.unwrap();
        let large = image::load_from_memory(&large).unwrap();
        assert_eq!((large.width(), large.height()), (200, 400));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn hostile_files_are_refused_and_nothing_is_written() {
        let (store, dir) = temp_store();
        assert_eq!(store.accept(Vec::new()).await, Err(PhotoError::Empty));
        assert_eq!(store.accept(b"GIF89a....".to_vec()).await, Err(PhotoError::UnsupportedFormat));
        assert_eq!(store.accept(b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec()).await, Err(PhotoError::UnsupportedFormat));
        let mut truncated = png(200, 200);
        truncated.truncate(truncated.len() / 2);
        assert_eq!(store.accept(truncated).await, Err(PhotoError::Corrupt));
        // A decompression bomb: a valid PNG header declaring 50,000 × 50,000 pixels.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&50_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&50_000u32.to_be_bytes());
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        let started = std::time::Instant::now();
        assert_eq!(store.accept(bomb).await, Err(PhotoError::TooManyPixels));
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "refused before decoding");
        // A JPEG cut off halfway through the upload.
        let mut jpeg_bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg_bytes, 90)
            .encode_image(&image::RgbImage::from_fn(300, 200, |x, y| image::Rgb([x as u8, y as u8, 7])))
            .unwrap();
        jpeg_bytes.truncate(jpeg_bytes.len() / 2);
        assert_eq!(store.accept(jpeg_bytes).await, Err(PhotoError::Corrupt));
        assert!(!dir.exists() || std::fs::read_dir(&dir).unwrap().next().is_none());
    }
}
