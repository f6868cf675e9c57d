//! Typed rows of each table (`Queryable`) and their insert structs (`Insertable`).
//! Models derive no serde: the wire format lives in `dto`.

mod client;
mod client_group;
mod message;
mod rejected_mutation;
mod room;
mod server;

pub use client::{Client, NewClient};
pub use client_group::{ClientGroup, NewClientGroup};
pub use message::{Message, NewMessage};
pub use rejected_mutation::{NewRejectedMutation, RejectedMutation};
pub use room::{NewRoom, NewRoomMember, Room, RoomMember};
pub use server::ServerState;
