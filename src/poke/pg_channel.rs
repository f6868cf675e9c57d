//! The PostgreSQL connection that carries pokes between processes: it sends `NOTIFY`
//! for this process's commits and turns the other processes' notifications into local
//! pokes.
//!
//! A commit pokes its own process's streams directly (see [`super::Poker`]); the
//! notification it sends comes back to this connection too and is ignored (it names
//! this connection's backend). Notifications sent while the connection is down are
//! lost, so after every reconnect the channel pokes all its own streams once and sends
//! the targets of its commits that may not have been announced. Every step has
//! a timeout, so a half-open connection is replaced instead of holding pokes back. The
//! channel keeps announcing commits during a graceful shutdown (requests in flight may
//! still commit) and stops when the application is dropped. The poke of a commit made
//! just before its process died can be lost; clients still pull on their interval.

use super::hub::PokeHub;
use super::{payload, Outbox};
use futures_util::{stream, StreamExt};
use rocket::tokio::sync::{mpsc, watch};
use rocket::tokio::{self, time::Duration};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio_postgres::tls::NoTlsStream;
use tokio_postgres::{AsyncMessage, Client, Config, NoTls, Socket};

/// The channel pokes travel on.
pub const POKE_CHANNEL: &str = "replicache_poke";

/// The `application_name` the connection takes once it listens (operators and tests
/// find it in `pg_stat_activity` by it).
pub const LISTENER_APPLICATION_NAME: &str = "replichat-pokes";

/// The first reconnect delay; it doubles up to [`MAX_RECONNECT_DELAY`].
const FIRST_RECONNECT_DELAY: Duration = Duration::from_millis(100);
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(5);

/// The longest one step (connect, a statement) may take before the connection is given up.
const STEP_TIMEOUT: Duration = Duration::from_secs(5);

/// The task driving the connection; it ends with the connection.
type Driver = tokio::task::JoinHandle<Result<(), tokio_postgres::Error>>;

/// A notification received: the backend that sent it, and its payload.
type Incoming = (i32, String);

/// Why a session ended.
#[derive(Debug)]
enum SessionError {
    /// The database reported an error or closed the connection.
    Db(tokio_postgres::Error),
    /// A step took longer than [`STEP_TIMEOUT`].
    TimedOut(&'static str),
}

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionError::Db(e) => f.write_str(&describe(e)),
            SessionError::TimedOut(step) => write!(f, "{step} timed out after {STEP_TIMEOUT:?}"),
        }
    }
}

/// A database error with its causes: tokio_postgres's own text is often only "db
/// error" or "error connecting to server", the reason sits in its sources.
fn describe(error: &tokio_postgres::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl From<tokio_postgres::Error> for SessionError {
    fn from(e: tokio_postgres::Error) -> Self {
        SessionError::Db(e)
    }
}

/// Whether a process's poke channel is connected and listening, for `/readyz`.
#[derive(Debug, Clone, Default)]
pub struct ListenerStatus(Arc<AtomicBool>);

impl ListenerStatus {
    /// True while the channel's connection has run `LISTEN` and not closed since.
    pub fn is_listening(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    fn set(&self, listening: bool) {
        self.0.store(listening, Ordering::Release);
    }
}

/// The cross-process poke connection of one process, not yet started.
pub struct PgPokeChannel {
    url: String,
    hub: PokeHub,
    status: ListenerStatus,
    /// Targets of this process's commits, waiting to be announced.
    outbox: Arc<Outbox>,
    /// Wakes the channel when the outbox fills (a counter: announcements coalesce).
    outgoing: watch::Receiver<u64>,
}

impl PgPokeChannel {
    /// Whether this channel is listening (shared with whoever asks, before it starts).
    pub fn status(&self) -> ListenerStatus {
        self.status.clone()
    }

    pub(super) fn new(
        url: String,
        hub: PokeHub,
        outbox: Arc<Outbox>,
        outgoing: watch::Receiver<u64>,
    ) -> Self {
        PgPokeChannel {
            url,
            status: ListenerStatus::default(),
            hub,
            outbox,
            outgoing,
        }
    }

    /// Runs the channel until the application is dropped: connects, and reconnects with
    /// backoff when the connection drops (the backoff starts over once a connection has
    /// listened).
    pub fn spawn(mut self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut delay = FIRST_RECONNECT_DELAY;
            loop {
                let mut listened = false;
                let result = self.session(&mut listened).await;
                self.status.set(false);
                if listened {
                    delay = FIRST_RECONNECT_DELAY;
                }
                if self.outgoing.has_changed().is_err() {
                    break; // the poker is gone: the application has stopped
                }
                match result {
                    Ok(()) => rocket::warn!(
                        "poke channel: the database closed the LISTEN connection; reconnecting"
                    ),
                    Err(e) => rocket::warn!(
                        "poke channel: lost the LISTEN connection ({e}); reconnecting in {delay:?}"
                    ),
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_RECONNECT_DELAY);
            }
        })
    }

    /// One connection's lifetime: returns when it closes. Sets `listened` once LISTEN ran.
    async fn session(&mut self, listened: &mut bool) -> Result<(), SessionError> {
        let mut config: Config = self.url.parse()?;
        config
            .connect_timeout(STEP_TIMEOUT)
            .keepalives_idle(Duration::from_secs(30))
            .tcp_user_timeout(STEP_TIMEOUT);
        let (client, connection) = step("connect", config.connect(NoTls)).await?;
        let (driver, mut incoming) = drive(connection);
        let row = step("SELECT", client.query_one("SELECT pg_backend_pid()", &[])).await?;
        let own_backend: i32 = row.try_get(0)?;
        let listen =
            format!("LISTEN {POKE_CHANNEL}; SET application_name = '{LISTENER_APPLICATION_NAME}'");
        step("LISTEN", client.batch_execute(&listen)).await?;
        *listened = true;
        self.status.set(true);
        self.hub.notify_all();
        self.announce(&client).await?;
        loop {
            tokio::select! {
                changed = self.outgoing.changed() => {
                    if changed.is_err() {
                        return Ok(()); // the poker is gone: the application has stopped
                    }
                    self.announce(&client).await?;
                }
                received = incoming.recv() => match received {
                    Some((backend, text)) if backend != own_backend => {
                        self.hub.notify(&payload::decode(&text));
                    }
                    Some(_) => {}
                    None => break,
                },
            }
        }
        drop(client);
        match driver.await {
            Ok(result) => result.map_err(SessionError::from),
            Err(join_error) => {
                rocket::error!("poke channel task failed: {join_error}");
                Ok(())
            }
        }
    }

    /// Sends one `NOTIFY` with the targets of every commit not announced yet; on a
    /// failure puts them back, so that the next connection announces them.
    async fn announce(&mut self, client: &Client) -> Result<(), SessionError> {
        self.outgoing.borrow_and_update();
        let Some(targets) = self.outbox.take() else {
            return Ok(());
        };
        let text = payload::encode(&targets);
        let sent = step(
            "NOTIFY",
            client.execute("SELECT pg_notify($1, $2)", &[&POKE_CHANNEL, &text]),
        )
        .await;
        if sent.is_err() {
            self.outbox.add(targets);
        }
        sent.map(|_| ())
    }
}

/// Awaits `future` for at most [`STEP_TIMEOUT`].
async fn step<T>(
    name: &'static str,
    future: impl Future<Output = Result<T, tokio_postgres::Error>>,
) -> Result<T, SessionError> {
    match tokio::time::timeout(STEP_TIMEOUT, future).await {
        Ok(result) => result.map_err(SessionError::from),
        Err(_) => Err(SessionError::TimedOut(name)),
    }
}

/// Runs the connection; returns its task and the notifications it receives.
fn drive(
    mut connection: tokio_postgres::Connection<Socket, NoTlsStream>,
) -> (Driver, mpsc::UnboundedReceiver<Incoming>) {
    let (senders, incoming) = mpsc::unbounded_channel::<Incoming>();
    let mut messages = stream::poll_fn(move |cx| connection.poll_message(cx));
    let driver = tokio::spawn(async move {
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    let _ = senders.send((n.process_id(), n.payload().to_string()));
                }
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    });
    (driver, incoming)
}
