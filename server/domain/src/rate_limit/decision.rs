//! The outcome of counting one request: what the `X-RateLimit-*` headers and `Retry-After` say.

/// `limit` is the quota of the subject closest to its limit, `remaining` what it has left after
/// this request, `reset_at` (UTC epoch seconds) when its quota is full again, and `retry_after`
/// (seconds) is set when the request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub limit: u32,
    pub remaining: u32,
    pub reset_at: u64,
    pub retry_after: Option<u64>,
}

impl Decision {
    pub fn allowed(&self) -> bool {
        self.retry_after.is_none()
    }

    /// Of two outcomes for one request, the one to report: a refusal over an allowance, the
    /// longer wait of two refusals, and otherwise the one with fewer requests left (it refuses first).
    pub fn tighter(self, other: Decision) -> Decision {
        match (self.retry_after, other.retry_after) {
            (Some(a), Some(b)) => if b > a { other } else { self },
            (Some(_), None) => self,
            (None, Some(_)) => other,
            (None, None) => {
                if (other.remaining, other.limit) < (self.remaining, self.limit) { other } else { self }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(limit: u32, remaining: u32) -> Decision {
        Decision { limit, remaining, reset_at: 0, retry_after: None }
    }

    #[test]
    fn the_tighter_outcome_is_reported() {
        assert_eq!(allowed(100, 10).tighter(allowed(10, 5)), allowed(10, 5));
        assert_eq!(allowed(10, 9).tighter(allowed(100, 10)), allowed(10, 9));
        assert_eq!(allowed(100, 9).tighter(allowed(10, 9)), allowed(10, 9));
        let refused = Decision { limit: 10, remaining: 0, reset_at: 9, retry_after: Some(3) };
        assert_eq!(allowed(10, 0).tighter(refused), refused);
        let longer = Decision { retry_after: Some(30), ..refused };
        assert_eq!(longer.tighter(refused), longer);
        assert_eq!(refused.tighter(longer), longer);
    }
}
