//! Wire types of the Replicache protocol v1, their decoding and encoding, and the
//! mapping from rows to view entries. DTOs derive no Diesel traits; field names are the
//! protocol's (`clientGroupID`, ...).

mod cookie;
mod lone_surrogates;
mod message_entry;
mod protocol_error;
mod pull;
mod push;
mod room_entry;
mod versioned;
mod view_entry;

pub use cookie::{smallest_cookie_above, RequestCookie};
pub use lone_surrogates::replace_lone_surrogates;
pub use message_entry::{message_entry, MESSAGE_KEY_PREFIX};
pub use protocol_error::{ProtocolError, VersionType};
pub use pull::{PatchSource, PullPayload, PullRequest};
pub use push::{Mutation, PushRequest};
pub use room_entry::{member_entry, member_key, rejection_entry, room_entry, room_key};
pub use versioned::{
    decode_request, encode_refusal, Versioned, VersionedRequest, PROTOCOL_VERSION,
};
pub use view_entry::{append_to_view, assemble_full_view, ViewEntry};
