//! Recovery codes: ten single-use codes shown once at enrolment and stored as SHA-256 digests
//! (each carries about 60 bits from the CSPRNG, so a fast digest is enough).

use crate::crypto::{random_from_alphabet, sha256_hex};

pub const COUNT: usize = 10;
/// No 0/o, 1/l/i: codes are read off paper.
const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";

/// Freshly made codes, to be shown exactly once. Debug is redacted.
pub struct RecoveryCodes(pub Vec<String>);

impl std::fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecoveryCodes(<{} redacted>)", self.0.len())
    }
}

pub(crate) fn generate() -> RecoveryCodes {
    RecoveryCodes(
        (0..COUNT)
            .map(|_| {
                let raw = random_from_alphabet(ALPHABET, 12);
                format!("{}-{}-{}", &raw[0..4], &raw[4..8], &raw[8..12])
            })
            .collect(),
    )
}

/// The digest of a code as typed: case, spaces and dashes do not matter.
pub(crate) fn digest(code: &str) -> String {
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    sha256_hex(normal.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_ten_distinct_grouped_codes() {
        let codes = generate().0;
        assert_eq!(codes.len(), 10);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        assert!(codes.iter().all(|c| c.len() == 14 && c.matches('-').count() == 2));
    }

    #[test]
    fn digest_ignores_case_spaces_and_dashes() {
        assert_eq!(digest("abcd-efgh-jkmn"), digest(" ABCD EFGH JKMN "));
        assert_ne!(digest("abcd-efgh-jkmn"), digest("abcd-efgh-jkmp"));
    }
}
