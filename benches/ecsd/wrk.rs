//! The load generator of the `lb` scenario: Debian's `wrk` with fixed threads, connections and
//! duration, keep-alive or one connection per request, and its `--latency` report parsed.

use anyhow::Context as _;
use std::net::SocketAddr;
use std::time::Duration;

/// The fix printed when `wrk` or `haproxy` is missing.
pub const INSTALL: &str = "scripts/setup-haproxy (apt-get install -y haproxy wrk)";

/// How clients use their connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionMode {
    /// Each connection carries request after request.
    KeepAlive,
    /// `Connection: close`: a new connection for every request.
    Close,
}

impl ConnectionMode {
    /// Both modes, in run order.
    pub const ALL: [ConnectionMode; 2] = [ConnectionMode::KeepAlive, ConnectionMode::Close];

    /// How the table names the mode.
    pub fn label(self) -> &'static str {
        match self {
            ConnectionMode::KeepAlive => "keep-alive",
            ConnectionMode::Close => "new conn",
        }
    }
}

/// Threads, connections and duration of every `wrk` run.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// `-t`.
    pub threads: usize,
    /// `-c`.
    pub connections: usize,
    /// `-d`, whole seconds (wrk's unit).
    pub duration: Duration,
}

/// What one `wrk` run measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WrkResult {
    /// `Requests/sec`.
    pub requests_per_sec: f64,
    /// Latency percentiles in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile in milliseconds.
    pub p99_ms: f64,
    /// Requests completed.
    pub requests: u64,
    /// Connect, read, write and timeout errors together.
    pub socket_errors: u64,
    /// Responses outside 2xx and 3xx.
    pub non_2xx: u64,
}

/// Runs `wrk` against `http://addr/`; fails (with the install command when it is missing) on
/// a failed run or one that got a non-2xx/3xx answer.
pub async fn run(addr: SocketAddr, load: Load, mode: ConnectionMode) -> anyhow::Result<WrkResult> {
    let mut command = tokio::process::Command::new("wrk");
    command.args(["--latency", "-t", &load.threads.to_string()]);
    command.args(["-c", &load.connections.to_string()]);
    command.args(["-d", &format!("{}s", load.duration.as_secs().max(1))]);
    if mode == ConnectionMode::Close {
        command.args(["-H", "Connection: close"]);
    }
    command.arg(format!("http://{addr}/"));
    let out = command
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => anyhow::anyhow!("wrk is not installed; fix: {INSTALL}"),
            _ => anyhow::Error::new(err).context("running wrk"),
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        out.status.success(),
        "wrk failed: {}{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = parse(&text).with_context(|| format!("unexpected wrk output:\n{text}"))?;
    anyhow::ensure!(
        result.non_2xx == 0,
        "{} of {} answers through {addr} were not 2xx/3xx",
        result.non_2xx,
        result.requests
    );
    Ok(result)
}

/// Parses the report of `wrk --latency`.
pub fn parse(text: &str) -> anyhow::Result<WrkResult> {
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|line| line.strip_prefix(prefix))
            .map(str::trim)
    };
    let requests_per_sec = field("Requests/sec:").context("no Requests/sec")?.parse()?;
    let p50_ms = latency_ms(field("50%").context("no 50% latency")?)?;
    let p99_ms = latency_ms(field("99%").context("no 99% latency")?)?;
    let requests = text
        .lines()
        .find_map(|line| line.trim().split_once(" requests in "))
        .context("no request count")?
        .0
        .parse()?;
    let socket_errors = field("Socket errors:").map_or(0, |errors| {
        errors
            .split(',')
            .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
            .sum()
    });
    let non_2xx = field("Non-2xx or 3xx responses:").map_or(Ok(0), str::parse)?;
    Ok(WrkResult {
        requests_per_sec,
        p50_ms,
        p99_ms,
        requests,
        socket_errors,
        non_2xx,
    })
}

/// `227.00us`, `1.15ms`, `1.02s` or `2.00m` in milliseconds.
fn latency_ms(text: &str) -> anyhow::Result<f64> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .with_context(|| format!("latency without unit: {text:?}"))?;
    let (number, unit) = text.split_at(split);
    let factor = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        _ => anyhow::bail!("unknown latency unit in {text:?}"),
    };
    Ok(number.parse::<f64>()? * factor)
}
