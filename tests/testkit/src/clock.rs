//! A clock tests can move, to prove expiry without waiting.

use std::sync::Mutex;

use shared::domain::dates::Clock;
use time::{Duration, OffsetDateTime};

pub struct TestClock(Mutex<OffsetDateTime>);

impl TestClock {
    pub fn now_utc() -> Self {
        Self(Mutex::new(OffsetDateTime::now_utc()))
    }

    pub fn advance(&self, by: Duration) {
        *self.0.lock().expect("clock lock") += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().expect("clock lock")
    }
}
