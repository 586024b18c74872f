//! robots.txt as RFC 9309 reads it: the group for our product token (else `*`), the longest
//! matching rule wins, `Allow` wins a tie, `*` and `$` in paths; plus `Crawl-delay`, which
//! the RFC leaves out but many sites still write.

use std::time::Duration;

/// The rules that apply to one crawler.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Robots {
    /// (allow, pattern)
    rules: Vec<(bool, String)>,
    pub crawl_delay: Option<Duration>,
}

impl Robots {
    /// Everything allowed: no robots.txt (4xx), as the RFC says.
    pub fn allow_all() -> Robots {
        Robots::default()
    }

    /// The rules of `text` for the crawler whose product token is `agent`.
    pub fn parse(text: &str, agent: &str) -> Robots {
        let agent = agent.to_ascii_lowercase();
        let mut ours = Robots::default();
        let mut star = Robots::default();
        let mut found_ours = false;
        // The user agents of the group being read, and whether its rules started.
        let mut agents: Vec<String> = Vec::new();
        let mut in_rules = false;
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else { continue };
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            match key.as_str() {
                "user-agent" => {
                    if in_rules {
                        agents.clear();
                        in_rules = false;
                    }
                    agents.push(value.to_ascii_lowercase());
                }
                "allow" | "disallow" | "crawl-delay" => {
                    in_rules = true;
                    let mine = agents.iter().any(|a| a != "*" && agent.starts_with(a.as_str()));
                    let everyone = agents.iter().any(|a| a == "*");
                    if mine {
                        found_ours = true;
                    }
                    for (target, applies) in [(&mut ours, mine), (&mut star, everyone)] {
                        if !applies {
                            continue;
                        }
                        if key == "crawl-delay" {
                            if let Ok(secs) = value.parse::<f64>()
                                && secs.is_finite()
                                && secs >= 0.0
                            {
                                target.crawl_delay = Some(Duration::from_secs_f64(secs.min(60.0)));
                            }
                        } else if !value.is_empty() {
                            target.rules.push((key == "allow", value.to_owned()));
                        }
                    }
                }
                _ => {}
            }
        }
        if found_ours { ours } else { star }
    }

    /// Whether `path` (with its query) may be fetched.
    pub fn allows(&self, path: &str) -> bool {
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in &self.rules {
            if matches(pattern, path) {
                let len = pattern.len();
                best = match best {
                    Some((l, a)) if l > len || (l == len && a) => Some((l, a)),
                    _ => Some((len, *allow)),
                };
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// Whether a robots path pattern matches the start of `path`.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let parts: Vec<&str> = pattern.split('*').collect();
    let Some(head) = parts.first() else { return true };
    if !path.starts_with(head) {
        return false;
    }
    let mut at = head.len();
    for (i, part) in parts.iter().enumerate().skip(1) {
        let last = i == parts.len() - 1;
        if last && anchored {
            return path.len() >= at + part.len() && path.ends_with(part);
        }
        match path[at..].find(part) {
            Some(found) => at += found + part.len(),
            None => return false,
        }
    }
    !anchored || at == path.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "User-agent: *\nDisallow: /cart\nDisallow: /*?qqq=\nAllow: /cart/public$\n\n\
                        User-agent: BadBot\nDisallow: /\n\nUser-agent: nongsan\nUser-agent: other\nDisallow: /private\nCrawl-delay: 2\n";

    #[test]
    fn our_group_wins_over_the_star_group() {
        let ours = Robots::parse(TEXT, "nongsan");
        assert!(ours.allows("/cart"), "the star group does not apply when ours exists");
        assert!(!ours.allows("/private/x"));
        assert_eq!(ours.crawl_delay, Some(Duration::from_secs(2)));
        let star = Robots::parse(TEXT, "someone");
        assert!(!star.allows("/cart/1"));
        assert!(star.allows("/cart/public"));
        assert!(!star.allows("/cart/public/x"));
        assert!(!star.allows("/tim-kiem-sau-rieng?qqq=sau"));
        assert!(star.allows("/sau-rieng-p12708.html"));
    }

    #[test]
    fn longest_rule_wins_and_allow_wins_a_tie() {
        let r = Robots::parse("User-agent: *\nDisallow: /p\nAllow: /p\nDisallow: /shop/\nAllow: /shop/open", "nongsan");
        assert!(r.allows("/p1"));
        assert!(!r.allows("/shop/closed"));
        assert!(r.allows("/shop/open-s1"));
        assert!(Robots::parse("User-agent: *\nDisallow:\n", "nongsan").allows("/anything"));
        assert!(!Robots::parse("User-agent: *\nDisallow: /\n", "nongsan").allows("/"));
    }
}
