//! SignUp through an app client.

use crate::error::{DomainError, DomainResult};
use crate::model::{User, UserStatus};
use crate::policy::PolicyMessagePrefix;
use crate::service::Service;
use crate::users::attribute_rights;

impl Service {
    /// SignUp through an app client: the user starts UNCONFIRMED.
    pub async fn sign_up(
        &self,
        client_id: &str,
        username: &str,
        password: &str,
        attributes: &[(String, String)],
        secret_hash: Option<&str>,
    ) -> DomainResult<User> {
        let (pool, client) = self.client_by_id(client_id).await?;
        self.check_secret_hash(&client, username, secret_hash)?;
        if pool.allow_admin_create_user_only {
            return Err(DomainError::NotAuthorized(
                "SignUp is not permitted for this user pool".into(),
            ));
        }
        attribute_rights::check_user_writes(
            &pool,
            &client,
            attributes.iter().map(|(n, _)| n.as_str()),
        )?;
        Self::check_new_password(
            &pool,
            password,
            "password",
            PolicyMessagePrefix::DidNotConformWith,
        )?;
        let mut user = self.new_user(&pool, username, attributes, UserStatus::Unconfirmed)?;
        Self::check_required(&pool, &user)?;
        user.credential = Some(self.seal_credential(&pool.id, &user.username, password));
        self.insert_user(&pool, &user, "User already exists")
            .await?;
        Ok(user)
    }
}
