//! The wall clock, as the engine counts time (whole seconds since the
//! epoch): what every part of the server stamps and compares with.

use std::time::{SystemTime, UNIX_EPOCH};

use engine::status::Time;

/// The time now.
pub fn now() -> Time {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    Time(i64::try_from(secs).unwrap_or(i64::MAX))
}
