//! What a search engine indexes for one listing, built the same way for every engine.

use nongsan_domain::reference::reference;
use nongsan_domain::text::fold;
use nongsan_store::{Listing, search_text};
use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};
use time::Date;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// The indexed form of a public listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchDoc {
    pub id: i64,
    /// Folded title (boosted).
    pub title_folded: String,
    /// Folded text: title, description, crop/variety/form names and their synonyms in both
    /// languages, farmer and commune names (current and legacy).
    pub folded: String,
    /// The same words with their Vietnamese marks, lower case: ranks exact accented matches.
    pub accented: String,
    /// [`accent_key`] of each word of `accented` that carries marks: what engines match the
    /// words a buyer typed with accents against.
    pub accents: Vec<String>,
    pub crop: String,
    pub variety: String,
    pub form: String,
    pub commune: String,
    pub legacy_commune: String,
    /// Certifications valid on the day the document was built.
    pub certifications: Vec<String>,
    /// A valid OCOP rating, 0 when none.
    pub ocop_stars: u64,
    pub price: i64,
    pub quantity_kg: f64,
    /// Julian day numbers.
    pub available_from: i64,
    pub available_until: i64,
    pub updated_at: i64,
    pub farmer_id: i64,
    /// The listing as the catalogue shows it (JSON of [`Listing`]): hits are served from the
    /// index without reading the database.
    pub card: String,
    /// A digest of everything above: what the reconcile job compares.
    pub hash: u64,
}

/// Lower-cases and keeps the marks, composed (NFC: a letter typed as base + combining marks
/// reads as the same word as the precomposed one); separators become single spaces.
pub fn accented_words(text: &str) -> String {
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        words_of(text.chars(), text.len())
    } else {
        words_of(text.nfc(), text.len())
    }
}

fn words_of(chars: impl Iterator<Item = char>, len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_alphanumeric() || ('\u{0300}'..='\u{036f}').contains(&c) {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    };
    for c in chars {
        if c.is_ascii() {
            push(c.to_ascii_lowercase(), &mut out);
        } else {
            c.to_lowercase().for_each(|lower| push(lower, &mut out));
        }
    }
    out
}

/// The key under which engines index a word with its marks: its bytes in hex, so that no
/// engine's normalisation of text (case, marks) can take two spellings for one.
pub fn accent_key(word: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut key = String::with_capacity(word.len() * 2);
    for b in word.bytes() {
        key.push(char::from(HEX[usize::from(b >> 4)]));
        key.push(char::from(HEX[usize::from(b & 15)]));
    }
    key
}

/// The [`accent_key`] of each word of `accented` (as [`accented_words`] writes it) that carries
/// marks, each once.
pub fn accent_keys(accented: &str) -> Vec<String> {
    let mut words: Vec<&str> = accented.split(' ').filter(|w| !w.is_ascii()).collect();
    words.sort_unstable();
    words.dedup();
    words.into_iter().map(accent_key).collect()
}

impl SearchDoc {
    /// The document for `listing` as of `today` (certifications that expired are left out).
    pub fn from_listing(listing: &Listing, today: Date) -> SearchDoc {
        let f = &listing.fields;
        let valid: Vec<_> = f.certifications.iter().filter(|c| c.is_valid_on(today)).collect();
        let accented = accented_text(listing);
        let mut doc = SearchDoc {
            id: listing.id,
            title_folded: fold(&f.title),
            folded: folded_text(listing),
            accents: accent_keys(&accented),
            accented,
            crop: f.crop.clone(),
            variety: f.variety.clone(),
            form: f.form.clone(),
            commune: listing.commune.clone().unwrap_or_default(),
            legacy_commune: listing.legacy_commune.clone().unwrap_or_default(),
            certifications: valid.iter().map(|c| c.code.clone()).collect(),
            ocop_stars: valid.iter().find(|c| c.code == "ocop").and_then(|c| c.stars).map(u64::from).unwrap_or(0),
            price: f.price_vnd_per_kg,
            quantity_kg: f.quantity_kg,
            available_from: i64::from(f.available_from.to_julian_day()),
            available_until: i64::from(f.available_until.to_julian_day()),
            updated_at: listing.updated_at,
            farmer_id: listing.farmer_id,
            card: serde_json::to_string(listing).unwrap_or_default(),
            hash: 0,
        };
        doc.hash = doc.digest();
        doc
    }

    fn digest(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&self.id, &self.title_folded, &self.folded, &self.accented, &self.accents, &self.crop, &self.variety, &self.form).hash(&mut h);
        (&self.commune, &self.legacy_commune, &self.certifications, self.ocop_stars, self.price, self.quantity_kg.to_bits()).hash(&mut h);
        (self.available_from, self.available_until, self.updated_at, self.farmer_id, &self.card).hash(&mut h);
        // Kept within 53 bits so it survives a JSON round trip through any engine.
        h.finish() & ((1 << 53) - 1)
    }
}

/// [`SearchDoc::accented`]: the listing's words with their Vietnamese marks, lower case.
pub fn accented_text(listing: &Listing) -> String {
    let data = reference();
    let f = &listing.fields;
    let mut accented: Vec<&str> = vec![&f.title, &f.description, &listing.farmer_name];
    if let Some(crop) = data.crop(&f.crop) {
        accented.push(&crop.name_vi);
        if let Some(v) = crop.variety(&f.variety) {
            accented.push(&v.name_vi);
        }
        if let Some(form) = crop.form(&f.form) {
            accented.push(&form.name_vi);
        }
    }
    if let Some(c) = listing.commune.as_deref().and_then(|k| data.places.current(k)) {
        accented.push(&c.name);
    }
    if let Some(c) = listing.legacy_commune.as_deref().and_then(|k| data.places.legacy(k)) {
        accented.push(&c.name);
    }
    accented_words(&accented.join(" "))
}

/// What a listing is found by, folded: [`SearchDoc::folded`] and the words of the vocabulary.
pub fn folded_text(listing: &Listing) -> String {
    search_text(&listing.fields, &listing.farmer_name, listing.commune.as_deref(), listing.legacy_commune.as_deref()).trim().to_owned()
}

/// A day as the Julian day number engines filter on.
pub fn day_number(date: Date) -> i64 {
    i64::from(date.to_julian_day())
}
