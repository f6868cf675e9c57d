//! Sequences of near-valid push and pull requests through the HTTP layer, from an
//! empty database, on both pull strategies; see `replichat_fuzz::session`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use replichat_fuzz::app::App;
use replichat_fuzz::session::{Runner, Session};

fuzz_target!(|session: Session| {
    App::with(|app| {
        app.reset();
        Runner::new(app).run(&session);
    });
});
