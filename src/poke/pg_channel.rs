//! The PostgreSQL connection that carries pokes between processes: it sends `NOTIFY`
//! for this process's commits and turns the other processes' notifications into local
//! pokes.
//!
//! A commit pokes its own process's streams directly (see [`super::Poker`]); the
//! notification it sends comes back to this connection too and is ignored (it names
//! this connection's backend). Notifications sent while the connection is down are
//! lost, so after every reconnect the channel pokes its own streams once and sends one
//! `NOTIFY` for the commits the others may have missed. A poke of a commit that
//! happened just before its process died can be lost; clients still pull on their
//! interval.

use super::hub::PokeHub;
use futures_util::{stream, StreamExt};
use rocket::tokio::sync::{mpsc, watch};
use rocket::tokio::{self, time::Duration};
use tokio_postgres::tls::NoTlsStream;
use tokio_postgres::{AsyncMessage, Client, NoTls};

/// The task driving the connection; it ends with the connection.
type Driver = tokio::task::JoinHandle<Result<(), tokio_postgres::Error>>;

/// The channel pokes travel on.
pub const POKE_CHANNEL: &str = "replicache_poke";

/// The `application_name` the connection takes once it listens (operators and tests
/// find it in `pg_stat_activity` by it).
pub const LISTENER_APPLICATION_NAME: &str = "replichat-pokes";

/// The first reconnect delay; it doubles up to [`MAX_RECONNECT_DELAY`].
const FIRST_RECONNECT_DELAY: Duration = Duration::from_millis(100);
const MAX_RECONNECT_DELAY: Duration = Duration::from_secs(5);

/// The cross-process poke connection of one process, not yet started.
pub struct PgPokeChannel {
    url: String,
    hub: PokeHub,
    /// Commits of this process to announce (a counter: announcements coalesce).
    outgoing: watch::Receiver<u64>,
}

impl PgPokeChannel {
    pub(super) fn new(url: String, hub: PokeHub, outgoing: watch::Receiver<u64>) -> Self {
        PgPokeChannel { url, hub, outgoing }
    }

    /// Runs the channel until `shutdown`: connects, and reconnects with backoff when
    /// the connection drops (the backoff starts over once a connection has listened).
    pub fn spawn(mut self, shutdown: rocket::Shutdown) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let run = async {
                let mut delay = FIRST_RECONNECT_DELAY;
                let mut reconnect = false;
                loop {
                    let mut listened = false;
                    let result = self.session(reconnect, &mut listened).await;
                    if listened {
                        delay = FIRST_RECONNECT_DELAY;
                        reconnect = true;
                    }
                    if self.outgoing.has_changed().is_err() {
                        break; // the poker is gone: the application has stopped
                    }
                    match result {
                        Ok(()) => rocket::warn!("poke channel: connection closed; reconnecting"),
                        Err(e) => rocket::warn!("poke channel: {e}; reconnecting in {delay:?}"),
                    }
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(MAX_RECONNECT_DELAY);
                }
            };
            tokio::select! {
                _ = run => {}
                _ = shutdown => {}
            }
        })
    }

    /// One connection's lifetime: returns when it closes. Sets `listened` once LISTEN ran.
    async fn session(
        &mut self,
        reconnect: bool,
        listened: &mut bool,
    ) -> Result<(), tokio_postgres::Error> {
        let (client, connection) = tokio_postgres::connect(&self.url, NoTls).await?;
        let (driver, mut incoming) = drive(connection);
        let own_backend: i32 = client
            .query_one("SELECT pg_backend_pid()", &[])
            .await?
            .get(0);
        client
            .batch_execute(&format!(
                "LISTEN {POKE_CHANNEL}; SET application_name = '{LISTENER_APPLICATION_NAME}'"
            ))
            .await?;
        *listened = true;
        self.hub.notify();
        if reconnect {
            notify(&client).await?;
        }
        loop {
            tokio::select! {
                changed = self.outgoing.changed() => {
                    if changed.is_err() {
                        return Ok(()); // the poker is gone: the application is stopping
                    }
                    self.outgoing.borrow_and_update();
                    notify(&client).await?;
                }
                backend = incoming.recv() => match backend {
                    Some(backend) if backend != own_backend => self.hub.notify(),
                    Some(_) => {}
                    None => break,
                },
            }
        }
        drop(client);
        match driver.await {
            Ok(result) => result,
            Err(join_error) => {
                rocket::error!("poke channel task failed: {join_error}");
                Ok(())
            }
        }
    }
}

/// Runs the connection; returns its task and the backend ids of the notifications it
/// receives.
fn drive(
    mut connection: tokio_postgres::Connection<tokio_postgres::Socket, NoTlsStream>,
) -> (Driver, mpsc::UnboundedReceiver<i32>) {
    let (senders, incoming) = mpsc::unbounded_channel::<i32>();
    let mut messages = stream::poll_fn(move |cx| connection.poll_message(cx));
    let driver = tokio::spawn(async move {
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    let _ = senders.send(n.process_id());
                }
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    });
    (driver, incoming)
}

/// Pokes every process listening on the database.
async fn notify(client: &Client) -> Result<(), tokio_postgres::Error> {
    client
        .batch_execute(&format!("NOTIFY {POKE_CHANNEL}"))
        .await
}
