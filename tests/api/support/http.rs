//! Real HTTP to a server process: JSON requests that report transport failures instead
//! of panicking (a killed process is part of some tests), and a poke-stream reader.

use super::sse::{SseItem, SseParser};
use replichat_test_support::bodies::{pull_body, push_body};
use serde_json::Value;
use std::io::Read;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The longest any single request of a test may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A status, content type and body read to the end.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
}

impl Answer {
    /// The body as JSON; panics when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {self:?}"))
    }

    /// True for the answer to a push that was applied: 200 `{}`.
    pub fn is_push_ok(&self) -> bool {
        self.status == 200 && self.body == "{}"
    }

    /// True for a 503 with a JSON error body (`{"error": "unavailable", ...}`): what a
    /// request may answer while the database is away.
    pub fn is_json_503(&self) -> bool {
        self.status == 503
            && self.content_type.as_deref() == Some("application/json")
            && serde_json::from_str::<Value>(&self.body)
                .is_ok_and(|body| body["error"] == "unavailable")
    }
}

/// A client of one server, by base URL.
#[derive(Clone)]
pub struct Http {
    base: String,
    agent: ureq::Agent,
}

/// A request that got no HTTP answer (connection refused or reset, timeout).
pub type Transport = ureq::Error;

impl Http {
    /// A client of `http://127.0.0.1:<port>`, with no proxy and no status-as-error.
    pub fn new(port: u16) -> Http {
        Http {
            base: format!("http://127.0.0.1:{port}"),
            agent: agent(Some(REQUEST_TIMEOUT)),
        }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Result<Answer, Transport> {
        read_answer(self.agent.get(self.url(path)).call()?)
    }

    /// `POST path` with a JSON body.
    pub fn post_json(&self, path: &str, body: &Value) -> Result<Answer, Transport> {
        self.post_json_as(None, path, body)
    }

    /// `POST path` with a JSON body and, when given, an `Authorization` header.
    pub fn post_json_as(
        &self,
        authorization: Option<&str>,
        path: &str,
        body: &Value,
    ) -> Result<Answer, Transport> {
        let mut request = self
            .agent
            .post(self.url(path))
            .header("Content-Type", "application/json");
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        read_answer(request.send(body.to_string())?)
    }

    /// A push of `mutations` for `group`.
    pub fn push(&self, group: &str, mutations: Vec<Value>) -> Result<Answer, Transport> {
        self.post_json("/api/replicache-push", &push_body(group, mutations))
    }

    /// A pull for `group` from `cookie`.
    pub fn pull(&self, group: &str, cookie: Value) -> Result<Answer, Transport> {
        self.post_json("/api/replicache-pull", &pull_body(group, cookie))
    }

    /// A pull that must answer 200; returns the response body.
    pub fn pull_ok(&self, group: &str, cookie: Value) -> Value {
        let answer = self.pull(group, cookie.clone()).expect("pull answered");
        assert_eq!(answer.status, 200, "pull {group} from {cookie}: {answer:?}");
        answer.json()
    }

    /// The value of an unlabelled sample of `/metrics` (0 when absent).
    pub fn metric(&self, name: &str) -> f64 {
        let answer = self.get("/metrics").expect("metrics answered");
        let value = answer.body.lines().find_map(|line| {
            let (key, value) = line.split_once(' ')?;
            (key == name).then(|| value.trim().parse().ok())?
        });
        value.unwrap_or(0.0)
    }

    /// Opens the poke stream and reads its opening comment.
    pub fn subscribe(&self) -> EventStream {
        self.subscribe_at("/api/replicache-poke")
    }

    /// Opens the poke stream of the user whose token is `token` (in `?auth=`).
    pub fn subscribe_as(&self, token: &str) -> EventStream {
        self.subscribe_at(&format!("/api/replicache-poke?auth={token}"))
    }

    fn subscribe_at(&self, path: &str) -> EventStream {
        let response = agent(None)
            .get(self.url(path))
            .call()
            .expect("poke stream opens");
        assert_eq!(response.status().as_u16(), 200, "poke stream status");
        let mut reader = response.into_body().into_reader();
        let (sender, items) = mpsc::channel();
        std::thread::spawn(move || {
            let mut parser = SseParser::default();
            let mut chunk = [0u8; 1024];
            while let Ok(n @ 1..) = reader.read(&mut chunk) {
                parser.feed(&chunk[..n]);
                while let Some(item) = parser.next_item() {
                    if sender.send(item).is_err() {
                        return;
                    }
                }
            }
            // Dropping the sender tells the receiver the stream ended.
        });
        let mut stream = EventStream { items };
        match stream.next_item(Duration::from_secs(5)) {
            Ok(SseItem::Comment(_)) => stream,
            other => panic!("the poke stream did not open with a comment: {other:?}"),
        }
    }
}

fn agent(timeout: Option<Duration>) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(timeout)
        // Well below the server's keep-alive (5 s), so a reused connection is still open.
        .max_idle_age(Duration::from_secs(2))
        .build()
        .into()
}

fn read_answer(mut response: ureq::http::Response<ureq::Body>) -> Result<Answer, Transport> {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    Ok(Answer {
        status: response.status().as_u16(),
        content_type,
        body: response.body_mut().read_to_string()?,
    })
}

/// An open poke stream of a server process, read by a thread of its own.
pub struct EventStream {
    items: Receiver<SseItem>,
}

/// Why no item was read.
#[derive(Debug, PartialEq, Eq)]
pub enum StreamEnd {
    /// Nothing arrived in time; the stream is still open.
    Quiet,
    /// The server closed the stream (or the connection broke).
    Closed,
}

impl EventStream {
    /// The next comment or data event within `within`.
    pub fn next_item(&mut self, within: Duration) -> Result<SseItem, StreamEnd> {
        self.items.recv_timeout(within).map_err(|e| match e {
            RecvTimeoutError::Timeout => StreamEnd::Quiet,
            RecvTimeoutError::Disconnected => StreamEnd::Closed,
        })
    }

    /// The next data event within `within`, skipping comments.
    pub fn next_data(&mut self, within: Duration) -> Result<String, StreamEnd> {
        let deadline = Instant::now() + within;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if let SseItem::Data(data) = self.next_item(remaining)? {
                return Ok(data);
            }
        }
    }

    /// Skips whatever arrives until the stream has been quiet for `quiet`.
    pub fn drain(&mut self, quiet: Duration) {
        while self.next_item(quiet).is_ok() {}
    }

    /// Waits until the server closes the stream; false if it is still open after `within`.
    pub fn wait_closed(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            match self.next_item(remaining) {
                Ok(_) => continue,
                Err(end) => return end == StreamEnd::Closed,
            }
        }
    }
}
