//! Users: how they are stored and found (this file), their attributes,
//! the administrator's operations, ListUsers, passwords and the
//! access-token-authorised operations (submodules).

mod admin;
pub(crate) mod attribute_rights;
mod attributes;
mod list;
mod passwords;
mod self_service;

use unicode_normalization::UnicodeNormalization;
use userpools_storage::{StoreError, UniqueKey, UserKey, UserRow, UserWrite};

use crate::error::{DomainError, DomainResult};
use crate::model::{User, UserPool};
use crate::persist::{from_json, retry_on_conflict, to_json};
use crate::service::Service;
use attributes::looks_like_uuid;

pub use passwords::PASSWORD_HISTORY_MESSAGE;

/// `value` in Unicode normalisation form C, so that composed and decomposed
/// spellings (`josé` as `e` + U+0301 or as U+00E9) name the same user.
pub(crate) fn nfc(value: &str) -> String {
    value.nfc().collect()
}

/// The lookup key of a username or alias value: NFC, then case-folded unless
/// the pool is case sensitive ([`UserPool::normalise`]).
fn lookup_key(pool: &UserPool, value: &str) -> String {
    pool.normalise(value)
}

/// A user as loaded, with the row version it was read at.
#[derive(Debug, Clone)]
pub(crate) struct LoadedUser {
    pub(crate) user: User,
    pub(crate) version: i64,
}

impl Service {
    /// The lookup keys a user occupies in its pool.
    pub(crate) fn user_row(
        &self,
        pool: &UserPool,
        user: &User,
        version: i64,
    ) -> DomainResult<UserRow> {
        let verified = |attr: &str| user.attribute(attr) == Some("true");
        let email_key = user.attribute("email").and_then(|email| {
            let active = pool.has_username_attribute("email")
                || (pool.has_alias("email") && verified("email_verified"));
            active.then(|| lookup_key(pool, email))
        });
        let phone_key = user.attribute("phone_number").and_then(|phone| {
            let active = pool.has_username_attribute("phone_number")
                || (pool.has_alias("phone_number") && verified("phone_number_verified"));
            active.then(|| nfc(phone))
        });
        let preferred_username_key = user
            .attribute("preferred_username")
            .filter(|_| pool.has_alias("preferred_username"))
            .map(|p| lookup_key(pool, p));
        Ok(UserRow {
            pool_id: pool.id.clone(),
            username: user.username.clone(),
            username_key: lookup_key(pool, &user.username),
            sub: user.sub().to_owned(),
            email_key,
            phone_key,
            preferred_username_key,
            document: to_json(user)?,
            version,
        })
    }

    /// Finds a user by username, alias, email/phone sign-in name or `sub`.
    pub(crate) async fn find_user(
        &self,
        pool: &UserPool,
        name: &str,
    ) -> DomainResult<Option<LoadedUser>> {
        let name = &nfc(name);
        let normalised = lookup_key(pool, name);
        let lower = name.to_lowercase();
        let mut keys = Vec::with_capacity(5);
        // A `sub` always names its own user, even when another user's
        // username has the same text (usernames created before that was refused).
        if looks_like_uuid(name) {
            keys.push(UserKey::Sub(&lower));
        }
        keys.push(UserKey::Username(&normalised));
        if pool.has_alias("email") || pool.has_username_attribute("email") {
            keys.push(UserKey::Email(&normalised));
        }
        if pool.has_alias("phone_number") || pool.has_username_attribute("phone_number") {
            keys.push(UserKey::Phone(name));
        }
        if pool.has_alias("preferred_username") {
            keys.push(UserKey::PreferredUsername(&normalised));
        }
        for key in keys {
            if let Some(row) = self.store().find_user(&pool.id, key).await? {
                return Ok(Some(LoadedUser {
                    user: from_json(&row.document)?,
                    version: row.version,
                }));
            }
        }
        Ok(None)
    }

    pub(crate) async fn require_user(
        &self,
        pool: &UserPool,
        name: &str,
    ) -> DomainResult<LoadedUser> {
        self.find_user(pool, name)
            .await?
            .ok_or_else(DomainError::user_not_found)
    }

    /// Runs `change` on the current user and stores the result, retrying on
    /// concurrent changes. `change` sees a fresh copy on every attempt.
    ///
    /// Writers of one user first queue on this node, then (on a shared store)
    /// across nodes through [`Store::lock_user`], so that a burst of calls on
    /// one user runs one after the other instead of retrying; the version
    /// check of the write still decides, and a conflict (another writer that
    /// named the user by an alias, a lock lost with its connection) is retried
    /// after a short jittered pause.
    pub(crate) async fn modify_user<R>(
        &self,
        pool: &UserPool,
        name: &str,
        change: impl FnMut(&mut User) -> DomainResult<R> + Send,
    ) -> DomainResult<(User, R)> {
        let key = lookup_key(pool, name);
        let _local = self.user_locks().lock(format!("{}/{key}", pool.id)).await;
        let _shared = match self.store().lock_user(&pool.id, &key).await {
            Ok(lock) => lock,
            Err(e) => {
                // Only an optimisation: go on optimistically.
                tracing::warn!(target: "userpools", error = %e, "user lock unavailable");
                userpools_storage::UserLock::none()
            }
        };
        // Each attempt's future borrows `change` in turn.
        let change = &std::sync::Mutex::new(change);
        retry_on_conflict("the user", move || async move {
            let LoadedUser { mut user, version } = self.require_user(pool, name).await?;
            let result = {
                let mut change = change.lock().unwrap_or_else(|p| p.into_inner());
                change(&mut user)?
            };
            user.modified_ms = self.now_ms();
            let row = self.user_row(pool, &user, version)?;
            match self.store().write_users(vec![UserWrite::Update(row)]).await {
                Err(StoreError::UniqueConflict(key)) => Err(alias_conflict(key)),
                written => Ok(written.map(|()| (user, result))),
            }
        })
        .await
    }

    pub(crate) async fn insert_user(
        &self,
        pool: &UserPool,
        user: &User,
        exists_message: &str,
    ) -> DomainResult<()> {
        // A username may not take the text of another user's `sub` (pools
        // with email or phone sign-in name users by their own `sub`: no lookup).
        if user.username != user.sub() && looks_like_uuid(&user.username) {
            let sub = user.username.to_lowercase();
            if self
                .store()
                .find_user(&pool.id, UserKey::Sub(&sub))
                .await?
                .is_some()
            {
                return Err(DomainError::UsernameExists(exists_message.into()));
            }
        }
        let row = self.user_row(pool, user, 0)?;
        match self.store().write_users(vec![UserWrite::Insert(row)]).await {
            Ok(()) => Ok(()),
            Err(StoreError::UniqueConflict(UniqueKey::Username)) => {
                Err(DomainError::UsernameExists(exists_message.into()))
            }
            Err(StoreError::UniqueConflict(key)) if pool.has_username_attribute(key.as_str()) => {
                Err(DomainError::UsernameExists(format!(
                    "An account with the given {} already exists.",
                    if key == UniqueKey::Email {
                        "email"
                    } else {
                        "phone_number"
                    }
                )))
            }
            Err(StoreError::UniqueConflict(key)) => Err(alias_conflict(key)),
            Err(e) => Err(e.into()),
        }
    }
}

fn alias_conflict(key: UniqueKey) -> DomainError {
    match key {
        UniqueKey::Email => {
            DomainError::AliasExists("An account with the given email already exists.".into())
        }
        UniqueKey::Phone => DomainError::AliasExists(
            "An account with the given phone_number already exists.".into(),
        ),
        UniqueKey::PreferredUsername => DomainError::AliasExists(
            "An account with the given preferred_username already exists.".into(),
        ),
        UniqueKey::Username => DomainError::UsernameExists("User already exists".into()),
        other => DomainError::Internal(format!("unexpected unique conflict on {other}")),
    }
}
