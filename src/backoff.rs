//! Full-jitter exponential backoff: the n-th consecutive failure waits a uniformly
//! random time in [0, min(cap, base·2ⁿ⁻¹)], base 1 s, cap 60 s; a server's
//! `Retry-After` is a floor (we never come back sooner than it asked).
//!
//! Pure: the caller passes the random bits, so tests pin the delay.

/// First retry ceiling.
pub const BASE_MS: u64 = 1_000;
/// Largest ceiling.
pub const CAP_MS: u64 = 60_000;

/// The ceiling of the delay after `failures` consecutive failures (≥ 1).
pub fn ceiling_ms(failures: u32) -> u64 {
    let exp = failures.saturating_sub(1).min(16);
    BASE_MS.saturating_mul(1u64 << exp).min(CAP_MS)
}

/// The delay before the next try. `random` is 64 random bits.
pub fn delay_ms(failures: u32, retry_after_ms: Option<u64>, random: u64) -> u64 {
    let ceiling = ceiling_ms(failures);
    let jittered = random % (ceiling + 1);
    match retry_after_ms {
        Some(ra) => jittered.max(ra.min(3_600_000)),
        None => jittered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_up_to_the_cap() {
        assert_eq!(ceiling_ms(1), 1_000);
        assert_eq!(ceiling_ms(2), 2_000);
        assert_eq!(ceiling_ms(6), 32_000);
        assert_eq!(ceiling_ms(7), 60_000);
        assert_eq!(ceiling_ms(1_000), 60_000);
        assert_eq!(ceiling_ms(0), 1_000);
    }

    #[test]
    fn delays_stay_in_range() {
        for failures in 1..20 {
            for r in [0u64, 1, 999, 12_345_678, u64::MAX / 3, u64::MAX] {
                let d = delay_ms(failures, None, r);
                assert!(d <= ceiling_ms(failures));
            }
        }
        assert_eq!(delay_ms(3, None, 0), 0);
        assert_eq!(delay_ms(3, None, 4_000), 4_000);
    }

    #[test]
    fn retry_after_is_a_floor() {
        assert_eq!(delay_ms(1, Some(30_000), 0), 30_000);
        assert_eq!(delay_ms(1, Some(10), 500), 500);
        assert_eq!(delay_ms(1, Some(u64::MAX), 0), 3_600_000);
    }
}
