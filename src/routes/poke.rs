//! `GET /api/replicache-poke`: the SSE stream of pokes.

use crate::service::Services;
use rocket::http::Header;
use rocket::response::stream::{Event, EventStream};
use rocket::tokio::select;
use rocket::tokio::time::Duration;
use rocket::{FromForm, Responder, Shutdown, State};
use std::sync::Arc;

/// Query of the poke stream. `clientGroupID` is accepted for compatibility with the
/// reference clients; every stream receives every poke.
#[derive(Debug, FromForm)]
pub struct PokeQuery {
    /// The subscribing client group, if the page sends it.
    #[field(name = "clientGroupID")]
    pub client_group_id: Option<String>,
}

/// An SSE response with proxy buffering disabled.
#[derive(Responder)]
pub struct PokeStream<S> {
    stream: S,
    no_proxy_buffering: Header<'static>,
}

/// Streams one unnamed `data: poke` event per committed change. Opens with a comment
/// (so the response starts at once), heartbeats are comments, and the stream ends when
/// the server shuts down.
#[rocket::get("/api/replicache-poke?<query..>")]
pub fn poke(
    query: PokeQuery,
    services: &State<Arc<Services>>,
    mut shutdown: Shutdown,
) -> PokeStream<EventStream<impl rocket::futures::Stream<Item = Event>>> {
    let _ = query.client_group_id;
    let mut pokes = services.pokes.subscribe();
    let pokes_sent = services.metrics.pokes_sent.clone();
    let heartbeat = Duration::from_secs(services.config.poke_heartbeat_secs.max(1));
    let stream = EventStream! {
        yield Event::comment("connected");
        loop {
            select! {
                changed = pokes.changed() => match changed {
                    Ok(()) => {
                        pokes_sent.inc();
                        yield Event::data("poke");
                    }
                    Err(_) => break,
                },
                _ = &mut shutdown => break,
            }
        }
    };
    PokeStream {
        stream: stream.heartbeat(heartbeat),
        no_proxy_buffering: Header::new("X-Accel-Buffering", "no"),
    }
}
