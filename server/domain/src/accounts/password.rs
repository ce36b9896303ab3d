//! Passwords: the policy (12–128 characters, not among the 10,000 most common) and argon2id
//! hashing on a few low-priority threads of its own (`hashing_pool`), so a login flood cannot
//! starve other requests.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use argon2::password_hash::SaltString;
use argon2::password_hash::rand_core::OsRng;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordVerifier, Version};

use super::hashing_pool::HashingPool;
use crate::{Error, Result};

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

/// The 10,000 most common passwords (from Django's list, BSD licence), lowercased.
const COMMON_LIST: &str = include_str!("common_passwords.txt");
static COMMON: LazyLock<HashSet<String>> =
    LazyLock::new(|| COMMON_LIST.lines().map(|l| l.trim().to_lowercase()).filter(|l| !l.is_empty()).collect());

/// A password that meets the policy. Never printed: Debug is redacted, there is no Display.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Applies the policy to a new password; no composition rules and no truncation (NIST SP 800-63B).
    pub fn new(raw: String) -> Result<Self> {
        let n = raw.chars().count();
        if n < MIN_CHARS {
            return Err(Error::invalid(format!("use at least {MIN_CHARS} characters")));
        }
        if n > MAX_CHARS {
            return Err(Error::invalid(format!("use at most {MAX_CHARS} characters")));
        }
        if COMMON.contains(raw.to_lowercase().as_str()) {
            return Err(Error::invalid("this password is too common; choose another"));
        }
        Ok(Password(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Minimum argon2id cost (OWASP): m = 19 MiB, t = 2, p = 1. Stored hashes below it are re-hashed at sign-in.
pub const DEFAULT_COST: (u32, u32, u32) = (19_456, 2, 1);

#[derive(Clone)]
pub struct PasswordHasher {
    pool: HashingPool,
    params: Params,
    dummy_hash: Arc<String>,
}

pub struct Verified {
    pub ok: bool,
    pub needs_rehash: bool,
}

impl PasswordHasher {
    /// `parallelism` is how many hashes run at once (at most one per spare core): the number of
    /// hashing threads.
    pub fn new(cost: (u32, u32, u32), parallelism: usize) -> Result<Self> {
        let params = Params::new(cost.0, cost.1, cost.2, None).map_err(|_| Error::internal_msg("bad argon2 parameters"))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let salt = SaltString::generate(&mut OsRng);
        let dummy = crate::crypto::random_url_secret(24);
        let dummy_hash = argon2::PasswordHasher::hash_password(&argon, dummy.as_bytes(), &salt)
            .map_err(|_| Error::internal_msg("argon2 failed"))?
            .to_string();
        Ok(PasswordHasher { pool: HashingPool::start(parallelism)?, params, dummy_hash: Arc::new(dummy_hash) })
    }

    pub fn with_defaults() -> Result<Self> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        Self::new(DEFAULT_COST, (cores / 2).max(1))
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        self.pool.run(f).await
    }

    /// Returns the PHC string of a fresh argon2id hash.
    pub async fn hash(&self, password: &Password) -> Result<String> {
        self.hash_str(&password.0).await
    }

    /// Hashes a password already in use (re-hashing at sign-in), without the new-password policy.
    pub(crate) async fn hash_str(&self, password: &str) -> Result<String> {
        let argon = self.argon();
        let pw = password.to_owned();
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2::PasswordHasher::hash_password(&argon, pw.as_bytes(), &salt).map(|h| h.to_string())
        })
        .await?
        .map_err(|_| Error::internal_msg("argon2 failed"))
    }

    /// Verifies against `stored`, or against a dummy hash when there is none, so an unknown
    /// account costs the same time as a wrong password.
    pub async fn verify(&self, stored: Option<String>, candidate: &str) -> Result<Verified> {
        let argon = self.argon();
        let had_hash = stored.is_some();
        let phc = stored.unwrap_or_else(|| self.dummy_hash.as_str().to_owned());
        let candidate = candidate.to_owned();
        let (want_m, want_t, want_p) = (self.params.m_cost(), self.params.t_cost(), self.params.p_cost());
        self.run(move || {
            let Ok(parsed) = PasswordHash::new(&phc) else {
                return Verified { ok: false, needs_rehash: false };
            };
            let ok = had_hash && argon.verify_password(candidate.as_bytes(), &parsed).is_ok();
            let needs_rehash = match Params::try_from(&parsed) {
                Ok(p) => {
                    parsed.algorithm.as_str() != "argon2id" || p.m_cost() < want_m || p.t_cost() < want_t || p.p_cost() < want_p
                }
                Err(_) => true,
            };
            Verified { ok, needs_rehash }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds_are_twelve_and_one_hundred_twenty_eight_characters() {
        assert!(Password::new("a".repeat(11) + "Z").is_ok());
        assert!(Password::new("short-pw1".into()).is_err());
        assert!(Password::new("é".repeat(128)).is_ok(), "counts characters, not bytes");
        assert!(Password::new("x".repeat(129)).is_err());
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert_eq!(COMMON_LIST.lines().count(), 10_000);
        assert!(COMMON.contains("password") && COMMON.contains("123456"));
        let common12 = COMMON.iter().find(|p| p.chars().count() >= MIN_CHARS).unwrap();
        assert!(Password::new(common12.to_string()).is_err());
        assert!(Password::new(common12.to_uppercase()).is_err());
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(format!("{:?}", Password::new("correct horse battery".into()).unwrap()), "Password(<redacted>)");
    }

    #[tokio::test]
    async fn hashes_verify_and_weaker_hashes_ask_for_a_rehash() {
        let pw = Password::new("correct horse battery".into()).unwrap();
        let strong = PasswordHasher::new((1024, 2, 1), 1).unwrap();
        let phc = strong.hash(&pw).await.unwrap();
        assert!(phc.starts_with("$argon2id$"));
        let v = strong.verify(Some(phc.clone()), pw.expose()).await.unwrap();
        assert!(v.ok && !v.needs_rehash);
        assert!(!strong.verify(Some(phc.clone()), "wrong password!!").await.unwrap().ok);
        let stronger = PasswordHasher::new((2048, 2, 1), 1).unwrap();
        let v = stronger.verify(Some(phc), pw.expose()).await.unwrap();
        assert!(v.ok && v.needs_rehash);
    }

    #[tokio::test]
    async fn a_missing_hash_never_verifies() {
        let h = PasswordHasher::new((1024, 2, 1), 1).unwrap();
        assert!(!h.verify(None, "anything at all").await.unwrap().ok);
    }
}
