//! The typed vocabulary shared by every layer: ids, versions, mutation ids and the words
//! of rooms (visibility, role), each validated where it is parsed from the wire and
//! trusted when read back from the database, plus the limits of JavaScript numbers the
//! protocol lives within.
//!
//! Nothing here knows HTTP, configuration or the services; the types map onto SQL
//! columns (Diesel `Text` and `BigInt`) so that models and repositories use them too.

mod ids;
pub mod js_number;
mod room;
mod sql_newtype;
mod text;
mod version;

pub use ids::{ClientGroupId, ClientId, IdError, MessageId, RoomId, UserId, MAX_IDENTIFIER_BYTES};
pub use room::{Role, Visibility};
pub use text::{check_text, TextRule};
pub use version::{MutationId, Version};
