//! Per-request latency metrics and one log line per request.

use super::{LogFormat, Metrics};
use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Data, Request, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Instant;

/// Logging settings (the level is Rocket's `log_level`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    /// Log one line per request (method, path, status, latency, request id) at `info`.
    pub request_log: bool,
    /// `text` (one line for people) or `json` (one object a line, for collectors).
    pub log_format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            request_log: true,
            log_format: LogFormat::Text,
        }
    }
}

/// Records every request's latency in the metrics and, when enabled, logs
/// `method path status latency rid=<X-Replicache-RequestID>` at `info`, with each part
/// also a field of the record (`method`, `path`, `status`, `latency_ms`, `request_id`).
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
            let (method, path) = (req.method(), req.uri().path());
            // Microsecond precision is plenty, and keeps JSON lines short.
            let latency_ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3;
            log::info!(
                target: "replichat::request",
                method = method.as_str(),
                path = path.as_str(),
                status = status,
                latency_ms = latency_ms,
                request_id = request_id;
                "{method} {path} {status} {latency_ms:.2}ms rid={request_id}"
            );
        }
    }
}
