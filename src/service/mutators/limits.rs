//! Bounds on mutator arguments, with their defaults.

use serde::{Deserialize, Serialize};

/// Bounds on mutator arguments (lengths in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MutationLimits {
    /// Longest accepted message id.
    pub max_message_id_len: usize,
    /// Longest accepted `from`.
    pub max_sender_len: usize,
    /// Longest accepted `content`.
    pub max_content_len: usize,
}

impl Default for MutationLimits {
    fn default() -> Self {
        MutationLimits {
            max_message_id_len: 128,
            max_sender_len: 255,
            max_content_len: 10_000,
        }
    }
}
