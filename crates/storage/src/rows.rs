//! Row mapping written once: the column lists the engines select, and the rows built
//! from a result row of either engine through [`Columns`].

use crate::{ClientRow, PoolRow, UserKey, UserRow};

/// The columns of a [`PoolRow`], in the order [`pool`] reads them.
pub(crate) const POOL_COLUMNS: &str = "pool_id, document, version";

/// The columns of a [`ClientRow`], in the order [`client`] reads them.
pub(crate) const CLIENT_COLUMNS: &str = "pool_id, client_id, document, version";

/// The columns of a [`UserRow`], in the order [`user`] reads them.
pub(crate) const USER_COLUMNS: &str = "pool_id, username, username_key, sub, email_key, phone_key, preferred_username_key, document, version";

/// A result row of one engine, read by column position.
pub(crate) trait Columns {
    /// The engine's error.
    type Error;
    /// A text column.
    fn text(&self, index: usize) -> Result<String, Self::Error>;
    /// An integer column.
    fn integer(&self, index: usize) -> Result<i64, Self::Error>;
    /// An optional alias key column, as the domain wrote it.
    fn alias_key(&self, index: usize) -> Result<Option<String>, Self::Error>;
}

/// A pool from [`POOL_COLUMNS`].
pub(crate) fn pool<R: Columns>(r: &R) -> Result<PoolRow, R::Error> {
    Ok(PoolRow {
        pool_id: r.text(0)?,
        document: r.text(1)?,
        version: r.integer(2)?,
    })
}

/// An app client from [`CLIENT_COLUMNS`].
pub(crate) fn client<R: Columns>(r: &R) -> Result<ClientRow, R::Error> {
    Ok(ClientRow {
        pool_id: r.text(0)?,
        client_id: r.text(1)?,
        document: r.text(2)?,
        version: r.integer(3)?,
    })
}

/// A user from [`USER_COLUMNS`].
pub(crate) fn user<R: Columns>(r: &R) -> Result<UserRow, R::Error> {
    Ok(UserRow {
        pool_id: r.text(0)?,
        username: r.text(1)?,
        username_key: r.text(2)?,
        sub: r.text(3)?,
        email_key: r.alias_key(4)?,
        phone_key: r.alias_key(5)?,
        preferred_username_key: r.alias_key(6)?,
        document: r.text(7)?,
        version: r.integer(8)?,
    })
}

/// The column a user lookup reads, and the value it looks for.
pub(crate) fn user_key_column(key: UserKey<'_>) -> (&'static str, &str) {
    match key {
        UserKey::Username(v) => ("username_key", v),
        UserKey::Sub(v) => ("sub", v),
        UserKey::Email(v) => ("email_key", v),
        UserKey::Phone(v) => ("phone_key", v),
        UserKey::PreferredUsername(v) => ("preferred_username_key", v),
    }
}
