//! Marks the words of a title that match the query, the same way for every engine.

use crate::understand::Understood;
use nongsan_domain::text::fold;

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

/// The title as HTML-escaped text with matching words in `<mark>`; `None` when nothing matched.
pub fn highlight(title: &str, query: &Understood) -> Option<String> {
    if query.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(title.len() + 16);
    let mut any = false;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String, any: &mut bool| {
        if word.is_empty() {
            return;
        }
        let f = fold(word);
        let hit = query.words.iter().any(|w| f == w.term || (w.prefix && f.starts_with(&w.term)));
        if hit {
            *any = true;
            out.push_str("<mark>");
            escape(word, out);
            out.push_str("</mark>");
        } else {
            escape(word, out);
        }
        word.clear();
    };
    for c in title.chars() {
        if c.is_alphanumeric() || ('\u{0300}'..='\u{036f}').contains(&c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out, &mut any);
            escape(&c.to_string(), &mut out);
        }
    }
    flush(&mut word, &mut out, &mut any);
    any.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::understand::QueryWord;

    #[test]
    fn marks_folded_matches_and_escapes_the_rest() {
        let q = Understood {
            words: vec![
                QueryWord { term: "sau".into(), accented: None, prefix: false, expansions: vec![] },
                QueryWord { term: "ri".into(), accented: None, prefix: true, expansions: vec![] },
            ],
            nothing_matches: false,
        };
        assert_eq!(highlight("Sầu riêng <Ri6>", &q).unwrap(), "<mark>Sầu</mark> <mark>riêng</mark> &lt;<mark>Ri6</mark>&gt;");
        assert_eq!(highlight("Cà phê", &q), None);
    }
}
