//! The Cognito user pools domain: pools, app clients, users and their
//! statuses, the password policy and history, SRP and sealed credentials.
//!
//! No HTTP and no SQL here: the server layer translates wire shapes into the
//! calls of [`service::Service`], and persistence goes through
//! [`userpools_storage::Store`]. All time comes from an injected [`clock::Clock`].

pub mod auth;
pub mod clients;
pub mod clock;
pub mod codes;
mod confirmation;
pub mod delivery;
pub mod error;
pub mod groups;
mod locks;
pub mod messages;
pub mod model;
mod persist;
pub mod policy;
pub mod pools;
pub mod random;
mod recovery;
pub mod seal;
pub mod service;
mod sign_up;
pub mod srp;
pub mod tokens;
pub mod users;

pub use error::{DomainError, DomainResult};
