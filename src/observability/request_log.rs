//! Per-request latency metrics and one log line per request.

use super::Metrics;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Data, Request, Response};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

/// Logging settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    /// Print one line per request (method, path, status, latency, request id) to stdout.
    pub request_log: bool,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings { request_log: true }
    }
}

/// Records every request's latency in the metrics and, when enabled, prints
/// `time method path status latency rid=<X-Replicache-RequestID>` to standard output.
pub struct RequestLog {
    /// Whether to print the line.
    print: bool,
    metrics: Arc<Metrics>,
}

impl RequestLog {
    /// A request log recording into `metrics`, printing when `settings` say so.
    pub fn new(settings: &LogSettings, metrics: Arc<Metrics>) -> Self {
        RequestLog {
            print: settings.request_log,
            metrics,
        }
    }
}

/// When the request arrived, kept in the request-local cache.
struct Arrival(Instant);

#[rocket::async_trait]
impl Fairing for RequestLog {
    fn info(&self) -> Info {
        Info {
            name: "request log",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        req.local_cache(|| Arrival(Instant::now()));
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let elapsed = req.local_cache(|| Arrival(Instant::now())).0.elapsed();
        let endpoint = req
            .route()
            .and_then(|route| route.name.as_deref())
            .unwrap_or("unmatched");
        let status = res.status().code;
        self.metrics
            .requests
            .with_label_values(&[endpoint, &status.to_string()])
            .observe(elapsed.as_secs_f64());
        if self.print {
            let request_id = req
                .headers()
                .get_one("X-Replicache-RequestID")
                .unwrap_or("-");
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "{now} {} {} {status} {:.2}ms rid={request_id}",
                req.method(),
                req.uri().path(),
                elapsed.as_secs_f64() * 1000.0
            );
        }
    }
}
