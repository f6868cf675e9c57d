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
                let request = checks::decoded_pull_request(body);
                checks::cookie_progress(&request.cookie, &response);
            }
        }
    });
});
