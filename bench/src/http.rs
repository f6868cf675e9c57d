//! A small HTTP/1.1 client over hyper: JSON POSTs with timing, and streaming GETs for SSE.

use anyhow::{anyhow, Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{ACCEPT, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::{Duration, Instant};

/// One finished request: status, whole body, and wall time from send to last byte.
#[derive(Debug)]
pub struct Reply {
    /// HTTP status.
    pub status: StatusCode,
    /// The complete response body.
    pub body: Bytes,
    /// Time from sending the request to receiving the last body byte.
    pub elapsed: Duration,
}

impl Reply {
    /// True for HTTP 200 whose body is not a Replicache error body (`{"error": ...}`).
    /// Like the real client, a 200 body that is not JSON counts as success.
    pub fn is_ok(&self) -> bool {
        self.status == StatusCode::OK && self.error_kind().is_none()
    }

    /// The `error` member of a 200 JSON body, if there is one.
    pub fn error_kind(&self) -> Option<String> {
        #[derive(serde::Deserialize)]
        struct Probe {
            error: Option<serde_json::Value>,
        }
        let probe: Probe = serde_json::from_slice(&self.body).ok()?;
        probe.error.map(|e| match e {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        })
    }

    /// A short description for failure messages: status and the start of the body.
    pub fn describe(&self) -> String {
        let text = String::from_utf8_lossy(&self.body[..self.body.len().min(200)]).into_owned();
        format!("HTTP {} {}", self.status.as_u16(), text.trim())
    }
}

/// A pooled keep-alive HTTP client shared by every simulated client of one process.
#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
    timeout: Duration,
}

impl Http {
    /// A client whose requests fail after `timeout`.
    pub fn new(timeout: Duration) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(usize::MAX)
            .build(connector);
        Http { client, timeout }
    }

    /// POSTs `body` as `application/json` to `url` and reads the whole answer; `auth` is
    /// the `Authorization` header (an empty one, as an anonymous Replicache client sends,
    /// when `None`).
    pub async fn post_as(&self, url: &str, body: Bytes, auth: Option<&str>) -> Result<Reply> {
        let request = Request::post(url)
            .header(CONTENT_TYPE, "application/json")
            .header("Authorization", auth.unwrap_or(""))
            .body(Full::new(body))
            .context("building request")?;
        let started = Instant::now();
        let exchange = async {
            let response = self.client.request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            anyhow::Ok((status, body))
        };
        let (status, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| anyhow!("POST {url}: no answer within {:?}", self.timeout))?
            .with_context(|| format!("POST {url}"))?;
        Ok(Reply {
            status,
            body,
            elapsed: started.elapsed(),
        })
    }

    /// POSTs `body` until it is acknowledged (HTTP 200 without an error body), at most
    /// five times with growing pauses; the error names `what` and the last answer.
    pub async fn post_until_ok(
        &self,
        url: &str,
        body: Bytes,
        auth: Option<&str>,
        what: &str,
    ) -> Result<Reply> {
        let mut last_error = String::new();
        for attempt in 0..5u32 {
            match self.post_as(url, body.clone(), auth).await {
                Ok(reply) if reply.is_ok() => return Ok(reply),
                Ok(reply) => last_error = reply.describe(),
                Err(e) => last_error = format!("{e:#}"),
            }
            tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
        }
        Err(anyhow!("{what} failed: {last_error}"))
    }

    /// Opens a streaming GET (for `text/event-stream`); fails unless the status is 200.
    pub async fn open_stream(&self, url: &str) -> Result<Response<Incoming>> {
        let request = Request::get(url)
            .header(ACCEPT, "text/event-stream")
            .body(Full::new(Bytes::new()))
            .context("building request")?;
        let response = tokio::time::timeout(self.timeout, self.client.request(request))
            .await
            .map_err(|_| anyhow!("GET {url}: no answer within {:?}", self.timeout))?
            .with_context(|| format!("GET {url}"))?;
        if response.status() != StatusCode::OK {
            return Err(anyhow!("GET {url}: HTTP {}", response.status()));
        }
        Ok(response)
    }
}

/// `base` without a trailing slash, joined with `path`.
pub fn join(base: &str, path: &str) -> String {
    format!("{}{}", base.trim_end_matches('/'), path)
}
