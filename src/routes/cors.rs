//! CORS: an origin header on every response and an answer to preflight requests.

use rocket::fairing::{AdHoc, Fairing, Info, Kind};
use rocket::http::Header;
use rocket::{Request, Response};
use std::path::PathBuf;

/// Adds `Access-Control-Allow-Origin` (the `cors_allow_origin` setting) to every
/// response; an empty origin adds nothing.
pub struct Cors {
    origin: String,
}

/// Attaches the CORS headers and mounts the preflight answer.
pub fn stage(origin: String) -> AdHoc {
    AdHoc::on_ignite("CORS", move |rocket| async move {
        rocket
            .attach(Cors { origin })
            .mount("/", rocket::routes![preflight])
    })
}

#[rocket::async_trait]
impl Fairing for Cors {
    fn info(&self) -> Info {
        Info {
            name: "CORS",
            kind: Kind::Response,
        }
    }

    async fn on_response<'r>(&self, _req: &'r Request<'_>, res: &mut Response<'r>) {
        let origin = &self.origin;
        if !origin.is_empty() {
            res.set_header(Header::new("Access-Control-Allow-Origin", origin.clone()));
            if origin != "*" {
                res.adjoin_header(Header::new("Vary", "Origin"));
            }
        }
    }
}

/// A preflight answer allowing the headers Replicache sends.
#[derive(rocket::Responder)]
#[response(status = 204)]
pub struct Preflight {
    body: (),
    methods: Header<'static>,
    headers: Header<'static>,
    max_age: Header<'static>,
}

/// `OPTIONS` on any path.
#[rocket::options("/<_path..>")]
pub fn preflight(_path: PathBuf) -> Preflight {
    Preflight {
        body: (),
        methods: Header::new("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
        headers: Header::new(
            "Access-Control-Allow-Headers",
            "Content-Type, Authorization, X-Replicache-RequestID",
        ),
        max_age: Header::new("Access-Control-Max-Age", "86400"),
    }
}
