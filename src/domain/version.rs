//! Global versions (the cookie) and per-client mutation ids.

use super::sql_newtype::sql_newtype;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares a newtype over an `i64` stored as `BIGINT` and sent as a JSON number.
macro_rules! int_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            diesel::expression::AsExpression, diesel::deserialize::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = BigInt)]
        pub struct $name(i64);

        impl $name {
            /// The number, as the wire and the database carry it.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        sql_newtype!($name, i64, i64, BigInt);
    };
}

int_newtype!(
    /// The global version: a counter every committed push advances. Rows carry the
    /// version of their last write; a pull's cookie is the version its snapshot was
    /// read at.
    Version
);

impl Version {
    /// Below every version a row or cookie can carry: "everything".
    pub const BEFORE_ALL: Version = Version(i64::MIN);

    /// A version known to be one the server issued or may issue (read from storage, or
    /// a request cookie already checked to be a safe non-negative integer).
    pub fn new(value: i64) -> Self {
        Version(value)
    }
}

int_newtype!(
    /// A client's mutation id: consecutive from 1 per client; the server stores the
    /// last one it applied (the client's lastMutationID, 0 before the first).
    MutationId
);

impl MutationId {
    /// The lastMutationID of a client the server has not seen.
    pub const NONE: MutationId = MutationId(0);

    /// The id that must follow this one.
    pub fn next(self) -> MutationId {
        MutationId(self.0.saturating_add(1))
    }
}
