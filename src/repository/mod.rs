//! Repositories: the only code that touches `schema` and `models`.
//!
//! Every function takes `&mut DbConn`, so a service composes any sequence of calls
//! into one transaction.

mod client;
mod client_group;
mod member;
mod message;
mod rejected;
mod room;
mod server;

pub use client::ClientRepo;
pub use client_group::ClientGroupRepo;
pub use member::MemberRepo;
pub use message::MessageRepo;
pub use rejected::RejectedRepo;
pub use room::RoomRepo;
pub use server::ServerRepo;

/// Ids looked up per query. SQLite binds every id of an `IN` list as a variable and
/// refuses statements with more than 32,766 variables; a batch may name more.
const IDS_PER_QUERY: usize = 10_000;
