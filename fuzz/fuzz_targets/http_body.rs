//! Arbitrary bytes as the body of a push and of a pull (on both pull strategies),
//! from an empty database: no 5xx, JSON errors, well-formed protocol answers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use replichat_fuzz::app::{App, Server, PULL, PUSH};
use replichat_fuzz::checks;
use rocket::http::ContentType;

fuzz_target!(|body: &[u8]| {
    App::with(|app| {
        app.reset();
        checks::push_answer(&app.post(Server::Version, PUSH, Some(ContentType::JSON), body));
        for server in [Server::Version, Server::Reset] {
            let answer = app.post(server, PULL, Some(ContentType::JSON), body);
            if let Some(response) = checks::pull_answer(&answer) {
                // Decoded as the server does, lone surrogate escapes replaced.
                let mut decodable = body.to_vec();
                replichat::dto::replace_lone_surrogates(&mut decodable);
                let request: replichat::dto::PullRequest = serde_json::from_slice(&decodable)
                    .expect("a pull response to a decodable body");
                checks::cookie_progress(&request.cookie, &response);
            }
        }
    });
});
