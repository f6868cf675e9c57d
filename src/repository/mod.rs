//! Repositories: the only code that touches `schema` and `models`.
//!
//! Every function takes `&mut DbConn`, so a service composes any sequence of calls
//! into one transaction.

mod client;
mod client_group;
mod message;
mod server;

pub use client::ClientRepo;
pub use client_group::ClientGroupRepo;
pub use message::MessageRepo;
pub use server::ServerRepo;
