//! The administrator's user operations: AdminCreateUser, AdminGetUser,
//! AdminDeleteUser, AdminUpdateUserAttributes, AdminDeleteUserAttributes,
//! AdminEnableUser/AdminDisableUser, AdminConfirmSignUp, and bulk seeding.

use userpools_storage::{StoreError, UserKey, UserWrite};

use crate::error::{DomainError, DomainResult};
use crate::model::{MessageAction, User, UserPool, UserStatus};
use crate::persist::{from_json, retry_on_conflict};
use crate::policy::PolicyMessagePrefix;
use crate::service::Service;

impl Service {
    /// AdminCreateUser: FORCE_CHANGE_PASSWORD with the given or a generated
    /// temporary password; `RESEND` renews an existing invitation.
    pub async fn admin_create_user(
        &self,
        pool_id: &str,
        username: &str,
        attributes: &[(String, String)],
        temporary_password: Option<&str>,
        message_action: Option<MessageAction>,
        force_alias_creation: bool,
    ) -> DomainResult<User> {
        let (pool, _) = self.load_pool(pool_id).await?;
        if let Some(password) = temporary_password {
            Self::check_new_password(
                &pool,
                password,
                "temporaryPassword",
                PolicyMessagePrefix::DoesNotConformTo,
            )?;
        }
        let password = temporary_password
            .map(str::to_owned)
            .unwrap_or_else(|| pool.policy.generate_temporary_password());
        if message_action == Some(MessageAction::Resend) {
            let (user, ()) = self
                .modify_user(&pool, username, |user| {
                    if user.status != UserStatus::ForceChangePassword {
                        return Err(DomainError::UnsupportedUserState(
                            "Resend not possible. User has already been confirmed.".into(),
                        ));
                    }
                    let credential = self.seal_credential(&pool.id, &user.username, &password);
                    user.credential = Some(credential);
                    user.temporary_password_expires_ms =
                        Some(self.temporary_password_expiry(&pool));
                    Ok(())
                })
                .await?;
            return Ok(user);
        }
        let mut user =
            self.new_user(&pool, username, attributes, UserStatus::ForceChangePassword)?;
        // Required attributes are not enforced here: the user supplies the
        // missing ones when answering NEW_PASSWORD_REQUIRED (requiredAttributes).
        user.credential = Some(self.seal_credential(&pool.id, &user.username, &password));
        user.temporary_password_expires_ms = Some(self.temporary_password_expiry(&pool));
        if force_alias_creation {
            self.release_aliases(&pool, &user).await?;
        }
        self.insert_user(&pool, &user, "User account already exists")
            .await?;
        Ok(user)
    }

    /// ForceAliasCreation: moves the aliases `user` will occupy away from
    /// their current owners (their email/phone become unverified).
    pub(crate) async fn release_aliases(&self, pool: &UserPool, user: &User) -> DomainResult<()> {
        let row = self.user_row(pool, user, 0)?;
        let taken = [
            (row.email_key.as_deref(), "email_verified", 0),
            (row.phone_key.as_deref(), "phone_number_verified", 1),
        ];
        for (key, verified_attribute, kind) in taken {
            let Some(key) = key else { continue };
            let lookup = if kind == 0 {
                UserKey::Email(key)
            } else {
                UserKey::Phone(key)
            };
            if let Some(owner) = self.store().find_user(&pool.id, lookup).await? {
                let mut other: User = from_json(&owner.document)?;
                other.set_attribute(verified_attribute, Some("false"));
                let other_row = self.user_row(pool, &other, owner.version)?;
                self.store()
                    .write_users(vec![UserWrite::Update(other_row)])
                    .await?;
            }
        }
        Ok(())
    }

    /// Creates the profile a federated sign-in would create: username
    /// `<provider>_<subject>`, status EXTERNAL_PROVIDER, no password, and the
    /// `identities` attribute. userpools has no identity-provider sign-in yet;
    /// this is how tests (and imports) obtain such users.
    pub async fn create_federated_user(
        &self,
        pool_id: &str,
        provider_name: &str,
        provider_subject: &str,
        attributes: &[(String, String)],
    ) -> DomainResult<User> {
        let (pool, _) = self.load_pool(pool_id).await?;
        if provider_name.is_empty() || provider_subject.is_empty() {
            return Err(DomainError::InvalidParameter(
                "ProviderName and ProviderUserId are required.".into(),
            ));
        }
        let username = format!("{provider_name}_{provider_subject}");
        let identities = serde_json::json!([{
            "userId": provider_subject,
            "providerName": provider_name,
            "providerType": provider_name,
            "issuer": null,
            "primary": true,
            "dateCreated": self.now_ms(),
        }]);
        Self::check_attributes(&pool, attributes, true)?;
        let mut user = User::new(
            username,
            uuid::Uuid::new_v4().to_string(),
            UserStatus::ExternalProvider,
            self.now_ms(),
        );
        for (name, value) in attributes {
            user.set_attribute(name, Some(value));
        }
        user.set_attribute("identities", Some(&identities.to_string()));
        self.insert_user(&pool, &user, "User already exists")
            .await?;
        Ok(user)
    }

    /// AdminGetUser.
    pub async fn admin_get_user(&self, pool_id: &str, username: &str) -> DomainResult<User> {
        let (pool, _) = self.load_pool(pool_id).await?;
        Ok(self.require_user(&pool, username).await?.user)
    }

    /// AdminDeleteUser.
    pub async fn admin_delete_user(&self, pool_id: &str, username: &str) -> DomainResult<()> {
        let (pool, _) = self.load_pool(pool_id).await?;
        let pool = &pool;
        retry_on_conflict("the user", move || async move {
            let loaded = self.require_user(pool, username).await?;
            let write = UserWrite::Delete {
                pool_id: pool.id.clone(),
                username: loaded.user.username.clone(),
                version: loaded.version,
            };
            Ok(self.store().write_users(vec![write]).await)
        })
        .await
    }

    /// AdminUpdateUserAttributes (email/phone changes are unverified unless the
    /// call also sets `*_verified`).
    pub async fn admin_update_user_attributes(
        &self,
        pool_id: &str,
        username: &str,
        attributes: &[(String, String)],
    ) -> DomainResult<()> {
        let (pool, _) = self.load_pool(pool_id).await?;
        Self::check_attributes(&pool, attributes, false)?;
        self.modify_user(&pool, username, |user| {
            for (name, value) in attributes {
                let changed = user.attribute(name) != Some(value.as_str());
                user.set_attribute(name, (!value.is_empty()).then_some(value.as_str()));
                let verified = match name.as_str() {
                    "email" => Some("email_verified"),
                    "phone_number" => Some("phone_number_verified"),
                    _ => None,
                };
                if let Some(verified) = verified {
                    let explicitly_set = attributes.iter().any(|(n, _)| n == verified);
                    if changed && !explicitly_set && user.attribute(verified).is_some() {
                        user.set_attribute(verified, Some("false"));
                    }
                    if pool.has_username_attribute(name) && value.is_empty() {
                        return Err(DomainError::InvalidParameter(format!(
                            "Cannot delete {name}: it is the user's sign-in name."
                        )));
                    }
                }
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// AdminDeleteUserAttributes.
    pub async fn admin_delete_user_attributes(
        &self,
        pool_id: &str,
        username: &str,
        names: &[String],
    ) -> DomainResult<()> {
        let (pool, _) = self.load_pool(pool_id).await?;
        for name in names {
            let Some(attribute) = pool.attribute(name) else {
                return Err(DomainError::InvalidParameter(format!(
                    "Attributes did not conform to the schema: {name}: Attribute does not exist in the schema."
                )));
            };
            if attribute.required || name == "sub" {
                return Err(DomainError::InvalidParameter(format!(
                    "Attributes did not conform to the schema: {name}: The attribute is required"
                )));
            }
            if !attribute.mutable {
                return Err(DomainError::InvalidParameter(format!(
                    "Cannot modify the non-mutable attribute {name}"
                )));
            }
            if pool.has_username_attribute(name) {
                return Err(DomainError::InvalidParameter(format!(
                    "Cannot delete {name}: it is the user's sign-in name."
                )));
            }
        }
        self.modify_user(&pool, username, |user| {
            for name in names {
                user.set_attribute(name, None);
            }
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// AdminEnableUser / AdminDisableUser.
    pub async fn admin_set_user_enabled(
        &self,
        pool_id: &str,
        username: &str,
        enabled: bool,
    ) -> DomainResult<()> {
        let (pool, _) = self.load_pool(pool_id).await?;
        self.modify_user(&pool, username, |user| {
            user.enabled = enabled;
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// AdminConfirmSignUp: UNCONFIRMED → CONFIRMED.
    pub async fn admin_confirm_sign_up(&self, pool_id: &str, username: &str) -> DomainResult<()> {
        let (pool, _) = self.load_pool(pool_id).await?;
        self.modify_user(&pool, username, |user| {
            if user.status != UserStatus::Unconfirmed {
                return Err(DomainError::NotAuthorized(format!(
                    "User cannot be confirmed. Current status is {}",
                    user.status.as_str()
                )));
            }
            user.status = UserStatus::Confirmed;
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// Bulk seeding (`userpools seed`, load tests, imports): creates CONFIRMED users named
    /// `usernames` with the permanent `password`, in one atomic write. Each user is exactly
    /// what AdminCreateUser (no attributes, SUPPRESS) followed by AdminSetUserPassword
    /// (Permanent) would leave; the password must satisfy the pool's policy.
    pub async fn seed_confirmed_users(
        &self,
        pool_id: &str,
        usernames: &[String],
        password: &str,
    ) -> DomainResult<()> {
        let (pool, _) = self.load_pool(pool_id).await?;
        Self::check_new_password(
            &pool,
            password,
            "password",
            PolicyMessagePrefix::DoesNotConformTo,
        )?;
        let mut writes = Vec::with_capacity(usernames.len());
        for name in usernames {
            let mut user = self.new_user(&pool, name, &[], UserStatus::Confirmed)?;
            Self::check_required(&pool, &user)?;
            user.credential = Some(self.seal_credential(&pool.id, &user.username, password));
            writes.push(UserWrite::Insert(self.user_row(&pool, &user, 0)?));
        }
        match self.store().write_users(writes).await {
            Ok(()) => Ok(()),
            Err(StoreError::UniqueConflict(_)) => Err(DomainError::UsernameExists(
                "User account already exists".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }
}
