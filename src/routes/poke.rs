//! `GET /api/replicache-poke`: the SSE stream of pokes.

use crate::poke::{PokeHub, PokeSettings};
use prometheus::IntCounter;
use rocket::fairing::AdHoc;
use rocket::http::Header;
use rocket::response::stream::{Event, EventStream};
use rocket::tokio::select;
use rocket::tokio::time::Duration;
use rocket::{FromForm, Responder, Shutdown, State};

/// What the poke stream uses: the hub it subscribes to, the heartbeat interval and the
/// counter of pokes sent.
pub struct PokeStreams {
    hub: PokeHub,
    heartbeat: Duration,
    pokes_sent: IntCounter,
}

/// Mounts the poke stream.
pub fn stage(hub: PokeHub, settings: &PokeSettings, pokes_sent: IntCounter) -> AdHoc {
    let streams = PokeStreams {
        hub,
        heartbeat: Duration::from_secs(settings.poke_heartbeat_secs.max(1)),
        pokes_sent,
    };
    AdHoc::on_ignite("poke stream", move |rocket| async move {
        rocket.manage(streams).mount("/", rocket::routes![poke])
    })
}

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
    streams: &State<PokeStreams>,
    mut shutdown: Shutdown,
) -> PokeStream<EventStream<impl rocket::futures::Stream<Item = Event>>> {
    let _ = query.client_group_id;
    let mut pokes = streams.hub.subscribe();
    let pokes_sent = streams.pokes_sent.clone();
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
        stream: stream.heartbeat(streams.heartbeat),
        no_proxy_buffering: Header::new("X-Accel-Buffering", "no"),
    }
}
