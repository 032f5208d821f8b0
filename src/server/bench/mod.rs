//! `herald bench`: how fast this build delivers on this machine, measured
//! through the real code paths (events API over HTTP → outbox → dispatcher
//! → signed POST) against receivers on loopback, then compared with the
//! machine's own ceiling: the same receivers driven by a plain reqwest loop.
mod load;
mod receivers;
mod setup;
pub mod stats;

use receivers::Receipts;
use stats::Percentiles;
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub const USAGE: &str = "usage: herald bench [--events N] [--routings-per-event K] [--receivers R]
                    [--database sqlite|postgres://…] [--clients C]
                    [--rate EVENTS_PER_S | --backlog]

  Throughput (default): N events posted as fast as C API clients can, each
  fanned out to K webhook channels spread over R receivers on loopback.
  --rate: latency mode; events offered at a fixed rate, so latency is
  measured below saturation.
  --backlog: the dispatcher waits until all N events are in (N×K pending
  deliveries), then drains them; memory is sampled every second.

  --database postgres://user@host/db names a server to create a temporary
  database on (dropped afterwards); by default a temporary SQLite file.
  Build with --release (./scripts/bench.sh does): debug numbers mean nothing.

  The last line is: bench: deliveries_per_s=… ceiling_per_s=… ratio=…
  p50_ms=… p99_ms=… peak_rss_mb=…";

/// How long the bench waits for the last message before it gives up.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(1800);
/// The ceiling run never needs more than this many POSTs for a steady rate.
const CEILING_MAX: usize = 200_000;
/// Arrivals logged for latency in backlog mode: one in this many.
const BACKLOG_SAMPLE: u64 = 100;

#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub events: usize,
    pub routings_per_event: usize,
    pub receivers: usize,
    /// None: a temporary SQLite file; Some: a PostgreSQL server's URL.
    pub postgres: Option<String>,
    pub clients: usize,
    pub mode: Mode,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    Throughput,
    Latency { rate: f64 },
    Backlog,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            events: 5000,
            routings_per_event: 4,
            receivers: 4,
            postgres: None,
            clients: 32,
            mode: Mode::Throughput,
        }
    }
}

fn count(flag: &str, value: Option<&&str>, max: usize) -> Result<usize, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a number"))?;
    match value.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "{flag}: `{value}` is not a whole number from 1 to {max}"
        )),
    }
}

impl Options {
    pub fn parse(args: &[&str]) -> Result<Options, String> {
        let mut o = Options::default();
        let mut i = 0;
        while i < args.len() {
            let value = args.get(i + 1);
            match args[i] {
                "--events" => o.events = count("--events", value, 10_000_000)?,
                "--routings-per-event" => {
                    o.routings_per_event = count("--routings-per-event", value, 100)?
                }
                "--receivers" => o.receivers = count("--receivers", value, 256)?,
                "--clients" => o.clients = count("--clients", value, 1024)?,
                "--rate" => {
                    let rate = count("--rate", value, 1_000_000)? as f64;
                    o.mode = Mode::Latency { rate };
                }
                "--database" => match value {
                    Some(&"sqlite") => o.postgres = None,
                    Some(url)
                        if url.starts_with("postgres://") || url.starts_with("postgresql://") =>
                    {
                        o.postgres = Some(url.to_string())
                    }
                    _ => return Err("--database: give `sqlite` or a postgres:// URL".into()),
                },
                "--backlog" => {
                    o.mode = Mode::Backlog;
                    i += 1;
                    continue;
                }
                other => return Err(format!("unknown option `{other}`")),
            }
            i += 2;
        }
        Ok(o)
    }
}

/// What a bench run measured.
#[derive(Clone, Debug)]
pub struct Report {
    pub events_accepted: usize,
    pub ingest_per_s: f64,
    pub deliveries: u64,
    pub deliveries_per_s: f64,
    pub ceiling_per_s: f64,
    pub latency: Percentiles,
    pub peak_rss_mib: f64,
}

impl Report {
    pub fn ratio(&self) -> f64 {
        if self.ceiling_per_s > 0.0 {
            self.deliveries_per_s / self.ceiling_per_s
        } else {
            0.0
        }
    }

    /// The line other tools read: always the bench's last.
    pub fn summary_line(&self) -> String {
        format!(
            "bench: deliveries_per_s={:.0} ceiling_per_s={:.0} ratio={:.2} p50_ms={:.1} p99_ms={:.1} peak_rss_mb={:.0}",
            self.deliveries_per_s,
            self.ceiling_per_s,
            self.ratio(),
            self.latency.p50,
            self.latency.p99,
            self.peak_rss_mib
        )
    }
}

/// `herald bench …`: prints progress and the report; the summary line last.
pub async fn main(args: &[&str]) -> Result<(), BenchError> {
    if args.iter().any(|a| matches!(*a, "--help" | "-h")) {
        println!("{USAGE}");
        return Ok(());
    }
    let options = Options::parse(args).map_err(BenchError::Usage)?;
    if cfg!(debug_assertions) {
        eprintln!("bench: warning: a debug build; run ./scripts/bench.sh for release numbers");
    }
    let report = run(&options).await.map_err(BenchError::Failed)?;
    println!("{}", report.summary_line());
    Ok(())
}

pub enum BenchError {
    Usage(String),
    Failed(anyhow::Error),
}

/// Runs one bench: sets up a temporary Herald, measures it, then the ceiling.
pub async fn run(options: &Options) -> anyhow::Result<Report> {
    let sample = match options.mode {
        Mode::Backlog => BACKLOG_SAMPLE,
        _ => 1,
    };
    let receipts = Receipts::new(sample);
    let receiver_addrs = receivers::start(options.receivers, receipts.clone()).await?;
    let herald = setup::Herald::start(options, &receiver_addrs).await?;
    println!(
        "bench: mode={:?} database={} events={} routings_per_event={} receivers={} clients={} in_flight={}",
        options.mode,
        herald.database_kind(),
        options.events,
        options.routings_per_event,
        options.receivers,
        options.clients,
        herald.concurrency(),
    );
    let result = measure(options, &herald, &receipts).await;
    let concurrency = herald.concurrency();
    herald.stop().await;
    let (events_accepted, ingest_per_s, deliveries, deliveries_per_s, latency, peak_rss_mib) =
        result?;

    // The ceiling: as many POSTs (up to a cap), the same concurrency, the
    // same receivers, the mean body Herald sent; no database, no signing.
    let body_len = receipts.mean_body_len();
    receipts.reset();
    let total = (deliveries as usize).clamp(1, CEILING_MAX);
    let took = load::ceiling(&receiver_addrs, total, concurrency, body_len).await?;
    let ceiling_per_s = total as f64 / took.as_secs_f64();
    println!(
        "bench: ceiling posts={total} body_bytes={body_len} elapsed_s={:.2} posts_per_s={ceiling_per_s:.0}",
        took.as_secs_f64()
    );
    Ok(Report {
        events_accepted,
        ingest_per_s,
        deliveries,
        deliveries_per_s,
        ceiling_per_s,
        latency,
        peak_rss_mib,
    })
}

type Measured = (usize, f64, u64, f64, Percentiles, f64);

async fn measure(
    options: &Options,
    herald: &setup::Herald,
    receipts: &Receipts,
) -> anyhow::Result<Measured> {
    let rate = match options.mode {
        Mode::Latency { rate } => Some(rate),
        _ => None,
    };
    let backlog = options.mode == Mode::Backlog;
    if !backlog {
        herald.start_dispatcher().await?;
    }
    let posted = load::post_events(
        &herald.base_url,
        &herald.token,
        options.events,
        options.clients,
        rate,
    )
    .await?;
    let accepted = posted.accepted.len();
    let ingest_per_s = accepted as f64 / posted.elapsed.as_secs_f64();
    println!(
        "bench: ingest events={accepted} refused={} elapsed_s={:.2} events_per_s={ingest_per_s:.0} rss_mb={:.0}",
        posted.refused,
        posted.elapsed.as_secs_f64(),
        stats::rss_mib()
    );
    if posted.refused > 0 {
        anyhow::bail!("{} events were refused; see the log above", posted.refused);
    }
    let expected = (accepted * options.routings_per_event) as u64;
    let drain_start = Instant::now();
    if backlog {
        herald.start_dispatcher().await?;
    }
    let sampler = backlog.then(|| tokio::spawn(sample_memory(drain_start)));
    if tokio::time::timeout(DRAIN_TIMEOUT, receipts.wait_for(expected))
        .await
        .is_err()
    {
        anyhow::bail!(
            "only {} of {expected} deliveries arrived within {DRAIN_TIMEOUT:?}",
            receipts.received()
        );
    }
    if let Some(sampler) = sampler {
        sampler.abort();
    }
    // Throughput counts from the first event posted (backlog: from the
    // start of the drain) to the last delivery's arrival.
    let from = if backlog { drain_start } else { posted.started };
    let elapsed = from.elapsed();
    let deliveries_per_s = expected as f64 / elapsed.as_secs_f64();
    // Herald's peak, before the bench's own bookkeeping for the latencies.
    let peak_rss_mib = stats::peak_rss_mib();
    let latency = latencies(herald, &posted.accepted, receipts.take_log()).await?;
    println!(
        "bench: delivered={expected} elapsed_s={:.2} deliveries_per_s={deliveries_per_s:.0}",
        elapsed.as_secs_f64()
    );
    println!(
        "bench: latency_ms{} p50={:.1} p95={:.1} p99={:.1} max={:.1}",
        if backlog {
            "(sampled, includes queueing)"
        } else {
            ""
        },
        latency.p50,
        latency.p95,
        latency.p99,
        latency.max
    );
    Ok((
        accepted,
        ingest_per_s,
        expected,
        deliveries_per_s,
        latency,
        peak_rss_mib,
    ))
}

/// Event accepted (its 202 came back) → receiver got the message, per
/// delivery logged. A message can beat the 202 to the client; that counts 0.
async fn latencies(
    herald: &setup::Herald,
    accepted: &[(String, Instant)],
    arrivals: Vec<(Box<str>, Instant)>,
) -> anyhow::Result<Percentiles> {
    let accepted_at: HashMap<&str, Instant> =
        accepted.iter().map(|(id, at)| (id.as_str(), *at)).collect();
    let logged: Vec<&str> = arrivals
        .iter()
        .filter_map(|(msg_id, _)| msg_id.strip_prefix("msg_"))
        .collect();
    let event_of = herald.event_of_deliveries(&logged).await?;
    let mut samples: Vec<Duration> = arrivals
        .iter()
        .filter_map(|(msg_id, arrived)| {
            let delivery = msg_id.strip_prefix("msg_")?;
            let event = event_of.get(delivery)?;
            let at = accepted_at.get(event.as_str())?;
            Some(arrived.saturating_duration_since(*at))
        })
        .collect();
    Ok(Percentiles::of(&mut samples))
}

/// Backlog mode: resident memory while the backlog drains, every second.
async fn sample_memory(start: Instant) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        println!(
            "bench: drain t={:.0}s rss_mb={:.1}",
            start.elapsed().as_secs_f64(),
            stats::rss_mib()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        assert_eq!(Options::parse(&[]).unwrap(), Options::default());
        let o = Options::parse(&[
            "--events",
            "10",
            "--routings-per-event",
            "2",
            "--receivers",
            "3",
            "--rate",
            "500",
            "--database",
            "postgres://postgres@127.0.0.1/postgres",
        ])
        .unwrap();
        assert_eq!(
            (o.events, o.routings_per_event, o.receivers, o.mode),
            (10, 2, 3, Mode::Latency { rate: 500.0 })
        );
        assert!(o.postgres.is_some());
        assert_eq!(Options::parse(&["--backlog"]).unwrap().mode, Mode::Backlog);
        assert!(Options::parse(&["--events", "0"])
            .unwrap_err()
            .contains("--events"));
        assert!(Options::parse(&["--events"])
            .unwrap_err()
            .contains("--events"));
        assert!(Options::parse(&["--database", "mysql://x"])
            .unwrap_err()
            .contains("--database"));
        assert!(Options::parse(&["--fast"]).unwrap_err().contains("--fast"));
    }

    #[test]
    fn summary_line_format() {
        let report = Report {
            events_accepted: 10,
            ingest_per_s: 1.0,
            deliveries: 40,
            deliveries_per_s: 5000.4,
            ceiling_per_s: 10000.0,
            latency: Percentiles {
                p50: 1.24,
                p95: 2.0,
                p99: 3.04,
                max: 9.0,
            },
            peak_rss_mib: 61.6,
        };
        assert_eq!(
            report.summary_line(),
            "bench: deliveries_per_s=5000 ceiling_per_s=10000 ratio=0.50 p50_ms=1.2 p99_ms=3.0 peak_rss_mb=62"
        );
    }
}
