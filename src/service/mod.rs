//! The service layer: the protocol's rules over repositories, each flow inside its own
//! transactions. Knows nothing of HTTP beyond returning [`crate::error::ApiError`].
//!
//! - `push/`: mutations under the lastMutationID rules (start at `push/mod.rs`);
//! - `pull/`: the client view since a cookie;
//! - `view/`: the kinds of entry the client view holds, and the full-view cache;
//! - `mutators/`: the chat's mutators, typed;
//! - `access.rs`: who may use a client group; `gc.rs`: server-side GC.

mod access;
mod gc;
mod mutators;
mod pull;
mod push;
mod settings;
mod view;

pub use gc::{GcReport, GcService, GcSettings};
pub use mutators::MutationLimits;
pub use pull::{PullOutcome, PullService};
pub use push::{PushAnswer, PushOutcome, PushReport, PushService};
pub use settings::{ProtocolSettings, PullStrategy};
