//! The time services see. Every service reads it through [`super::now`]; while [`super::Core::run`]
//! runs a service's work it installs the core's clock for that thread, so a test can set or
//! advance one [`Clock`] and deadlines, expiries and windows move with it — no test edits
//! stored times by hand.

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDateTime, Utc};

/// The system clock, or a settable one (shared by clones).
#[derive(Clone, Debug, Default)]
pub struct Clock(Option<Arc<Mutex<NaiveDateTime>>>);

impl Clock {
    /// The system's UTC time.
    pub fn system() -> Clock {
        Clock(None)
    }

    /// A clock that stands at `at` until set or advanced.
    pub fn fixed(at: NaiveDateTime) -> Clock {
        Clock(Some(Arc::new(Mutex::new(at))))
    }

    /// The time now (UTC, as stored).
    pub fn now(&self) -> NaiveDateTime {
        match &self.0 {
            None => Utc::now().naive_utc(),
            Some(at) => *at.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Moves a settable clock by `by` (the system clock cannot be moved).
    pub fn advance(&self, by: Duration) {
        if let Some(at) = &self.0 {
            let mut at = at.lock().unwrap_or_else(|e| e.into_inner());
            *at += by;
        }
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Clock>> = const { RefCell::new(None) };
}

/// Runs `work` with `clock` as this thread's clock (restored afterwards, even on a panic).
pub(crate) fn with_clock<T>(clock: &Clock, work: impl FnOnce() -> T) -> T {
    struct Restore(Option<Clock>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = previous);
        }
    }
    let _restore = Restore(CURRENT.with(|c| c.replace(Some(clock.clone()))));
    work()
}

/// This thread's clock's time (the system's outside a service).
pub(crate) fn now() -> NaiveDateTime {
    CURRENT
        .with(|c| c.borrow().as_ref().map(Clock::now))
        .unwrap_or_else(|| Utc::now().naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_moves_only_when_advanced_and_only_inside_its_work() {
        let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let clock = Clock::fixed(start);
        assert_eq!(with_clock(&clock, now), start);
        clock.advance(Duration::minutes(21));
        assert_eq!(with_clock(&clock, now), start + Duration::minutes(21));
        assert!(
            now() > start + Duration::days(300),
            "outside, the system clock"
        );
    }
}
