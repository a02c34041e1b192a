//! Bucket retention (WORM, fact sheet §11.4): the policy's life cycle and what it protects.
//! The store asks [`Worm::protects`] inside the commit that would overwrite or delete, so a
//! protected object can never be replaced by a write racing the check.

use serde::{Deserialize, Serialize};

use crate::error::{Code, OssError, Result};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// 70 years, the longest retention OSS accepts.
pub const MAX_DAYS: u32 = 25_550;
/// An unlocked policy lapses this long after it was initiated.
const UNLOCKED_LIFETIME_MS: i64 = DAY_MS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WormState {
    InProgress,
    Locked,
}

impl WormState {
    pub fn as_str(self) -> &'static str {
        match self {
            WormState::InProgress => "InProgress",
            WormState::Locked => "Locked",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Worm {
    pub id: String,
    pub state: WormState,
    pub days: u32,
    pub created_ms: i64,
}

impl Worm {
    /// The policy as it stands at `now`: an unlocked one that was not completed within a day is
    /// gone (OSS drops it silently).
    pub fn current(worm: Option<&Worm>, now_ms: i64) -> Option<&Worm> {
        worm.filter(|w| w.state == WormState::Locked || now_ms < w.created_ms + UNLOCKED_LIFETIME_MS)
    }

    /// Whether an object last written at `last_modified_ms` may not be replaced or deleted at
    /// `now_ms`. [UNCONFIRMED] OSS's developer guide has an unlocked policy protect too during
    /// its day of grace (its Java documentation implies only a locked one); the guide is followed.
    pub fn protects(worm: Option<&Worm>, last_modified_ms: i64, now_ms: i64) -> bool {
        Worm::current(worm, now_ms).is_some_and(|w| now_ms < last_modified_ms + i64::from(w.days) * DAY_MS)
    }

    pub fn immutable() -> OssError {
        OssError::new(Code::FileImmutable)
    }
}

/// `RetentionPeriodInDays`: a whole number of days from 1 to 70 years.
pub fn parse_days(raw: &str) -> Result<u32> {
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|d| (1..=MAX_DAYS).contains(d))
        .ok_or_else(|| OssError::new(Code::InvalidWORMConfiguration))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worm(state: WormState, days: u32) -> Worm {
        Worm { id: "W".into(), state, days, created_ms: 0 }
    }

    #[test]
    fn an_unlocked_policy_lapses_after_a_day_a_locked_one_stays() {
        let open = worm(WormState::InProgress, 30);
        assert!(Worm::current(Some(&open), DAY_MS - 1).is_some());
        assert!(Worm::current(Some(&open), DAY_MS).is_none());
        let locked = worm(WormState::Locked, 30);
        assert!(Worm::current(Some(&locked), 1000 * DAY_MS).is_some());
    }

    #[test]
    fn protection_ends_with_the_retention_period() {
        let locked = worm(WormState::Locked, 2);
        assert!(Worm::protects(Some(&locked), DAY_MS, 3 * DAY_MS - 1));
        assert!(!Worm::protects(Some(&locked), DAY_MS, 3 * DAY_MS));
        assert!(!Worm::protects(None, 0, 0));
    }

    #[test]
    fn days_are_bounded() {
        assert_eq!(parse_days(" 1 ").ok(), Some(1));
        assert_eq!(parse_days("25550").ok(), Some(25_550));
        for bad in ["0", "25551", "-1", "x", ""] {
            assert!(parse_days(bad).is_err(), "{bad}");
        }
    }
}
