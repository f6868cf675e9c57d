//! The integration-test binary: the HTTP API through Rocket's local client, each test
//! on SQLite and (with `REPLICHAT_TEST_PG`) on PostgreSQL. Test names carry the number
//! of the conformance-checklist item (docs/protocol.md §13) they cover. `processes` runs the built
//! server binary instead: several replicas, crashes, shutdown and database faults.

mod support;

mod concurrency;
mod defaults;
mod edge;
mod interleaving;
mod model;
mod poke;
mod processes;
mod protocol;
mod pull;
mod push;
mod push_safety;
mod robustness;
mod rooms;
mod rooms_poke;
mod rooms_races;
mod security;
mod strategies;
