//! Latency percentiles and the process's memory, as the bench reports them.
use std::time::Duration;

/// Percentiles of a set of latencies, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Percentiles {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

impl Percentiles {
    /// Nearest-rank percentiles; all zero when there is nothing to measure.
    pub fn of(latencies: &mut [Duration]) -> Percentiles {
        if latencies.is_empty() {
            return Percentiles::default();
        }
        latencies.sort_unstable();
        let rank = |p: f64| {
            let i = ((p / 100.0) * latencies.len() as f64).ceil() as usize;
            ms(latencies[i.clamp(1, latencies.len()) - 1])
        };
        Percentiles {
            p50: rank(50.0),
            p95: rank(95.0),
            p99: rank(99.0),
            max: ms(latencies[latencies.len() - 1]),
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A field of `/proc/self/status` in MiB (`VmRSS`: now, `VmHWM`: peak).
fn field_mib(status: &str, field: &str) -> Option<f64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: f64 = line
        .trim_start_matches(field)
        .trim_start_matches(':')
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

fn status_mib(field: &str) -> Option<f64> {
    field_mib(&std::fs::read_to_string("/proc/self/status").ok()?, field)
}

/// Resident memory now, in MiB (0 where /proc is unavailable).
pub fn rss_mib() -> f64 {
    status_mib("VmRSS").unwrap_or(0.0)
}

/// The largest resident memory the process has had, in MiB.
pub fn peak_rss_mib() -> f64 {
    status_mib("VmHWM").unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let mut v: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        let p = Percentiles::of(&mut v);
        assert_eq!((p.p50, p.p95, p.p99, p.max), (50.0, 95.0, 99.0, 100.0));
        let mut one = vec![Duration::from_millis(7)];
        assert_eq!(Percentiles::of(&mut one).p99, 7.0);
        assert_eq!(Percentiles::of(&mut []), Percentiles::default());
    }

    #[test]
    fn memory_is_read() {
        // One snapshot: other tests allocate between two reads.
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let (now, peak) = (
            field_mib(&status, "VmRSS").unwrap(),
            field_mib(&status, "VmHWM").unwrap(),
        );
        assert!(now > 0.0 && peak >= now, "{now} {peak}");
        assert_eq!(field_mib("VmRSS:\t  2048 kB\n", "VmRSS"), Some(2.0));
        assert_eq!(field_mib("VmHWM: 1 kB", "VmRSS"), None);
    }
}
