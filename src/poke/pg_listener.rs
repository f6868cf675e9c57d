//! The PostgreSQL LISTEN connection that turns NOTIFY into local pokes.

use super::hub::PokeHub;
use futures_util::{stream, StreamExt};
use rocket::tokio::{self, time::Duration};
use tokio_postgres::{AsyncMessage, NoTls};

/// The channel the `replicache_server` trigger notifies on.
pub const POKE_CHANNEL: &str = "replicache_poke";

/// Runs the listener until `shutdown` resolves: connects, LISTENs, forwards every
/// notification to `hub`, and reconnects with backoff when the connection drops (the
/// backoff starts over once a connection has been listening). After each (re)connect
/// it pokes once, because notifications sent while it was disconnected are lost.
pub fn spawn_listener(
    url: String,
    hub: PokeHub,
    shutdown: rocket::Shutdown,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let run = async {
            let first_delay = Duration::from_millis(100);
            let mut delay = first_delay;
            loop {
                let mut listened = false;
                let result = listen(&url, &hub, &mut listened).await;
                if listened {
                    delay = first_delay;
                }
                match result {
                    Ok(()) => rocket::warn!("poke listener: connection closed; reconnecting"),
                    Err(e) => rocket::warn!("poke listener: {e}; reconnecting in {delay:?}"),
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        };
        tokio::select! {
            _ = run => {}
            _ = shutdown => {}
        }
    })
}

/// One connection's lifetime: returns when it closes. Sets `listened` once LISTEN ran.
async fn listen(
    url: &str,
    hub: &PokeHub,
    listened: &mut bool,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = tokio_postgres::connect(url, NoTls).await?;
    let forward_hub = hub.clone();
    let mut messages = stream::poll_fn(move |cx| connection.poll_message(cx));
    let driver = tokio::spawn(async move {
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(_)) => forward_hub.notify(),
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    });
    client
        .batch_execute(&format!("LISTEN {POKE_CHANNEL}"))
        .await?;
    *listened = true;
    hub.notify();
    let result = match driver.await {
        Ok(result) => result,
        Err(join_error) => {
            rocket::error!("poke listener task failed: {join_error}");
            Ok(())
        }
    };
    drop(client);
    result
}
