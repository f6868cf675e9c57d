//! The integration-test binary: the HTTP API through Rocket's local client, each test
//! on SQLite and (with `REPLICHAT_TEST_PG`) on PostgreSQL.

mod support;

mod security;
mod smoke;
