//! The voso scraper: the parsers on fixed pages, and the polite fetcher against the voso
//! contract sandbox on 127.0.0.1.

mod fetch;
mod pages;

use std::path::PathBuf;

/// A page of `fixtures/voso/pages/`.
pub fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/voso/pages").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
