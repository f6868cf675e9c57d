//! An incremental reader of the poke stream (`text/event-stream`).
//!
//! Lines starting with `:` are comments (the `:connected` greeting, heartbeats); a data
//! event is one or more `data:` lines closed by a blank line.

use rocket::local::asynchronous::LocalResponse;
use rocket::tokio::io::AsyncReadExt;
use rocket::tokio::time::{timeout, Instant};
use std::collections::VecDeque;
use std::time::Duration;

/// One thing read from the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseItem {
    /// A comment line, without its `:`.
    Comment(String),
    /// A dispatched data event: its `data:` lines joined with `\n`.
    Data(String),
}

/// Splits a byte stream into comments and data events, chunk by chunk.
#[derive(Debug, Default)]
pub struct SseParser {
    partial: String,
    data: Option<String>,
    ready: VecDeque<SseItem>,
}

impl SseParser {
    /// Takes the next chunk of the stream.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.partial
            .push_str(std::str::from_utf8(chunk).expect("UTF-8 stream"));
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            self.parse_line(&line[..line.len() - 1]);
        }
    }

    /// The oldest complete item not taken yet.
    pub fn next_item(&mut self) -> Option<SseItem> {
        self.ready.pop_front()
    }

    fn parse_line(&mut self, line: &str) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            if let Some(data) = self.data.take() {
                self.ready.push_back(SseItem::Data(data));
            }
        } else if let Some(comment) = line.strip_prefix(':') {
            self.ready.push_back(SseItem::Comment(comment.to_string()));
        } else if let Some(value) = line.strip_prefix("data") {
            let value = value.strip_prefix(':').unwrap_or(value);
            let value = value.strip_prefix(' ').unwrap_or(value);
            match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_string()),
            }
        }
        // Other fields (event:, id:, retry:) do not occur; they would not make a data event.
    }
}

/// The open poke stream of one subscriber.
pub struct PokeStream<'c> {
    response: LocalResponse<'c>,
    parser: SseParser,
}

impl<'c> PokeStream<'c> {
    /// Wraps a dispatched `GET` of the poke endpoint.
    pub fn new(response: LocalResponse<'c>) -> Self {
        PokeStream {
            response,
            parser: SseParser::default(),
        }
    }

    /// The response (status and headers).
    pub fn response(&self) -> &LocalResponse<'c> {
        &self.response
    }

    /// One header value of the response.
    pub fn header(&self, name: &str) -> Option<String> {
        self.response.headers().get_one(name).map(str::to_string)
    }

    /// The next comment or data event, or `None` if nothing arrives `within`
    /// (or the stream ended).
    pub async fn next_item(&mut self, within: Duration) -> Option<SseItem> {
        let deadline = Instant::now() + within;
        let mut chunk = [0u8; 1024];
        loop {
            if let Some(item) = self.parser.next_item() {
                return Some(item);
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            let read = timeout(remaining, self.response.read(&mut chunk)).await;
            match read {
                Ok(Ok(n)) if n > 0 => self.parser.feed(&chunk[..n]),
                Ok(Ok(_)) => return None,
                Ok(Err(e)) => panic!("poke stream failed: {e}"),
                Err(_) => return None,
            }
        }
    }

    /// The next data event within `within`, skipping comments.
    pub async fn next_data(&mut self, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            match self.next_item(remaining).await? {
                SseItem::Data(data) => return Some(data),
                SseItem::Comment(_) => continue,
            }
        }
    }

    /// Waits for a data event, panicking with `what` if none comes within `within`.
    pub async fn expect_poke(&mut self, within: Duration, what: &str) -> String {
        match self.next_data(within).await {
            Some(data) => data,
            None => panic!("no data event within {within:?} after {what}"),
        }
    }

    /// Asserts that no data event arrives during `window`.
    pub async fn assert_no_poke(&mut self, window: Duration, what: &str) {
        if let Some(data) = self.next_data(window).await {
            panic!("unexpected data event {data:?} after {what}");
        }
    }

    /// Reads until the stream has been quiet for `quiet`; returns the data events seen
    /// (pokes coalesce, so a burst of commits may yield fewer events).
    pub async fn drain(&mut self, quiet: Duration) -> usize {
        let mut events = 0;
        while self.next_data(quiet).await.is_some() {
            events += 1;
        }
        events
    }
}
