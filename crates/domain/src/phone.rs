//! Vietnamese mobile numbers, as farmers write them.
//!
//! "0912 345 678", "+84 912.345.678" and "84912345678" are one number, stored as
//! "0912345678". Mobile numbers have ten digits and start with 03, 05, 07, 08 or 09.

/// A normalised Vietnamese mobile number ("0xxxxxxxxx").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Parses what a person typed; `None` when it is not a Vietnamese mobile number.
    pub fn parse(input: &str) -> Option<Phone> {
        let trimmed = input.trim();
        let (international, rest) = match trimmed.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let mut digits = String::with_capacity(12);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '.' | '-' | '(' | ')' => {}
                _ => return None,
            }
        }
        let national = if let Some(rest) = digits.strip_prefix("84").filter(|r| r.len() == 9) {
            format!("0{rest}")
        } else if international {
            return None;
        } else {
            digits
        };
        let valid = national.len() == 10 && national.starts_with('0') && matches!(national.as_bytes()[1], b'3' | b'5' | b'7' | b'8' | b'9');
        valid.then_some(Phone(national))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Phone;

    #[test]
    fn accepts_the_ways_people_write_one_number() {
        for input in ["0912345678", "0912 345 678", "+84912345678", "+84 912.345.678", "84912345678"] {
            assert_eq!(Phone::parse(input).unwrap().as_str(), "0912345678", "{input}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_mobile_number() {
        for input in ["", "12345", "0212345678", "091234567", "09123456789", "+1 912345678", "09x2345678"] {
            assert!(Phone::parse(input).is_none(), "{input}");
        }
    }
}
