//! Matching the products of a voso shop to nongsan listings by title.
//!
//! Titles are compared after folding (marks off, đ = d, lower case), without the words every
//! title of the area shares ("Di Linh") and without the pack ("hộp 5kg", "– 1 kg"), which the
//! helper may have written differently. A match is confident only when it is clearly the
//! best both ways and the numbers in the titles agree ("vườn 1" is not "vườn 2"); otherwise a
//! person confirms it.

use nongsan_domain::text::fold;
use std::collections::BTreeSet;

/// At or above this similarity, and clearly ahead of the rest, a match links by itself.
pub const CONFIDENT: f64 = 0.8;
/// At or above this, a match is proposed to a person.
pub const DOUBTFUL: f64 = 0.5;
/// How far ahead of the runner-up a confident match must be.
const MARGIN: f64 = 0.1;

/// Words that say nothing about which product it is.
const NOISE: &[&str] = &["di", "linh", "lam", "dong", "hop", "combo", "tui", "goi", "thung", "chai", "hu", "loai", "x"];
const UNITS: &[&str] = &["kg", "kgs", "g", "gr", "gram", "gam", "yen", "ta", "tan", "kilo"];

/// The words of a title that tell products apart.
fn words(title: &str) -> Vec<String> {
    let folded = fold(title);
    let raw: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let word = raw[i];
        let numeric = word.chars().all(|c| c.is_ascii_digit());
        if numeric && raw.get(i + 1).is_some_and(|next| UNITS.contains(next)) {
            i += 2; // "5 kg": a pack
            continue;
        }
        let unit_glued = word.trim_start_matches(|c: char| c.is_ascii_digit());
        if unit_glued.len() < word.len() && UNITS.contains(&unit_glued) {
            i += 1; // "5kg"
            continue;
        }
        if !NOISE.contains(&word) && !UNITS.contains(&word) {
            out.push(word.to_owned());
        }
        i += 1;
    }
    out
}

/// How alike two titles are, from 0 (nothing shared) to 1 (the same words): the Dice
/// coefficient of their distinguishing words.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (a, b): (BTreeSet<String>, BTreeSet<String>) = (words(a).into_iter().collect(), words(b).into_iter().collect());
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    2.0 * a.intersection(&b).count() as f64 / (a.len() + b.len()) as f64
}

/// The words with digits in them ("ri6", "1" of "vườn 1"): two titles that disagree on
/// them name different products however alike the rest is.
fn numbers(title: &str) -> BTreeSet<String> {
    words(title).into_iter().filter(|w| w.chars().any(|c| c.is_ascii_digit())).collect()
}

/// What matching found for one listing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// Link it: the product at this index.
    Confident(usize, f64),
    /// Ask a person whether it is the product at this index.
    Doubtful(usize, f64),
    None,
}

/// Matches each listing title to at most one product title. A pair is confident when its
/// similarity reaches [`CONFIDENT`], the numbers agree, and each is the other's best by
/// [`MARGIN`]; a product is proposed to at most one listing.
pub fn match_titles(listings: &[&str], products: &[&str]) -> Vec<Verdict> {
    let scores: Vec<Vec<f64>> = listings.iter().map(|l| products.iter().map(|p| similarity(l, p)).collect()).collect();
    let mut taken = vec![false; products.len()];
    let mut verdicts = vec![Verdict::None; listings.len()];
    // Best pairs first, so a product goes to the listing it fits best.
    let mut pairs: Vec<(usize, usize, f64)> =
        scores.iter().enumerate().flat_map(|(l, row)| row.iter().enumerate().map(move |(p, s)| (l, p, *s))).collect();
    pairs.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    for (l, p, score) in pairs {
        if score < DOUBTFUL || taken[p] || verdicts[l] != Verdict::None {
            continue;
        }
        taken[p] = true;
        let runner_up_product = scores[l].iter().enumerate().filter(|(i, _)| *i != p).map(|(_, s)| *s).fold(0.0, f64::max);
        let runner_up_listing = scores.iter().enumerate().filter(|(i, _)| *i != l).map(|(_, row)| row[p]).fold(0.0, f64::max);
        let clear = score - runner_up_product >= MARGIN && score - runner_up_listing >= MARGIN;
        let confident = score >= CONFIDENT && clear && numbers(listings[l]) == numbers(products[p]);
        verdicts[l] = if confident { Verdict::Confident(p, score) } else { Verdict::Doubtful(p, score) };
    }
    verdicts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_packs_and_place_names_do_not_count() {
        assert_eq!(similarity("Sầu riêng Ri6 vườn 1", "SAU RIENG RI6 VUON 1 Di Linh – 1 kg"), 1.0);
        assert_eq!(similarity("Mắc ca sấy nứt vỏ", "mac ca say nut vo hop 500g"), 1.0);
        assert!(similarity("Cà phê Robusta nhân xanh", "Sầu riêng Ri6") < 0.2);
        assert_eq!(similarity("Di Linh", "hộp 5kg"), 0.0);
    }

    #[test]
    fn a_clear_match_links_and_a_near_twin_asks_a_person() {
        let listings = ["Sầu riêng Ri6 vườn 1", "Cà phê Robusta rang mộc"];
        let products = ["Cà phê Robusta rang mộc Di Linh - túi 500g", "Sau rieng Ri6 vuon 1 Di Linh - 1 kg", "Bơ 034"];
        let verdicts = match_titles(&listings, &products);
        assert!(matches!(verdicts[0], Verdict::Confident(1, _)), "{verdicts:?}");
        assert!(matches!(verdicts[1], Verdict::Confident(0, _)), "{verdicts:?}");

        // Only "vườn 2" is on the shop: alike, but the numbers disagree.
        let verdicts = match_titles(&["Sầu riêng Ri6 vườn 1"], &["Sầu riêng Ri6 vườn 2 – 1 kg"]);
        assert!(matches!(verdicts[0], Verdict::Doubtful(0, _)), "{verdicts:?}");
        // Two listings the one product could be: neither is sure.
        let verdicts = match_titles(&["Sầu riêng Ri6 hạt lép", "Sầu riêng Ri6 hạt lép"], &["Sầu riêng Ri6 hạt lép"]);
        assert_eq!(verdicts.iter().filter(|v| matches!(v, Verdict::Doubtful(..))).count(), 1, "{verdicts:?}");
        assert!(verdicts.iter().all(|v| !matches!(v, Verdict::Confident(..))));
        assert_eq!(match_titles(&["Sầu riêng"], &["Cà phê Arabica Cầu Đất"]), [Verdict::None]);
    }
}
