//! Confirming a sign-up: the code SignUp sends, ConfirmSignUp and
//! ResendConfirmationCode, and what every client-side recovery call shares
//! (resolving the user behind `ClientId` + `Username`, simulated deliveries
//! under PreventUserExistenceErrors=ENABLED).

use userpools_storage::UserWrite;

use crate::codes::{install_code, CodePurpose};
use crate::delivery::{mask, Channel, CodeDelivery, Purpose};
use crate::error::{DomainError, DomainResult};
use crate::model::{AppClient, PreventUserExistenceErrors, User, UserPool, UserStatus};
use crate::service::Service;
use crate::users::LoadedUser;

/// `UserNotFoundException` of the client-side calls (LEGACY).
pub(crate) const NOT_FOUND: &str = "Username/client id combination not found.";
/// `NotAuthorizedException` for a disabled user.
pub(crate) const DISABLED: &str = "User is disabled.";

/// A client-side call's pool, client and the user it names (if any).
pub(crate) struct ClientSide {
    pub(crate) pool: UserPool,
    pub(crate) client: AppClient,
    pub(crate) user: Option<LoadedUser>,
}

impl ClientSide {
    /// PreventUserExistenceErrors=ENABLED on the client.
    pub(crate) fn hides_users(&self) -> bool {
        self.client.prevent_user_existence_errors == PreventUserExistenceErrors::Enabled
    }
}

/// Where a sign-up code goes: the phone when both contacts are auto-verified
/// and present, else whichever auto-verified contact the user has.
pub(crate) fn sign_up_channel(pool: &UserPool, user: &User) -> Option<Channel> {
    [Channel::Sms, Channel::Email].into_iter().find(|channel| {
        pool.auto_verified_attributes
            .iter()
            .any(|a| a == channel.attribute())
            && user.attribute(channel.attribute()).is_some()
    })
}

impl Service {
    /// Resolves `ClientId` (+ `SecretHash`) and the user `username` names.
    pub(crate) async fn client_side(
        &self,
        client_id: &str,
        username: &str,
        secret_hash: Option<&str>,
    ) -> DomainResult<ClientSide> {
        let (pool, client) = self.client_by_id(client_id).await?;
        self.check_secret_hash(&client, username, secret_hash)?;
        let user = self.find_user(&pool, username).await?;
        Ok(ClientSide { pool, client, user })
    }

    /// CodeDeliveryDetails for a user that does not exist (ENABLED): derived from
    /// what the caller typed, nothing sent.
    pub(crate) fn simulated_delivery(pool: &UserPool, username: &str) -> CodeDelivery {
        let phone_like = username.starts_with('+')
            && username.len() > 4
            && username[1..].bytes().all(|b| b.is_ascii_digit());
        let channel = if phone_like {
            Channel::Sms
        } else if username.contains('@') || !pool.auto_verified_attributes.is_empty() {
            if !username.contains('@') && pool.auto_verified_attributes[0] == "phone_number" {
                Channel::Sms
            } else {
                Channel::Email
            }
        } else {
            Channel::Email
        };
        let destination = match channel {
            Channel::Email if username.contains('@') => mask(channel, username),
            Channel::Email => mask(channel, &format!("{username}@{username}")),
            Channel::Sms if phone_like => mask(channel, username),
            Channel::Sms => "+*******0000".into(),
        };
        CodeDelivery {
            destination,
            channel,
            attribute: channel.attribute().into(),
        }
    }

    /// SignUp, then the confirmation code when AutoVerifiedAttributes asks for
    /// one. If the code cannot be delivered the new user is removed again and
    /// the call fails with CodeDeliveryFailureException.
    pub async fn sign_up_and_send_code(
        &self,
        client_id: &str,
        username: &str,
        password: &str,
        attributes: &[(String, String)],
        secret_hash: Option<&str>,
    ) -> DomainResult<(User, Option<CodeDelivery>)> {
        let user = self
            .sign_up(client_id, username, password, attributes, secret_hash)
            .await?;
        let (pool, _) = self.client_by_id(client_id).await?;
        let Some(channel) = sign_up_channel(&pool, &user) else {
            return Ok((user, None));
        };
        let (code, pending) =
            self.new_code(&pool.id, &user, CodePurpose::SignUp, channel.attribute());
        let (user, ()) = self
            .modify_user(&pool, &user.username, |u| {
                install_code(u, pending.clone());
                Ok(())
            })
            .await?;
        match self
            .send_code(&pool, &user, channel, Purpose::SignUp, &code)
            .await
        {
            Ok(delivery) => Ok((user, Some(delivery))),
            Err(error) => {
                if let Some(loaded) = self.find_user(&pool, &user.username).await? {
                    self.store()
                        .write_users(vec![UserWrite::Delete {
                            pool_id: pool.id.clone(),
                            username: loaded.user.username,
                            version: loaded.version,
                        }])
                        .await?;
                }
                Err(error)
            }
        }
    }

    /// ConfirmSignUp: the code makes the user CONFIRMED and the attribute it went
    /// to verified. With `force_alias_creation`, an alias held by another user
    /// moves to this one.
    pub async fn confirm_sign_up(
        &self,
        client_id: &str,
        username: &str,
        code: &str,
        secret_hash: Option<&str>,
        force_alias_creation: bool,
    ) -> DomainResult<()> {
        let side = self.client_side(client_id, username, secret_hash).await?;
        let Some(found) = &side.user else {
            return Err(if side.hides_users() {
                DomainError::CodeMismatch(crate::codes::MISMATCH.into())
            } else {
                DomainError::UserNotFound(NOT_FOUND.into())
            });
        };
        let pool = &side.pool;
        let name = found.user.username.clone();
        let attempt = || async {
            let (user, outcome) = self
                .modify_user(pool, &name, |user| {
                    if !user.enabled {
                        return Err(DomainError::NotAuthorized(DISABLED.into()));
                    }
                    if user.status != UserStatus::Unconfirmed {
                        return Err(DomainError::NotAuthorized(format!(
                            "User cannot be confirmed. Current status is {}",
                            user.status.as_str()
                        )));
                    }
                    let checked = self.check_code(&pool.id, user, CodePurpose::SignUp, None, code);
                    if let Ok(pending) = &checked {
                        user.status = UserStatus::Confirmed;
                        let verified = format!("{}_verified", pending.attribute);
                        user.set_attribute(&verified, Some("true"));
                    }
                    Ok(checked)
                })
                .await?;
            outcome.map(|_| user)
        };
        match attempt().await {
            Err(DomainError::AliasExists(_)) if force_alias_creation => {
                let mut confirmed = found.user.clone();
                let sent_to = found
                    .user
                    .codes
                    .iter()
                    .filter(|c| c.purpose == CodePurpose::SignUp);
                for pending in sent_to {
                    confirmed
                        .set_attribute(&format!("{}_verified", pending.attribute), Some("true"));
                }
                self.release_aliases(pool, &confirmed).await?;
                attempt().await.map(drop)
            }
            Err(DomainError::AliasExists(message)) => Err(DomainError::AliasExists(
                message.replace("with the given ", "with the "),
            )),
            other => other.map(drop),
        }
    }

    /// ResendConfirmationCode: a new sign-up code (the previous one stops working).
    pub async fn resend_confirmation_code(
        &self,
        client_id: &str,
        username: &str,
        secret_hash: Option<&str>,
    ) -> DomainResult<CodeDelivery> {
        let side = self.client_side(client_id, username, secret_hash).await?;
        let pool = &side.pool;
        let user = match &side.user {
            Some(found) if found.user.enabled => &found.user,
            _ if side.hides_users() => return Ok(Self::simulated_delivery(pool, username)),
            Some(_) => return Err(DomainError::NotAuthorized(DISABLED.into())),
            None => return Err(DomainError::UserNotFound(NOT_FOUND.into())),
        };
        if user.status != UserStatus::Unconfirmed {
            return Err(DomainError::InvalidParameter(
                "User is already confirmed.".into(),
            ));
        }
        let Some(channel) = sign_up_channel(pool, user) else {
            return Err(DomainError::InvalidParameter(
                "Cannot resend codes. Auto verification not turned on.".into(),
            ));
        };
        // Sent first, stored after: a failed delivery changes nothing.
        let (code, pending) =
            self.new_code(&pool.id, user, CodePurpose::SignUp, channel.attribute());
        let delivery = self
            .send_code(pool, user, channel, Purpose::ResendCode, &code)
            .await?;
        self.modify_user(pool, &user.username, |u| {
            install_code(u, pending.clone());
            Ok(())
        })
        .await?;
        Ok(delivery)
    }
}
