//! Metrics, the process's log and request logging.

mod logger;
mod metrics;
mod request_log;

pub use logger::{install as install_logger, LogFormat};
pub use metrics::{Metrics, Snapshot};
pub use request_log::{LogSettings, RequestLog};
