//! Times as people read them: "3 min ago", "1 h 2 min".

use engine::status::Time;

/// Seconds since the epoch, now (the browser's clock; the server's when
/// rendering).
pub fn now() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        (js_sys::Date::now() / 1000.0) as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }
}

/// "2 h 5 min", "42 s".
pub fn span(seconds: i64) -> String {
    span_in(seconds, ["s", "min", "h", "d"], " ")
}

/// "2h 5m", "4m 2s", "42s": a span where there is little room.
pub fn short_span(seconds: i64) -> String {
    span_in(seconds, ["s", "m", "h", "d"], "")
}

/// `seconds` in its two largest units (`units`: second, minute, hour,
/// day), each number `gap` its unit.
fn span_in(seconds: i64, [sec, min, hour, day]: [&str; 4], gap: &str) -> String {
    let s = seconds.max(0);
    let (big, big_unit, small, small_unit) = match s {
        0..60 => return format!("{s}{gap}{sec}"),
        60..3600 => (s / 60, min, s % 60, sec),
        3600..86400 => (s / 3600, hour, s % 3600 / 60, min),
        _ => (s / 86400, day, s % 86400 / 3600, hour),
    };
    format!("{big}{gap}{big_unit} {small}{gap}{small_unit}")
}

/// A log line asked for with its timestamp (`TIME TEXT`, as Argo's
/// `logOptions.timestamps` writes it): the time and the text; a line
/// without one is all text.
#[cfg_attr(not(any(feature = "hydrate", test)), allow(dead_code))]
pub fn split_timestamp(line: &str) -> (Option<Time>, &str) {
    match line.split_once(' ') {
        Some((at, text)) => match Time::parse_rfc3339(at) {
            Some(t) => (Some(t), text),
            None => (None, line),
        },
        None => match Time::parse_rfc3339(line) {
            Some(t) => (Some(t), ""),
            None => (None, line),
        },
    }
}

/// `time` on a clock, `HH:MM:SS`, in the viewer's time zone (UTC when
/// rendered on the server).
pub fn clock(time: Time) -> String {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(time.0 as f64 * 1000.0));
        format!("{:02}:{:02}:{:02}", d.get_hours(), d.get_minutes(), d.get_seconds())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let s = time.0.rem_euclid(86_400);
        format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    }
}

/// How long ago `time` was ("" if there is none).
pub fn ago(time: Option<Time>) -> String {
    time.map_or(String::new(), |t| format!("{} ago", span(now() - t.0)))
}

/// How long until `time`.
pub fn until(time: Time) -> String {
    format!("in {}", span(time.0 - now()))
}

/// From `start` to `end` (or to now, while running); "" if it has not
/// started.
pub fn duration(start: Option<Time>, end: Option<Time>) -> String {
    let Some(a) = start else { return String::new() };
    span(end.map_or(now(), |t| t.0) - a.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_like_people_say_them() {
        assert_eq!(span(42), "42 s");
        assert_eq!(span(125), "2 min 5 s");
        assert_eq!(span(7500), "2 h 5 min");
        assert_eq!(span(90000), "1 d 1 h");
        assert_eq!(short_span(42), "42s");
        let (at, text) = split_timestamp("2026-01-01T10:02:03.123456789Z hello world");
        assert_eq!((at.map(clock).as_deref(), text), (Some("10:02:03"), "hello world"));
        assert_eq!(split_timestamp("2026-01-01T10:02:03Z").1, "", "an empty line");
        assert_eq!(split_timestamp("plain line"), (None, "plain line"));
        assert_eq!(split_timestamp("nospace"), (None, "nospace"));
        assert_eq!(short_span(125), "2m 5s");
        assert_eq!(short_span(7500), "2h 5m");
        assert_eq!(short_span(90000), "1d 1h");
        let at = Time::parse_rfc3339;
        assert_eq!(duration(at("2026-01-01T00:00:00Z"), at("2026-01-01T00:01:30Z")), "1 min 30 s");
        assert_eq!(duration(None, None), "");
        assert_eq!(ago(None), "");
        assert!(at("2999-01-01T00:00:00Z").map(until).is_some_and(|u| u.starts_with("in ")));
    }
}
