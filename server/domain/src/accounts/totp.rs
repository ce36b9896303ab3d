//! TOTP (RFC 6238, SHA-1, 6 digits, 30 s): seeds, the otpauth URI, its QR code, and the check
//! that accepts a code only once (a replay in the same or an adjacent step is refused).

use qrcode::QrCode;
use qrcode::render::svg;
use totp_rs::{Algorithm, TOTP};

use crate::crypto::constant_time_eq;
use crate::{Error, Result};

pub const STEP_SECS: u64 = 30;
pub const SEED_BYTES: usize = 20;
pub const ISSUER: &str = "Gatehouse";

fn totp(seed: &[u8], account: &str) -> TOTP {
    TOTP::new_unchecked(Algorithm::SHA1, 6, 1, STEP_SECS, seed.to_vec(), Some(ISSUER.to_owned()), account.to_owned())
}

pub fn new_seed() -> Vec<u8> {
    crate::crypto::random_bytes(SEED_BYTES)
}

pub fn base32(seed: &[u8]) -> String {
    totp(seed, "").get_secret_base32()
}

pub fn otpauth_uri(seed: &[u8], account: &str) -> String {
    totp(seed, account).get_url()
}

/// An SVG QR code, rendered on the server (no image request carries the seed).
pub fn qr_svg(data: &str) -> Result<String> {
    let code = QrCode::new(data.as_bytes()).map_err(|_| Error::internal_msg("QR encoding failed"))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// Returns the time step the code belongs to if it matches the previous, current or next step and
/// that step is later than `last_used_step`.
pub fn matching_step(seed: &[u8], code: &str, unix_secs: u64, last_used_step: i64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(seed, "");
    let now_step = unix_secs / STEP_SECS;
    let mut found = None;
    // Check every window without stopping early, so timing does not reveal which one matched.
    for step in [now_step.saturating_sub(1), now_step, now_step + 1] {
        let expected = t.generate(step * STEP_SECS);
        if constant_time_eq(expected.as_bytes(), code.as_bytes()) && (step as i64) > last_used_step {
            found = Some(step as i64);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_at(seed: &[u8], secs: u64) -> String {
        totp(seed, "").generate(secs)
    }

    #[test]
    fn accepts_codes_from_adjacent_steps_only() {
        let seed = new_seed();
        let now = 1_800_000_000;
        assert!(matching_step(&seed, &code_at(&seed, now), now, 0).is_some());
        assert!(matching_step(&seed, &code_at(&seed, now - 30), now, 0).is_some());
        assert!(matching_step(&seed, &code_at(&seed, now + 30), now, 0).is_some());
        assert!(matching_step(&seed, &code_at(&seed, now - 90), now, 0).is_none());
    }

    #[test]
    fn refuses_a_code_from_a_step_already_used() {
        let seed = new_seed();
        let now = 1_800_000_000;
        let step = matching_step(&seed, &code_at(&seed, now), now, 0).unwrap();
        assert!(matching_step(&seed, &code_at(&seed, now), now, step).is_none());
        assert!(matching_step(&seed, &code_at(&seed, now - 30), now, step).is_none());
        assert!(matching_step(&seed, &code_at(&seed, now + 30), now, step).is_some());
    }

    #[test]
    fn refuses_malformed_codes() {
        let seed = new_seed();
        for bad in ["", "12345", "1234567", "abcdef", "12 34 5x"] {
            assert!(matching_step(&seed, bad, 1_800_000_000, 0).is_none());
        }
    }

    #[test]
    fn uri_and_qr_carry_the_issuer() {
        let seed = new_seed();
        let uri = otpauth_uri(&seed, "ada@example.com");
        assert!(uri.starts_with("otpauth://totp/Gatehouse:"));
        assert!(uri.contains(&base32(&seed)));
        assert!(qr_svg(&uri).unwrap().contains("<svg"));
    }
}
