//! Charts drawn on the server as SVG: nothing to download or run, readable on a 360 px phone
//! (the drawing scales to the width; labels stay few and large). Each chart carries a title
//! and a description for screen readers, and the page puts its numbers in a table beside it.

use maud::{Markup, html};

/// The drawing's coordinate space; it scales to the page's width.
const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 8.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 24.0;

/// One bar: its label (shown for a few of them) and its value.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: i64,
}

/// A short form of a large amount for the axis: 1,2 tỷ; 350 tr; 12 N.
pub fn short_amount(value: i64, units: (&str, &str, &str)) -> String {
    let v = value as f64;
    let (billion, million, thousand) = units;
    let one_decimal = |x: f64| {
        let s = format!("{x:.1}");
        s.trim_end_matches(".0").replace('.', ",")
    };
    if v.abs() >= 1e9 {
        format!("{} {billion}", one_decimal(v / 1e9))
    } else if v.abs() >= 1e6 {
        format!("{} {million}", one_decimal(v / 1e6))
    } else if v.abs() >= 1e3 {
        format!("{} {thousand}", one_decimal(v / 1e3))
    } else {
        value.to_string()
    }
}

/// Vertical bars over time. `id` names the title and description elements; `max_label`
/// writes the top of the scale.
pub fn columns(id: &str, title: &str, description: &str, bars: &[Bar], max_label: &dyn Fn(i64) -> String) -> Markup {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = (WIDTH - 2.0 * LEFT) / bars.len().max(1) as f64;
    let bar_w = (slot * 0.8).max(1.0);
    // At most about six labels fit a phone's width.
    let every = bars.len().div_ceil(6).max(1);
    html! {
        svg.chart viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } width="100%" role="img" aria-labelledby={ (id) "-title " (id) "-desc" }
            xmlns="http://www.w3.org/2000/svg" style="max-width:720px;height:auto;display:block" {
            title id={ (id) "-title" } { (title) }
            desc id={ (id) "-desc" } { (description) }
            text x=(LEFT) y="14" font-size="12" fill="#5d665d" { (max_label(max)) }
            line x1=(LEFT) x2=(WIDTH - LEFT) y1=(TOP) y2=(TOP) stroke="#e0e4dd" stroke-dasharray="4 3" {}
            line x1=(LEFT) x2=(WIDTH - LEFT) y1=(HEIGHT - BOTTOM) y2=(HEIGHT - BOTTOM) stroke="#9aa59a" {}
            @for (i, bar) in bars.iter().enumerate() {
                @let h = plot_h * bar.value.max(0) as f64 / max as f64;
                @let x = LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
                rect x=(fmt(x)) y=(fmt(HEIGHT - BOTTOM - h)) width=(fmt(bar_w)) height=(fmt(h)) fill="#1d6b3a" {
                    title { (bar.label) ": " (max_label(bar.value)) }
                }
                @if i % every == 0 {
                    text x=(fmt(x + bar_w / 2.0)) y=(HEIGHT - 8.0) font-size="11" text-anchor="middle" fill="#1f2a1f" { (bar.label) }
                }
            }
        }
    }
}

/// Horizontal bars, one per row with its label and value written out: for a split into a
/// few parts (channels).
pub fn rows(id: &str, title: &str, description: &str, bars: &[Bar], value_label: &dyn Fn(i64) -> String) -> Markup {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let row_h = 34.0;
    let height = row_h * bars.len().max(1) as f64 + 8.0;
    let plot_w = WIDTH - 2.0 * LEFT;
    html! {
        svg.chart viewBox={ "0 0 " (WIDTH) " " (height) } width="100%" role="img" aria-labelledby={ (id) "-title " (id) "-desc" }
            xmlns="http://www.w3.org/2000/svg" style="max-width:720px;height:auto;display:block" {
            title id={ (id) "-title" } { (title) }
            desc id={ (id) "-desc" } { (description) }
            @for (i, bar) in bars.iter().enumerate() {
                @let y = 4.0 + row_h * i as f64;
                @let w = (plot_w * bar.value.max(0) as f64 / max as f64).max(1.0);
                text x=(LEFT) y=(fmt(y + 12.0)) font-size="12" fill="#1f2a1f" { (bar.label) " — " (value_label(bar.value)) }
                rect x=(LEFT) y=(fmt(y + 16.0)) width=(fmt(w)) height="12" rx="2" fill=(PALETTE[i % PALETTE.len()]) {}
            }
        }
    }
}

const PALETTE: [&str; 4] = ["#1d6b3a", "#8a4b08", "#2f5f8a", "#6b5d1d"];

/// Coordinates with one decimal: enough on any screen, short in the page.
fn fmt(v: f64) -> String {
    let s = format!("{v:.1}");
    s.trim_end_matches(".0").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_scale_to_the_largest_value_and_label_a_few() {
        let bars: Vec<Bar> = (0..12).map(|i| Bar { label: format!("T{}", i + 1), value: (i + 1) * 1000 }).collect();
        let svg = columns("c", "Doanh số", "Theo tháng", &bars, &|v| v.to_string()).into_string();
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title id=\"c-title\">Doanh số</title>"));
        assert_eq!(svg.matches("<rect").count(), 12);
        // The largest bar fills the plot's height.
        assert!(svg.contains(&format!("height=\"{}\"", fmt(HEIGHT - TOP - BOTTOM))));
        assert_eq!(svg.matches("text-anchor=\"middle\"").count(), 6);
    }

    #[test]
    fn amounts_shorten_for_the_axis() {
        let units = ("tỷ", "tr", "N");
        assert_eq!(short_amount(1_250_000_000, units), "1,2 tỷ");
        assert_eq!(short_amount(350_000_000, units), "350 tr");
        assert_eq!(short_amount(12_000, units), "12 N");
        assert_eq!(short_amount(950, units), "950");
    }
}
