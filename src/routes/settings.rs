//! The HTTP edge's settings: body limit, CORS and the chat page's directory.

use rocket::data::ByteUnit;
use serde::{Deserialize, Serialize};
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
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            body_limit: ByteUnit::Mebibyte(32),
            cors_allow_origin: "*".into(),
            web_dir: PathBuf::from("web/dist"),
        }
    }
}
