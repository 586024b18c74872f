//! Channel credentials at rest: sealed with ChaCha20-Poly1305 under a key from the environment
//! (`NONGSAN_SECRET_KEY`, 64 hex digits), opened only where a request is about to be sent.

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

/// Why a credential could not be sealed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the secret key must be 64 hexadecimal digits (32 bytes)")]
    BadKey,
    #[error("the stored credential cannot be opened with this key (was the key changed?)")]
    CannotOpen,
}

/// Seals and opens credentials.
pub struct Sealer {
    key: LessSafeKey,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(…)")
    }
}

/// A credential in clear; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret(…{})", self.hint())
    }
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The credential itself, for the one request header that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The last four characters (fewer for a short credential), to recognise it on a page.
    pub fn hint(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        let keep = if chars.len() >= 12 { 4 } else { chars.len() / 4 };
        chars[chars.len() - keep..].iter().collect()
    }
}

impl Sealer {
    /// A sealer from 64 hex digits.
    pub fn from_hex(hex: &str) -> Result<Sealer, SecretError> {
        let bytes = decode_hex(hex.trim()).ok_or(SecretError::BadKey)?;
        if bytes.len() != 32 {
            return Err(SecretError::BadKey);
        }
        let key = UnboundKey::new(&CHACHA20_POLY1305, &bytes).map_err(|_| SecretError::BadKey)?;
        Ok(Sealer { key: LessSafeKey::new(key) })
    }

    /// A new random key, as 64 hex digits.
    pub fn generate_hex() -> String {
        let mut key = [0u8; 32];
        SystemRandom::new().fill(&mut key).expect("the operating system's random source");
        encode_hex(&key)
    }

    /// Seals `secret` under a fresh random nonce: hex of nonce, ciphertext and tag.
    pub fn seal(&self, secret: &Secret) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new().fill(&mut nonce).expect("the operating system's random source");
        let mut data = secret.0.as_bytes().to_vec();
        self.key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut data).expect("sealing fits in memory");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        encode_hex(&out)
    }

    pub fn open(&self, sealed: &str) -> Result<Secret, SecretError> {
        let bytes = decode_hex(sealed).ok_or(SecretError::CannotOpen)?;
        if bytes.len() < NONCE_LEN {
            return Err(SecretError::CannotOpen);
        }
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretError::CannotOpen)?;
        let mut data = data.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::empty(), &mut data).map_err(|_| SecretError::CannotOpen)?;
        String::from_utf8(plain.to_vec()).map(Secret).map_err(|_| SecretError::CannotOpen)
    }
}

fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_credential_opens_with_its_key_only() {
        let sealer = Sealer::from_hex(&Sealer::generate_hex()).unwrap();
        let secret = Secret::new("pm-token-0123456789abcdef");
        let sealed = sealer.seal(&secret);
        assert!(!sealed.contains("0123456789abcdef"));
        assert_ne!(sealed, sealer.seal(&secret), "every seal uses a fresh nonce");
        assert_eq!(sealer.open(&sealed).unwrap(), secret);
        let other = Sealer::from_hex(&Sealer::generate_hex()).unwrap();
        assert_eq!(other.open(&sealed), Err(SecretError::CannotOpen));
        assert_eq!(sealer.open("zz"), Err(SecretError::CannotOpen));
    }

    #[test]
    fn secrets_never_print() {
        let secret = Secret::new("pm-token-0123456789abcdef");
        assert_eq!(format!("{secret:?}"), "Secret(…cdef)");
        assert_eq!(Secret::new("abc").hint(), "");
        assert!(matches!(Sealer::from_hex("12"), Err(SecretError::BadKey)));
    }
}
