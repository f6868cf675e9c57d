//! Typed rows of each table (`Queryable`) and their insert structs (`Insertable`).
//! Models derive no serde: the wire format lives in `dto`.

mod client;
mod client_group;
mod message;
mod server;

pub use client::{Client, NewClient};
pub use client_group::{ClientGroup, NewClientGroup};
pub use message::{Message, NewMessage};
pub use server::ServerState;
