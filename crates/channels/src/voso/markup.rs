//! Reading HTML: CSS selectors, visible text, and the RDFa properties of a typed element.

use scraper::{ElementRef, Selector};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

/// A compiled selector for one of this module's fixed selector strings. The strings are
/// constants checked by the tests, so a parse failure is a programming error; it still
/// degrades to "matches nothing" rather than a panic in a job.
pub(crate) fn sel(css: &'static str) -> Selector {
    static CACHE: LazyLock<Mutex<HashMap<&'static str, Selector>>> = LazyLock::new(|| Mutex::new(HashMap::new()));
    let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    cache
        .entry(css)
        .or_insert_with(|| {
            Selector::parse(css).unwrap_or_else(|e| {
                tracing::error!(css, error = %e, "bad selector");
                // `:not(*)` matches nothing.
                Selector::parse(":not(*)").unwrap_or_else(|_| unreachable!("a valid selector"))
            })
        })
        .clone()
}

/// The first element under `scope` matching `css`.
pub(crate) fn first<'a>(scope: ElementRef<'a>, css: &'static str) -> Option<ElementRef<'a>> {
    scope.select(&sel(css)).next()
}

/// The visible text of an element, whitespace collapsed; `None` when empty.
pub(crate) fn text(element: ElementRef<'_>) -> Option<String> {
    let joined: String = element.text().collect::<Vec<_>>().join(" ");
    let tidy = joined.split_whitespace().collect::<Vec<_>>().join(" ");
    Some(tidy).filter(|t| !t.is_empty())
}

/// The text of the first element under `scope` matching `css`. Text runs are joined with a
/// space, so `100.000<sup>đ</sup>` reads "100.000 đ".
pub(crate) fn text_of(scope: ElementRef<'_>, css: &'static str) -> Option<String> {
    first(scope, css).and_then(text)
}

/// A non-empty attribute value, trimmed.
pub(crate) fn attr(element: ElementRef<'_>, name: &str) -> Option<String> {
    element.value().attr(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// Whether an RDFa `typeof` or `property` attribute names `term` (`schema:Product`,
/// `Product`, or the full `http://schema.org/Product`), among space-separated names.
pub(crate) fn names(value: &str, term: &str) -> bool {
    value.split_whitespace().any(|v| {
        let local = v.rsplit([':', '/', '#']).next().unwrap_or(v);
        local == term && (v == term || v.starts_with("schema:") || v.contains("schema.org"))
    })
}

/// One RDFa property of a resource: the element that carries it.
#[derive(Clone, Copy)]
pub(crate) struct Property<'a> {
    pub element: ElementRef<'a>,
}

impl<'a> Property<'a> {
    /// Its value: `content`, else a link's target (`href`, `src`, `resource`), else its text.
    pub fn value(&self) -> Option<String> {
        let e = self.element;
        attr(e, "content").or_else(|| attr(e, "href")).or_else(|| attr(e, "src")).or_else(|| attr(e, "resource")).or_else(|| text(e))
    }

    /// The nested resource it names (`<div property="schema:offers" typeof="schema:Offer">`).
    pub fn resource(&self) -> Option<ElementRef<'a>> {
        self.element.value().attr("typeof").map(|_| self.element)
    }
}

/// The properties named `term` that belong to the resource `scope` (a `typeof` element):
/// those whose nearest enclosing `typeof` is `scope` itself, so an offer's `schema:name` is
/// not read as the product's.
pub(crate) fn properties<'a>(scope: ElementRef<'a>, term: &str) -> Vec<Property<'a>> {
    scope
        .descendants()
        .skip(1)
        .filter_map(ElementRef::wrap)
        .filter(|e| e.value().attr("property").is_some_and(|p| names(p, term)))
        .filter(|e| owner(*e).is_some_and(|o| o.id() == scope.id()))
        .map(|element| Property { element })
        .collect()
}

/// The first value of property `term` of `scope`.
pub(crate) fn property_value(scope: ElementRef<'_>, term: &str) -> Option<String> {
    properties(scope, term).iter().find_map(Property::value)
}

/// The resource a property element belongs to: its nearest ancestor with `typeof`.
fn owner(element: ElementRef<'_>) -> Option<ElementRef<'_>> {
    element.ancestors().filter_map(ElementRef::wrap).find(|a| a.value().attr("typeof").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    #[test]
    fn nested_resources_keep_their_own_properties() {
        let html = Html::parse_document(
            r#"<div typeof="schema:Product"><span property="schema:name">Sầu riêng</span>
               <div property="schema:offers" typeof="schema:Offer"><meta property="schema:price" content="199000">
               <span property="schema:name">Offer name</span></div></div>"#,
        );
        let product = html.select(&sel(r#"[typeof~="schema:Product"]"#)).next().unwrap();
        assert_eq!(property_value(product, "name").as_deref(), Some("Sầu riêng"));
        assert_eq!(property_value(product, "price"), None);
        let offer = properties(product, "offers")[0].resource().unwrap();
        assert_eq!(property_value(offer, "price").as_deref(), Some("199000"));
        assert!(
            names("schema:Product", "Product") && names("http://schema.org/Product", "Product") && !names("schema:ProductX", "Product")
        );
    }
}
