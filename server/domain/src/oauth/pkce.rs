//! PKCE (RFC 7636) with S256 only: `plain` and a missing method are refused (RFC 9700 §2.1.1).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::crypto::{constant_time_eq, sha256};

/// A code challenge as sent to the authorization endpoint: 43 base64url characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeChallenge(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PkceError {
    #[error("PKCE is required: send code_challenge and code_challenge_method=S256")]
    Missing,
    #[error("only the S256 code challenge method is allowed")]
    Method,
    #[error("the code challenge must be 43 base64url characters")]
    Shape,
}

impl CodeChallenge {
    pub fn parse(challenge: Option<&str>, method: Option<&str>) -> Result<Self, PkceError> {
        let challenge = challenge.ok_or(PkceError::Missing)?;
        if method != Some("S256") {
            return Err(PkceError::Method);
        }
        if challenge.len() != 43 || !challenge.bytes().all(is_base64url) {
            return Err(PkceError::Shape);
        }
        Ok(CodeChallenge(challenge.to_owned()))
    }

    /// A challenge read back from storage, where only valid ones are written.
    pub(crate) fn stored(text: String) -> Self {
        CodeChallenge(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `verifier` (43 to 128 unreserved characters) hashes to this challenge.
    pub fn verify(&self, verifier: &str) -> bool {
        let shape = (43..=128).contains(&verifier.len()) && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
        shape && constant_time_eq(URL_SAFE_NO_PAD.encode(sha256(verifier.as_bytes())).as_bytes(), self.0.as_bytes())
    }
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn the_rfc_example_verifies_and_nothing_else_does() {
        let c = CodeChallenge::parse(Some(CHALLENGE), Some("S256")).unwrap();
        assert!(c.verify(VERIFIER));
        assert!(!c.verify(&VERIFIER.replace('d', "e")));
        assert!(!c.verify(CHALLENGE));
        assert!(!c.verify(""));
    }

    #[test]
    fn plain_missing_and_malformed_challenges_are_refused() {
        assert_eq!(CodeChallenge::parse(Some(CHALLENGE), Some("plain")), Err(PkceError::Method));
        assert_eq!(CodeChallenge::parse(Some(CHALLENGE), None), Err(PkceError::Method));
        assert_eq!(CodeChallenge::parse(None, Some("S256")), Err(PkceError::Missing));
        assert_eq!(CodeChallenge::parse(Some("short"), Some("S256")), Err(PkceError::Shape));
        assert_eq!(CodeChallenge::parse(Some(&format!("{}=", &CHALLENGE[..42])), Some("S256")), Err(PkceError::Shape));
    }
}
