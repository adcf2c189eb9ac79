//! Request-rate token buckets. Every bucket holds up to `rate` tokens (one second's
//! worth) and refills continuously at `rate` per second; a call takes one token from
//! each of its buckets, all or none. [`MemoryBuckets`] keeps them in this process (the
//! embedded engine: one process per data directory); PostgreSQL keeps them in its
//! `rate_buckets` table for every node, with the same arithmetic ([`refilled_tokens`]).

use std::collections::HashMap;
use std::sync::Mutex;

/// A token bucket to take from.
#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    /// Identifies the bucket across the deployment (no secrets in it).
    pub key: String,
    /// Tokens added per second, and the bucket's capacity.
    pub rate: f64,
}

/// Tokens in a bucket last left with `tokens` at `at_ms`, refilled at `rate` per second
/// up to `rate`.
pub(crate) fn refilled_tokens(tokens: f64, at_ms: i64, rate: f64, now_ms: i64) -> f64 {
    let elapsed = (now_ms - at_ms).max(0) as f64 / 1000.0;
    (tokens + elapsed * rate).min(rate)
}

#[derive(Debug, Clone, Copy)]
struct Level {
    tokens: f64,
    rate: f64,
    at_ms: i64,
}

impl Level {
    fn refilled(&self, now_ms: i64) -> f64 {
        refilled_tokens(self.tokens, self.at_ms, self.rate, now_ms)
    }
}

/// Past this many buckets, full ones (which equal absent ones) are dropped.
const SWEEP_ABOVE: usize = 10_000;

/// The buckets of one process, in memory.
#[derive(Debug, Default)]
pub struct MemoryBuckets {
    levels: Mutex<HashMap<String, Level>>,
}

impl MemoryBuckets {
    /// Takes one token from each of `buckets` at `now_ms` and returns true, or takes
    /// nothing and returns false when one of them holds less than a token.
    pub fn take(&self, buckets: &[Bucket], now_ms: i64) -> bool {
        let mut levels = self
            .levels
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let available = |b: &Bucket, levels: &HashMap<String, Level>| match levels.get(&b.key) {
            Some(level) => level.refilled(now_ms),
            None => b.rate,
        };
        if buckets.iter().any(|b| available(b, &levels) < 1.0) {
            return false;
        }
        for bucket in buckets {
            let tokens = available(bucket, &levels) - 1.0;
            levels.insert(
                bucket.key.clone(),
                Level {
                    tokens,
                    rate: bucket.rate,
                    at_ms: now_ms,
                },
            );
        }
        if levels.len() > SWEEP_ABOVE {
            levels.retain(|_, level| level.refilled(now_ms) < level.rate);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(key: &str, rate: f64) -> Bucket {
        Bucket {
            key: key.into(),
            rate,
        }
    }

    #[test]
    fn token_bucket_refills_continuously() {
        let store = MemoryBuckets::default();
        let t0 = 1_000_000;
        let b = [bucket("a", 2.0)];
        assert!(store.take(&b, t0));
        assert!(store.take(&b, t0));
        assert!(!store.take(&b, t0));
        assert!(!store.take(&b, t0 + 400));
        assert!(store.take(&b, t0 + 500));
        assert!(!store.take(&b, t0 + 600));
        // Never more than one second's worth.
        let later = t0 + 60_000;
        assert!(store.take(&b, later));
        assert!(store.take(&b, later));
        assert!(!store.take(&b, later));
    }

    #[test]
    fn all_or_nothing() {
        let store = MemoryBuckets::default();
        let t0 = 1_000_000;
        assert!(store.take(&[bucket("user", 1.0)], t0));
        // "user" is empty: "category" must not lose its token.
        assert!(!store.take(&[bucket("category", 1.0), bucket("user", 1.0)], t0));
        assert!(store.take(&[bucket("category", 1.0)], t0));
    }
}
