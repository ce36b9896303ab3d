//! The token format: `<prefix>_<30 base62 characters from the OS CSPRNG><6-character base62 CRC32>`.
//! The checksum (of everything before it) lets a malformed or mistyped token be refused, and lets
//! leak scanners tell real tokens from noise, without touching the database.

use std::fmt;

use crate::crypto::random_from_alphabet;

/// base62's standard alphabet, the one the `base62` crate encodes with.
const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const RANDOM_LEN: usize = 30;
pub const CHECKSUM_LEN: usize = 6;

/// Why a string is not a token of this instance. Never carries the string itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("the token does not start with this instance's prefix")]
    Prefix,
    #[error("the token has the wrong length or characters")]
    Shape,
    #[error("the token's checksum does not match")]
    Checksum,
}

/// A token prefix: 2 to 8 lowercase letters (`gat`, `gac`, …), configurable per instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefix(String);

impl Prefix {
    pub fn new(p: &str) -> Option<Self> {
        (2..=8).contains(&p.len()).then_some(())?;
        p.bytes().all(|b| b.is_ascii_lowercase()).then(|| Prefix(p.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `gat`: personal access tokens.
    pub fn personal() -> Self {
        Prefix("gat".to_owned())
    }
}

/// A token in full. Shown once; Debug is redacted and there is no Display or Serialize.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl Token {
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The last four characters: enough for a person to recognise the token, useless to an attacker.
    pub fn hint(&self) -> String {
        self.0[self.0.len() - 4..].to_owned()
    }
}

/// The 6-character base62 CRC32 of `body`, left-padded with `0`, without touching the heap
/// (it runs on every API call).
fn checksum(body: &str) -> [u8; CHECKSUM_LEN] {
    let mut digits = [0u8; CHECKSUM_LEN];
    // A u32 never needs more than 6 base62 digits, so the buffer always fits.
    let n = base62::encode_bytes(crc32fast::hash(body.as_bytes()), &mut digits).unwrap_or(0);
    let mut out = [b'0'; CHECKSUM_LEN];
    out[CHECKSUM_LEN - n..].copy_from_slice(&digits[..n]);
    out
}

pub fn generate(prefix: &Prefix) -> Token {
    let mut token = format!("{}_{}", prefix.as_str(), random_from_alphabet(ALPHABET, RANDOM_LEN));
    token.extend(checksum(&token).iter().map(|&b| char::from(b)));
    Token(token)
}

/// Checks prefix, shape and checksum, with no I/O.
pub fn parse(raw: &str, prefix: &Prefix) -> Result<Token, FormatError> {
    check(raw, prefix).map(|()| Token(raw.to_owned()))
}

/// What `parse` checks, without copying the token: the verifier's hot path.
pub fn check(raw: &str, prefix: &Prefix) -> Result<(), FormatError> {
    let rest = raw
        .strip_prefix(prefix.as_str())
        .and_then(|r| r.strip_prefix('_'))
        .ok_or(FormatError::Prefix)?;
    // The alphabet is exactly the ASCII letters and digits.
    if rest.len() != RANDOM_LEN + CHECKSUM_LEN || !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(FormatError::Shape);
    }
    let split = raw.len() - CHECKSUM_LEN;
    if !crate::crypto::constant_time_eq(&checksum(&raw[..split]), raw[split..].as_bytes()) {
        return Err(FormatError::Checksum);
    }
    Ok(())
}

pub fn pattern(prefix: &Prefix) -> String {
    format!(r"\b{}_[0-9A-Za-z]{{{}}}\b", prefix.as_str(), RANDOM_LEN + CHECKSUM_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gat() -> Prefix {
        Prefix::new("gat").unwrap()
    }

    #[test]
    fn generated_tokens_parse_and_differ() {
        let a = generate(&gat());
        let b = generate(&gat());
        assert_ne!(a, b);
        assert!(a.expose().starts_with("gat_"));
        assert_eq!(a.expose().len(), 4 + RANDOM_LEN + CHECKSUM_LEN);
        assert_eq!(parse(a.expose(), &gat()).unwrap(), a);
        assert_eq!(a.hint(), &a.expose()[a.expose().len() - 4..]);
    }

    #[test]
    fn a_changed_character_fails_the_checksum() {
        let t = generate(&gat()).expose().to_owned();
        let i = 10;
        let swapped = if &t[i..=i] == "a" { "b" } else { "a" };
        let bad = format!("{}{}{}", &t[..i], swapped, &t[i + 1..]);
        assert_eq!(parse(&bad, &gat()), Err(FormatError::Checksum));
    }

    #[test]
    fn wrong_prefix_length_or_characters_are_refused() {
        let t = generate(&gat()).expose().to_owned();
        assert_eq!(parse(&t.replacen("gat_", "gac_", 1), &gat()), Err(FormatError::Prefix));
        assert_eq!(parse(&t[..t.len() - 1], &gat()), Err(FormatError::Shape));
        assert_eq!(parse(&format!("{t}x"), &gat()), Err(FormatError::Shape));
        assert_eq!(parse(&t.replacen('_', "-", 1), &gat()), Err(FormatError::Prefix));
        assert_eq!(parse("gat_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", &gat()), Err(FormatError::Shape));
        assert_eq!(parse("", &gat()), Err(FormatError::Prefix));
    }

    #[test]
    fn checksums_are_six_base62_characters() {
        assert_eq!(&checksum(""), b"000000");
        // Same digits as base62's own string form, zero-padded: tokens issued earlier stay valid.
        for body in ["gat_a", "gat_0123456789ABCDEFGHIJKLMNOPQRST", "xyz_zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"] {
            let expected = format!("{:0>6}", base62::encode(crc32fast::hash(body.as_bytes())));
            assert_eq!(checksum(body), expected.as_bytes(), "{body}");
        }
        for _ in 0..100 {
            let t = generate(&gat());
            assert!(t.expose()[t.expose().len() - 6..].bytes().all(|b| ALPHABET.contains(&b)));
        }
    }

    #[test]
    fn prefixes_are_short_lowercase_words() {
        assert!(Prefix::new("gat").is_some());
        assert!(Prefix::new("g").is_none());
        assert!(Prefix::new("Gat").is_none());
        assert!(Prefix::new("gat_").is_none());
    }

    #[test]
    fn debug_never_shows_the_token() {
        assert_eq!(format!("{:?}", generate(&gat())), "Token(<redacted>)");
    }

    #[test]
    fn the_scanner_pattern_names_the_prefix_and_length() {
        assert_eq!(pattern(&gat()), r"\bgat_[0-9A-Za-z]{36}\b");
    }
}
