//! The one clock. Every time-based rule reads [`Clock::now`]; tests move a
//! [`TestClock`] forward instead of waiting.

use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// The current time (UTC).
    fn now(&self) -> OffsetDateTime;

    /// The current time in milliseconds since the Unix epoch.
    fn now_millis(&self) -> i64 {
        (self.now().unix_timestamp_nanos() / 1_000_000) as i64
    }
}

/// The machine's real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the single place that reads the system clock
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// How far a [`TestClock`] may run ahead of real time in total: 100 years of
/// 365 days, far below where dates overflow (year 9999).
pub const MAX_TEST_CLOCK_OFFSET_SECONDS: i64 = 100 * 365 * 86_400;

/// Why [`TestClock::advance`] refused to move the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdvanceError {
    /// The step was negative (the clock only moves forward).
    Negative,
    /// The clock would end up more than [`MAX_TEST_CLOCK_OFFSET_SECONDS`] ahead.
    TooFar,
}

impl std::fmt::Display for AdvanceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdvanceError::Negative => f.write_str("the clock only moves forward"),
            AdvanceError::TooFar => write!(
                f,
                "the clock may run at most {MAX_TEST_CLOCK_OFFSET_SECONDS} seconds ahead of real time"
            ),
        }
    }
}

impl std::error::Error for AdvanceError {}

/// Real time plus an offset that only moves forward (`--test-clock`), by at
/// most [`MAX_TEST_CLOCK_OFFSET_SECONDS`] in total.
#[derive(Debug, Default)]
pub struct TestClock {
    offset_millis: AtomicI64,
}

impl TestClock {
    /// A test clock that starts at real time.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward by `seconds`; refuses (and leaves the clock
    /// alone) a negative step or one that takes it beyond the bound.
    pub fn advance(&self, seconds: i64) -> Result<(), AdvanceError> {
        if seconds < 0 {
            return Err(AdvanceError::Negative);
        }
        let step_millis = seconds.checked_mul(1000).ok_or(AdvanceError::TooFar)?;
        self.offset_millis
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |offset| {
                offset
                    .checked_add(step_millis)
                    .filter(|total| *total <= MAX_TEST_CLOCK_OFFSET_SECONDS * 1000)
            })
            .map(drop)
            .map_err(|_| AdvanceError::TooFar)
    }
}

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        let offset = time::Duration::milliseconds(self.offset_millis.load(Ordering::SeqCst));
        let real = SystemClock.now();
        // The bound on the offset keeps this in range; never panic regardless.
        real.checked_add(offset).unwrap_or(real)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_clock_moves_forward() {
        let clock = TestClock::new();
        let before = clock.now_millis();
        clock.advance(86_400).unwrap();
        let moved = clock.now_millis() - before;
        assert!((86_400_000..86_460_000).contains(&moved), "{moved}");
    }

    #[test]
    fn test_clock_refuses_overflowing_steps() {
        let clock = TestClock::new();
        assert_eq!(clock.advance(-1), Err(AdvanceError::Negative));
        assert_eq!(
            clock.advance(9_000_000_000_000_000),
            Err(AdvanceError::TooFar)
        );
        assert_eq!(clock.advance(i64::MAX), Err(AdvanceError::TooFar));
        clock.advance(MAX_TEST_CLOCK_OFFSET_SECONDS).unwrap();
        assert_eq!(clock.advance(1), Err(AdvanceError::TooFar));
        // Every read still works at the bound.
        let days_ahead = (clock.now() - SystemClock.now()).whole_days();
        assert!((36_499..=36_500).contains(&days_ahead), "{days_ahead}");
    }
}
