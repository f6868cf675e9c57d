//! `GET /api/replicache-poke`: the SSE stream of pokes of one user.
//!
//! The stream authenticates like push and pull: an `Authorization` header, or (for
//! `EventSource`, which cannot send headers) the query parameter `auth`. A fairing takes
//! that parameter out of the request's URI before anything logs the request, so the
//! token is never printed.

use crate::auth::{Authenticator, Caller};
use crate::error::ApiError;
use crate::poke::{PokeHub, PokeSettings};
use prometheus::IntCounter;
use rocket::fairing::{AdHoc, Fairing, Info, Kind};
use rocket::http::uri::Origin;
use rocket::http::Header;
use rocket::response::stream::{Event, EventStream};
use rocket::tokio::select;
use rocket::tokio::time::Duration;
use rocket::{Data, Request, Responder, Shutdown, State};

/// What the poke stream uses: the hub it subscribes to, the heartbeat interval and the
/// counter of pokes sent.
pub struct PokeStreams {
    hub: PokeHub,
    heartbeat: Duration,
    pokes_sent: IntCounter,
}

/// Mounts the poke stream and the fairing that keeps its token out of the logs.
pub fn stage(hub: PokeHub, settings: &PokeSettings, pokes_sent: IntCounter) -> AdHoc {
    let streams = PokeStreams {
        hub,
        heartbeat: Duration::from_secs(settings.poke_heartbeat_secs.max(1)),
        pokes_sent,
    };
    AdHoc::on_ignite("poke stream", move |rocket| async move {
        rocket
            .attach(TokenFromQuery)
            .manage(streams)
            .mount("/", rocket::routes![poke])
    })
}

/// The token of `?auth=`, taken out of the URI by [`TokenFromQuery`].
#[derive(Debug, Default)]
struct QueryToken(Option<String>);

/// Moves the `auth` query parameter of any request (the poke stream reads it) out of the
/// URI into the request-local cache, before the request is logged.
struct TokenFromQuery;

#[rocket::async_trait]
impl Fairing for TokenFromQuery {
    fn info(&self) -> Info {
        Info {
            name: "poke token out of the URI",
            kind: Kind::Request,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        let Some(query) = req.uri().query() else {
            return;
        };
        let mut token = None;
        let mut kept = Vec::new();
        for segment in query.raw_segments() {
            match segment.as_str().split_once('=') {
                Some(("auth", value)) => {
                    let value = rocket::http::RawStr::new(value).url_decode_lossy();
                    token = Some(value.into_owned());
                }
                _ => kept.push(segment.as_str()),
            }
        }
        if token.is_none() {
            return;
        }
        let path = req.uri().path().as_str().to_string();
        let uri = if kept.is_empty() {
            path.clone()
        } else {
            format!("{path}?{}", kept.join("&"))
        };
        // The kept segments are as the client sent them (still encoded), so this parses;
        // should it not, the bare path still carries no token.
        match Origin::parse_owned(uri).or_else(|_| Origin::parse_owned(path)) {
            Ok(uri) => req.set_uri(uri),
            Err(_) => return,
        }
        req.local_cache(|| QueryToken(token));
    }
}

/// Query of the poke stream. `clientGroupID` is accepted for compatibility with the
/// reference clients; which pokes a stream gets depends on its user only.
#[derive(Debug, rocket::FromForm)]
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

/// Streams one unnamed `data: poke` event per commit that changed the caller's view (or
/// their lastMutationIDs). Opens with a comment (so the response starts at once),
/// heartbeats are comments, and the stream ends when the server shuts down.
#[rocket::get("/api/replicache-poke?<query..>")]
pub fn poke(
    query: PokeQuery,
    request: PokeRequest,
    authenticator: &State<Authenticator>,
    streams: &State<PokeStreams>,
    mut shutdown: Shutdown,
) -> Result<PokeStream<EventStream<impl rocket::futures::Stream<Item = Event>>>, ApiError> {
    let _ = query.client_group_id;
    let caller: Caller = authenticator.authenticate(request.token())?;
    let mut pokes = streams.hub.subscribe(&caller.user_id);
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
    Ok(PokeStream {
        stream: stream.heartbeat(streams.heartbeat),
        no_proxy_buffering: Header::new("X-Accel-Buffering", "no"),
    })
}

/// The credentials of a poke request: its `Authorization` header, else its `?auth=`.
pub struct PokeRequest {
    header: Option<String>,
    query: Option<String>,
}

impl PokeRequest {
    /// The token to authenticate with.
    fn token(&self) -> Option<&str> {
        match self.header.as_deref() {
            Some(header) if !header.trim().is_empty() => Some(header),
            _ => self.query.as_deref(),
        }
    }
}

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for PokeRequest {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, Self::Error> {
        let header = req.headers().get_one("Authorization").map(str::to_string);
        let query = req.local_cache(QueryToken::default).0.clone();
        rocket::request::Outcome::Success(PokeRequest { header, query })
    }
}
