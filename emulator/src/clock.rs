//! The emulator's notion of "now". Everything time-dependent (Last-Modified, presigned expiry,
//! skew checks, upload initiation) reads this clock, so tests can freeze or shift it.

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

#[derive(Debug, Default)]
pub struct Clock {
    state: Mutex<ClockState>,
}

#[derive(Debug, Default, Clone, Copy)]
enum ClockState {
    #[default]
    System,
    Frozen(SystemTime),
    /// Signed offset from system time, in milliseconds.
    Offset(i64),
}

impl Clock {
    pub fn now(&self) -> SystemTime {
        let state = *self.state.lock().unwrap_or_else(|p| p.into_inner());
        match state {
            ClockState::System => SystemTime::now(),
            ClockState::Frozen(t) => t,
            ClockState::Offset(ms) if ms >= 0 => SystemTime::now() + Duration::from_millis(ms as u64),
            ClockState::Offset(ms) => SystemTime::now() - Duration::from_millis(ms.unsigned_abs()),
        }
    }

    pub fn freeze(&self, at: SystemTime) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = ClockState::Frozen(at);
    }

    pub fn offset_millis(&self, ms: i64) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = ClockState::Offset(ms);
    }

    /// `system`, `frozen`, or `offset <ms>`, for the control API.
    pub fn describe(&self) -> String {
        match *self.state.lock().unwrap_or_else(|p| p.into_inner()) {
            ClockState::System => "system".to_owned(),
            ClockState::Frozen(_) => "frozen".to_owned(),
            ClockState::Offset(ms) => format!("offset {ms}ms"),
        }
    }

    pub fn reset(&self) {
        *self.state.lock().unwrap_or_else(|p| p.into_inner()) = ClockState::System;
    }
}

/// ISO-8601 with real milliseconds (journal entries of one second must stay ordered).
pub fn iso_millis(t: std::time::SystemTime) -> String {
    let iso = oss_protocol::time::format_iso8601(t);
    format!("{}.{:03}Z", &iso[..19], crate::ops::to_ms(t).rem_euclid(1000))
}
