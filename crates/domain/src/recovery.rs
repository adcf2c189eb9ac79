//! Forgotten passwords: ForgotPassword, ConfirmForgotPassword and
//! AdminResetUserPassword. The code goes to the first verified contact the
//! pool's AccountRecoverySetting allows (legacy order: phone, then email).

use crate::codes::{install_code, CodePurpose};
use crate::confirmation::{DISABLED, NOT_FOUND};
use crate::delivery::{Channel, CodeDelivery, Purpose};
use crate::error::{DomainError, DomainResult};
use crate::model::{User, UserPool, UserStatus};
use crate::policy::PolicyMessagePrefix;
use crate::service::Service;

/// InvalidParameterException when the user has no verified contact.
const NO_VERIFIED_CONTACT: &str =
    "Cannot reset password for the user as there is no registered/verified email or phone_number";
/// NotAuthorizedException for users whose status cannot be reset.
const CANNOT_RESET: &str = "User password cannot be reset in the current state.";
/// NotAuthorizedException when recovery is `admin_only`.
const ADMIN_ONLY: &str = "Contact administrator to reset password.";

/// Where a reset code may go.
enum Recovery {
    /// This channel.
    To(Channel),
    /// No verified contact the pool allows.
    Nowhere,
    /// AccountRecoverySetting is `admin_only`.
    AdminOnly,
}

/// The pool's recovery mechanisms by priority (`verified_email`, …), if set.
fn recovery_mechanisms(pool: &UserPool) -> Option<Vec<String>> {
    let list = pool
        .extra
        .get("AccountRecoverySetting")?
        .get("RecoveryMechanisms")?
        .as_array()?;
    let mut named: Vec<(i64, String)> = list
        .iter()
        .filter_map(|m| {
            Some((
                m.get("Priority")?.as_i64().unwrap_or(0),
                m.get("Name")?.as_str()?.to_owned(),
            ))
        })
        .collect();
    named.sort();
    Some(named.into_iter().map(|(_, name)| name).collect())
}

/// Where `user`'s reset code goes in `pool`.
fn recovery(pool: &UserPool, user: &User, admin: bool) -> Recovery {
    let verified = |channel: Channel| {
        user.attribute(channel.attribute()).is_some()
            && user.attribute(&format!("{}_verified", channel.attribute())) == Some("true")
    };
    let legacy = || vec![Channel::Sms, Channel::Email];
    let order = match recovery_mechanisms(pool) {
        Some(names) if names.iter().any(|n| n == "admin_only") => {
            if !admin {
                return Recovery::AdminOnly;
            }
            legacy()
        }
        Some(names) => names
            .iter()
            .filter_map(|n| match n.as_str() {
                "verified_email" => Some(Channel::Email),
                "verified_phone_number" => Some(Channel::Sms),
                _ => None,
            })
            .collect(),
        None => legacy(),
    };
    order
        .into_iter()
        .find(|c| verified(*c))
        .map_or(Recovery::Nowhere, Recovery::To)
}

impl Service {
    /// ForgotPassword: sends a reset code (valid one hour) to the user's verified contact.
    pub async fn forgot_password(
        &self,
        client_id: &str,
        username: &str,
        secret_hash: Option<&str>,
    ) -> DomainResult<CodeDelivery> {
        let side = self.client_side(client_id, username, secret_hash).await?;
        let pool = &side.pool;
        let hide = side.hides_users();
        let user = match &side.user {
            Some(found) if found.user.enabled => &found.user,
            _ if hide => return Ok(Self::simulated_delivery(pool, username)),
            Some(_) => return Err(DomainError::NotAuthorized(DISABLED.into())),
            None => return Err(DomainError::UserNotFound(NOT_FOUND.into())),
        };
        if matches!(
            user.status,
            UserStatus::ForceChangePassword | UserStatus::ExternalProvider
        ) {
            return Err(DomainError::NotAuthorized(CANNOT_RESET.into()));
        }
        let channel = match recovery(pool, user, false) {
            Recovery::To(channel) => channel,
            Recovery::AdminOnly => return Err(DomainError::NotAuthorized(ADMIN_ONLY.into())),
            Recovery::Nowhere if hide => return Ok(Self::simulated_delivery(pool, username)),
            Recovery::Nowhere => {
                return Err(DomainError::InvalidParameter(NO_VERIFIED_CONTACT.into()))
            }
        };
        self.send_reset_code(pool, user, channel, |_| Ok(())).await
    }

    /// Sends a reset code, then stores it with `change` (a failed delivery stores nothing).
    async fn send_reset_code(
        &self,
        pool: &UserPool,
        user: &User,
        channel: Channel,
        change: impl Fn(&mut User) -> DomainResult<()> + Send + Sync,
    ) -> DomainResult<CodeDelivery> {
        let (code, pending) = self.new_code(
            &pool.id,
            user,
            CodePurpose::ResetPassword,
            channel.attribute(),
        );
        let delivery = self
            .send_code(pool, user, channel, Purpose::ForgotPassword, &code)
            .await?;
        self.modify_user(pool, &user.username, |u| {
            change(u)?;
            install_code(u, pending.clone());
            Ok(())
        })
        .await?;
        Ok(delivery)
    }

    /// ConfirmForgotPassword: the reset code and a new password (policy and history
    /// apply). The user becomes CONFIRMED and every refresh token is revoked.
    pub async fn confirm_forgot_password(
        &self,
        client_id: &str,
        username: &str,
        code: &str,
        password: &str,
        secret_hash: Option<&str>,
    ) -> DomainResult<()> {
        let side = self.client_side(client_id, username, secret_hash).await?;
        let pool = &side.pool;
        let mismatch = || DomainError::CodeMismatch(crate::codes::MISMATCH.into());
        let found = match &side.user {
            Some(found) if found.user.enabled => found,
            _ if side.hides_users() => return Err(mismatch()),
            Some(_) => return Err(DomainError::NotAuthorized(DISABLED.into())),
            None => return Err(DomainError::UserNotFound(NOT_FOUND.into())),
        };
        let mut sealed: Option<(String, String)> = None;
        let (_, outcome) = self
            .modify_user(pool, &found.user.username, |user| {
                let mut checked = user.clone();
                if let Err(e) = self.check_code(
                    &pool.id,
                    &mut checked,
                    CodePurpose::ResetPassword,
                    None,
                    code,
                ) {
                    // The miss is counted; nothing else changes.
                    *user = checked;
                    return Ok(Err(e));
                }
                // Only a valid code reaches the password rules; a refused
                // password leaves the code usable.
                Self::check_new_password(
                    pool,
                    password,
                    "password",
                    PolicyMessagePrefix::DoesNotConformTo,
                )?;
                let credential = match &sealed {
                    Some((owner, credential)) if *owner == user.username => credential.clone(),
                    _ => {
                        let credential = self.seal_credential(&pool.id, &user.username, password);
                        sealed = Some((user.username.clone(), credential.clone()));
                        credential
                    }
                };
                *user = checked;
                self.apply_password(pool, user, &credential, password, true)?;
                user.sessions.clear();
                user.failed_sign_ins = 0;
                user.locked_until_ms = 0;
                Ok(Ok(()))
            })
            .await?;
        outcome
    }

    /// AdminResetUserPassword: RESET_REQUIRED (sign-in answers
    /// PasswordResetRequiredException) and a reset code to the user.
    pub async fn admin_reset_user_password(
        &self,
        pool_id: &str,
        username: &str,
    ) -> DomainResult<()> {
        let (pool, _) = self.load_pool(pool_id).await?;
        let user = self.require_user(&pool, username).await?.user;
        if !user.enabled {
            return Err(DomainError::NotAuthorized(DISABLED.into()));
        }
        if !matches!(
            user.status,
            UserStatus::Confirmed | UserStatus::ResetRequired
        ) {
            return Err(DomainError::NotAuthorized(CANNOT_RESET.into()));
        }
        let Recovery::To(channel) = recovery(&pool, &user, true) else {
            return Err(DomainError::InvalidParameter(NO_VERIFIED_CONTACT.into()));
        };
        self.send_reset_code(&pool, &user, channel, |u| {
            u.status = UserStatus::ResetRequired;
            Ok(())
        })
        .await?;
        Ok(())
    }
}
