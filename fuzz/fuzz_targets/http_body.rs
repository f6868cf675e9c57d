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
        let json = Some(ContentType::JSON);
        checks::push_answer(&app.post(Server::TUTORIAL, PUSH, json.clone(), None, body));
        for reset in [false, true] {
            let server = Server {
                reset,
                users: false,
            };
            let answer = app.post(server, PULL, json.clone(), None, body);
            if let Some(response) = checks::pull_answer(&answer) {
                let request = checks::decoded_pull_request(body);
                checks::cookie_progress(&request.cookie, &response);
            }
        }
    });
});
