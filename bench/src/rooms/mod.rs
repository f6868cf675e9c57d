//! The rooms workloads: a seeded data set of public and private rooms ([`shape`],
//! [`seed`]), pulls of one of its users ([`pull`]), joining a room ([`join`]), targeted
//! pokes ([`poke`]), and the public rooms of `push --rooms` ([`public`]). They need a
//! server run with `auth = "jwt"`: without it every caller is one user.

pub mod commands;
pub mod expect;
pub mod join;
pub mod pgstats;
pub mod poke;
pub mod public;
pub mod pull;
pub mod seed;
pub mod shape;
