//! The only place that touches cryptographic primitives: CSPRNG secrets, digests,
//! constant-time comparison and encryption at rest.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{Error, Result};

/// `n` bytes from the operating system's CSPRNG.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    OsRng.fill_bytes(&mut buf);
    buf
}

/// A URL-safe secret carrying `bytes * 8` bits of entropy.
pub fn random_url_secret(bytes: usize) -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(bytes))
}

/// A string of `len` characters drawn uniformly from `alphabet` (rejection sampling, no modulo bias).
pub fn random_from_alphabet(alphabet: &[u8], len: usize) -> String {
    debug_assert!(!alphabet.is_empty() && alphabet.len() <= 256);
    let limit = 256 - (256 % alphabet.len());
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let mut b = [0u8; 1];
        OsRng.fill_bytes(&mut b);
        if (b[0] as usize) < limit {
            out.push(alphabet[b[0] as usize % alphabet.len()] as char);
        }
    }
    out
}

/// The raw SHA-256 digest: a fixed-size key for in-memory lookups, no allocation.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Lowercase hex SHA-256, used to store high-entropy secrets (links, codes, session ids).
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Lowercase hex HMAC-SHA-256 of `message` under `key` (webhook signatures).
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> Result<String> {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| Error::internal_msg("HMAC key refused"))?;
    mac.update(message);
    Ok(hex::encode(mac.finalize().into_bytes()))
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// The master key that seals secrets at rest (TOTP seeds, later signing keys).
pub struct MasterKey(chacha20poly1305::Key);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

pub const MASTER_KEY_LEN: usize = 32;

/// Why 32 bytes cannot be a randomly drawn key, if they cannot: each test fails for random bytes
/// with a probability below 10^-13 (a run of 32 random bytes has about 30 distinct values; all 32
/// printable is (95/256)^32).
fn weakness(bytes: &[u8]) -> Option<&'static str> {
    let mut seen = [false; 256];
    bytes.iter().for_each(|b| seen[*b as usize] = true);
    if seen.iter().filter(|s| **s).count() < 16 {
        return Some("too few distinct bytes");
    }
    let step = bytes[1].wrapping_sub(bytes[0]);
    if bytes.windows(2).all(|w| w[1].wrapping_sub(w[0]) == step) {
        return Some("a counting sequence");
    }
    if bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
        return Some("it is text (use base64 of 32 random bytes, e.g. `openssl rand -base64 32`)");
    }
    None
}

impl MasterKey {
    pub fn generate() -> Self {
        MasterKey(*chacha20poly1305::Key::from_slice(&random_bytes(MASTER_KEY_LEN)))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != MASTER_KEY_LEN {
            return Err(Error::invalid("the master key must be 32 bytes"));
        }
        weakness(bytes).map_or(Ok(()), |why| Err(Error::invalid(format!("the master key is not random: {why}"))))?;
        Ok(MasterKey(*chacha20poly1305::Key::from_slice(bytes)))
    }

    /// Parses the standard base64 form used in configuration and the key file.
    pub fn from_base64(text: &str) -> Result<Self> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| Error::invalid("the master key is not valid base64"))?;
        Self::from_bytes(&bytes)
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.as_slice())
    }

    /// Encrypts with XChaCha20-Poly1305; `context` binds the ciphertext to its owner (e.g. a user id).
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<String> {
        let cipher = XChaCha20Poly1305::new(&self.0);
        let nonce_bytes = random_bytes(24);
        let nonce = XNonce::from_slice(&nonce_bytes);
        let ct = cipher
            .encrypt(nonce, Payload { msg: plaintext, aad: context.as_bytes() })
            .map_err(|_| Error::internal_msg("encryption failed"))?;
        let mut out = nonce_bytes;
        out.extend_from_slice(&ct);
        Ok(STANDARD.encode(out))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>> {
        let raw = STANDARD.decode(sealed).map_err(|_| Error::internal_msg("sealed value is not base64"))?;
        if raw.len() < 24 + 16 {
            return Err(Error::internal_msg("sealed value is too short"));
        }
        let (nonce, ct) = raw.split_at(24);
        XChaCha20Poly1305::new(&self.0)
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: context.as_bytes() })
            .map_err(|_| Error::internal_msg("sealed value failed authentication"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_context() {
        let key = MasterKey::generate();
        let sealed = key.seal(b"seed", "user-1").unwrap();
        assert_eq!(key.open(&sealed, "user-1").unwrap(), b"seed");
        assert!(key.open(&sealed, "user-2").is_err());
        assert!(MasterKey::generate().open(&sealed, "user-1").is_err());
    }

    #[test]
    fn master_key_round_trips_through_base64_and_refuses_weak_keys() {
        let key = MasterKey::generate();
        let again = MasterKey::from_base64(&key.to_base64()).unwrap();
        assert_eq!(again.open(&key.seal(b"x", "c").unwrap(), "c").unwrap(), b"x");
        assert!(MasterKey::from_bytes(&[0u8; 32]).is_err());
        assert!(MasterKey::from_bytes(&[1u8; 16]).is_err());
        assert!(MasterKey::from_base64("not base64!").is_err());
        let counting: Vec<u8> = (0..32).collect();
        let text = b"my-very-secret-master-key-0123456";
        let repeated: Vec<u8> = (0..32).map(|i| [7, 200, 31, 99][i % 4]).collect();
        for (weak, why) in [(&counting[..], "counting"), (&text[..32], "text"), (&repeated[..], "distinct")] {
            let err = MasterKey::from_bytes(weak).unwrap_err().to_string();
            assert!(err.contains(why), "{err}");
        }
        for _ in 0..1000 {
            assert!(MasterKey::from_bytes(&random_bytes(32)).is_ok(), "random keys always pass");
        }
    }

    #[test]
    fn master_key_debug_is_redacted() {
        assert_eq!(format!("{:?}", MasterKey::generate()), "MasterKey(<redacted>)");
    }

    #[test]
    fn alphabet_secrets_have_the_requested_length_and_alphabet() {
        let s = random_from_alphabet(b"abc", 64);
        assert_eq!(s.len(), 64);
        assert!(s.bytes().all(|b| b"abc".contains(&b)));
        assert_ne!(random_url_secret(16), random_url_secret(16));
    }

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?").unwrap(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
