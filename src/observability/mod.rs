//! Metrics and request logging.

mod metrics;
mod request_log;

pub use metrics::{Metrics, Snapshot};
pub use request_log::{LogSettings, RequestLog};
