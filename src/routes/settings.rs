//! The HTTP edge's settings: body limit, CORS, the chat page's directory and where
//! `/metrics` is served.

use rocket::data::ByteUnit;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

/// How the HTTP edge treats requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// Largest accepted push or pull body (a client pushes all pending mutations at once).
    pub body_limit: ByteUnit,
    /// Value of `Access-Control-Allow-Origin`; empty disables CORS headers.
    pub cors_allow_origin: String,
    /// Directory of the built chat page, served at `/` when it holds an `index.html`
    /// (relative paths are relative to the working directory).
    pub web_dir: PathBuf,
    /// Where `/metrics` is served: `""` on the main port, `"off"` nowhere, or
    /// `"host:port"` on a listener of its own (e.g. `127.0.0.1:9100`, kept off the public
    /// port).
    pub metrics_address: String,
}

/// Where `/metrics` is served, as [`HttpSettings::metrics_address`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsPlacement {
    /// With everything else, on the main port.
    MainPort,
    /// Not at all.
    Off,
    /// On a listener of its own.
    Own(SocketAddr),
}

impl HttpSettings {
    /// Reads `metrics_address`.
    pub fn metrics_placement(&self) -> Result<MetricsPlacement, String> {
        match self.metrics_address.trim() {
            "" => Ok(MetricsPlacement::MainPort),
            "off" => Ok(MetricsPlacement::Off),
            address => address.parse().map(MetricsPlacement::Own).map_err(|_| {
                format!(
                    "metrics_address: {address:?} is not \"\", \"off\" or an address such as \
                     \"127.0.0.1:9100\""
                )
            }),
        }
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            body_limit: ByteUnit::Mebibyte(32),
            cors_allow_origin: "*".into(),
            web_dir: PathBuf::from("web/dist"),
            metrics_address: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placement(address: &str) -> Result<MetricsPlacement, String> {
        let settings = HttpSettings {
            metrics_address: address.into(),
            ..HttpSettings::default()
        };
        settings.metrics_placement()
    }

    #[test]
    fn metrics_go_to_the_main_port_nowhere_or_their_own_listener() {
        assert_eq!(placement(""), Ok(MetricsPlacement::MainPort));
        assert_eq!(placement("off"), Ok(MetricsPlacement::Off));
        let own = "127.0.0.1:9100".parse().map(MetricsPlacement::Own);
        assert_eq!(placement("127.0.0.1:9100").ok(), own.ok());
        assert!(placement("localhost").is_err());
    }
}
