//! Per-request latency metrics and one log line per request.

use crate::service::Services;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Data, Request, Response};
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

/// Records every request's latency in the metrics and, when `request_log` is on, prints
/// `time method path status latency rid=<X-Replicache-RequestID>` to standard output.
pub struct RequestLog;

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
        let Some(services) = req.rocket().state::<Arc<Services>>() else {
            return;
        };
        let endpoint = req
            .route()
            .and_then(|route| route.name.as_deref())
            .unwrap_or("unmatched");
        let status = res.status().code;
        services
            .metrics
            .requests
            .with_label_values(&[endpoint, &status.to_string()])
            .observe(elapsed.as_secs_f64());
        if services.config.request_log {
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
