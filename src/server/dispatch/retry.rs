//! When to try a delivery again (DESIGN.md §4): a configurable schedule with
//! jitter, and the receiver's `Retry-After` when it asks for a pause.

use chrono::{DateTime, NaiveDateTime, Utc};
use rand::Rng;
use std::time::Duration;

/// `delays[i]` is the wait before attempt `i + 1`; its length is the attempt budget.
#[derive(Clone, Debug, PartialEq)]
pub struct RetrySchedule {
    pub delays: Vec<Duration>,
    /// Fraction each delay may vary either way, so retries of one outage spread out.
    pub jitter: f64,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        let secs = |s: u64| Duration::from_secs(s);
        RetrySchedule {
            delays: vec![
                secs(0),
                secs(5),
                secs(5 * 60),
                secs(30 * 60),
                secs(2 * 3600),
                secs(5 * 3600),
                secs(10 * 3600),
                secs(10 * 3600),
            ],
            jitter: 0.2,
        }
    }
}

impl RetrySchedule {
    /// Parses `0,5s,5m,30m,2h` (units `ms`, `s`, `m`, `h`, `d`; a bare number is seconds).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let delays = spec
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(parse_delay)
            .collect::<Result<Vec<_>, _>>()?;
        if delays.is_empty() {
            return Err("the retry schedule is empty; give at least one delay, e.g. 0".to_string());
        }
        Ok(RetrySchedule {
            delays,
            jitter: RetrySchedule::default().jitter,
        })
    }

    pub fn max_attempts(&self) -> u32 {
        u32::try_from(self.delays.len()).unwrap_or(u32::MAX)
    }

    /// The scheduled delay before attempt `attempt` (1-based) without jitter; None when exhausted.
    pub fn base_delay(&self, attempt: u32) -> Option<Duration> {
        let index = usize::try_from(attempt.checked_sub(1)?).ok()?;
        self.delays.get(index).copied()
    }

    /// Delay before attempt number `attempt` (1-based; attempt 1 is the first try, `delays[0]`).
    /// None when attempts are exhausted. Applies ±jitter uniformly (never negative; 0 stays 0).
    pub fn delay_before(&self, attempt: u32) -> Option<Duration> {
        let base = self.base_delay(attempt)?;
        let jitter = if self.jitter.is_finite() {
            self.jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        if base.is_zero() || jitter == 0.0 {
            return Some(base);
        }
        let factor = 1.0 + rand::rng().random_range(-jitter..=jitter);
        Some(Duration::try_from_secs_f64(base.as_secs_f64() * factor).unwrap_or(base))
    }
}

fn parse_delay(entry: &str) -> Result<Duration, String> {
    let bad = || format!("`{entry}` is not a delay like 0, 5s, 5m, 2h or 1d");
    let split = entry
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(entry.len());
    let (number, unit) = entry.split_at(split);
    let n: f64 = number.parse().map_err(|_| bad())?;
    let scale = match unit.trim() {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => {
            return Err(format!(
                "`{entry}` has an unknown unit (use ms, s, m, h or d)"
            ))
        }
    };
    Duration::try_from_secs_f64(n * scale).map_err(|_| bad())
}

/// Parses a Retry-After header value (delta-seconds or an HTTP-date) relative to `now`;
/// capped at `max`; None if unparseable. A date in the past means "now".
pub fn parse_retry_after(value: &str, now: DateTime<Utc>, max: Duration) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Digits too long for u64 are still a valid (huge) delay, so they cap at `max`.
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(max));
    }
    let at = http_date(value)?;
    let wait = (at - now).to_std().unwrap_or(Duration::ZERO);
    Some(wait.min(max))
}

/// IMF-fixdate, plus the obsolete RFC 850 and asctime forms HTTP/1.1 says recipients accept.
fn http_date(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc2822(value) {
        return Some(d.with_timezone(&Utc));
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(value, f).ok())
        .map(|n| n.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn default_schedule_is_the_design_one() {
        let d = RetrySchedule::default();
        assert_eq!(
            d.delays,
            [0, 5, 300, 1800, 7200, 18000, 36000, 36000].map(s)
        );
        assert_eq!(d.max_attempts(), 8);
        assert_eq!(d.jitter, 0.2);
        assert_eq!(RetrySchedule::parse("0,5s,5m,30m,2h,5h,10h,10h"), Ok(d));
    }

    #[test]
    fn parse_units_and_errors() {
        let r = RetrySchedule::parse(" 250ms, 3 ,1.5m,1d, ").expect("valid");
        assert_eq!(
            r.delays,
            [Duration::from_millis(250), s(3), s(90), s(86400)]
        );
        let err = RetrySchedule::parse("0,5x,5m").expect_err("bad unit");
        assert!(err.contains("`5x`"), "{err}");
        let err = RetrySchedule::parse("0,-5s").expect_err("negative");
        assert!(err.contains("`-5s`"), "{err}");
        let err = RetrySchedule::parse("soon").expect_err("words");
        assert!(err.contains("`soon`"), "{err}");
        let err = RetrySchedule::parse("100000000000000000000000d").expect_err("overflow");
        assert!(err.contains("`100000000000000000000000d`"), "{err}");
        assert!(RetrySchedule::parse(" , ").is_err());
        assert!(RetrySchedule::parse("").is_err());
    }

    #[test]
    fn attempts_are_one_based_and_exhaust() {
        let r = RetrySchedule {
            delays: vec![s(0), s(10), s(100)],
            jitter: 0.0,
        };
        assert_eq!(r.delay_before(0), None);
        assert_eq!(r.delay_before(1), Some(s(0)));
        assert_eq!(r.delay_before(2), Some(s(10)));
        assert_eq!(r.delay_before(3), Some(s(100)));
        assert_eq!(r.delay_before(4), None);
        assert_eq!(r.delay_before(u32::MAX), None);
        assert_eq!(r.base_delay(3), Some(s(100)));
    }

    #[test]
    fn jitter_stays_in_bounds_and_varies() {
        let r = RetrySchedule {
            delays: vec![s(0), s(100)],
            jitter: 0.2,
        };
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            assert_eq!(r.delay_before(1), Some(Duration::ZERO));
            let d = r.delay_before(2).expect("in budget");
            assert!(d >= s(80) && d <= s(120), "{d:?}");
            seen.insert(d.as_millis());
        }
        assert!(seen.len() > 10);
        let wild = RetrySchedule {
            delays: vec![s(10)],
            jitter: 7.0,
        };
        for _ in 0..200 {
            let d = wild.delay_before(1).expect("in budget");
            assert!(d <= s(20), "{d:?}");
        }
        let nan = RetrySchedule {
            delays: vec![s(10)],
            jitter: f64::NAN,
        };
        assert_eq!(nan.delay_before(1), Some(s(10)));
    }

    #[test]
    fn retry_after_seconds() {
        let now = Utc::now();
        let max = s(3600);
        assert_eq!(parse_retry_after("120", now, max), Some(s(120)));
        assert_eq!(parse_retry_after(" 0 ", now, max), Some(s(0)));
        assert_eq!(parse_retry_after("86400", now, max), Some(max));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now, max),
            Some(max)
        );
        assert_eq!(parse_retry_after("-5", now, max), None);
        assert_eq!(parse_retry_after("1.5", now, max), None);
        assert_eq!(parse_retry_after("", now, max), None);
        assert_eq!(parse_retry_after("soon", now, max), None);
    }

    #[test]
    fn retry_after_dates() {
        let now = Utc
            .with_ymd_and_hms(2015, 10, 21, 7, 28, 0)
            .single()
            .expect("valid date");
        let max = s(3600);
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:30:00 GMT", now, max),
            Some(s(120))
        );
        assert_eq!(
            parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now, max),
            Some(s(60))
        );
        assert_eq!(
            parse_retry_after("Wed Oct 21 07:28:30 2015", now, max),
            Some(s(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now, max),
            Some(Duration::ZERO)
        );
        assert_eq!(
            parse_retry_after("Thu, 22 Oct 2015 07:28:00 GMT", now, max),
            Some(max)
        );
        assert_eq!(
            parse_retry_after("Wed, 32 Oct 2015 07:30:00 GMT", now, max),
            None
        );
    }
}
