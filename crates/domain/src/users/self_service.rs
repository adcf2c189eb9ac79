//! What a signed-in user does with an access token: GetUser,
//! UpdateUserAttributes, DeleteUserAttributes, DeleteUser. Attribute reads and
//! writes obey the token's app client ([`attribute_rights`]).

use super::attribute_rights;
use crate::auth::not_authorized;
use crate::error::{DomainError, DomainResult};
use crate::model::{AppClient, User, UserPool};
use crate::service::Service;

impl Service {
    /// The pool, user and app client of an access token. A token whose client
    /// has been deleted no longer authorises anything.
    async fn token_user_and_client(
        &self,
        access_token: &str,
    ) -> DomainResult<(UserPool, User, AppClient)> {
        let (pool, user, client_id) = self.authenticate_access_token(access_token).await?;
        match self.client_by_id(&client_id).await {
            Ok((_, client)) if client.pool_id == pool.id => Ok((pool, user, client)),
            Ok(_) | Err(DomainError::ResourceNotFound(_)) => {
                Err(not_authorized("Invalid Access Token"))
            }
            Err(e) => Err(e),
        }
    }

    /// GetUser: the user with the attributes the token's client may read.
    pub async fn get_user(&self, access_token: &str) -> DomainResult<User> {
        let (_, mut user, client) = self.token_user_and_client(access_token).await?;
        user.attributes = attribute_rights::readable(&client, &user.attributes);
        Ok(user)
    }

    /// UpdateUserAttributes with an access token.
    pub async fn update_user_attributes(
        &self,
        access_token: &str,
        attributes: &[(String, String)],
    ) -> DomainResult<()> {
        let (pool, user, client) = self.token_user_and_client(access_token).await?;
        attribute_rights::check_user_writes(
            &pool,
            &client,
            attributes.iter().map(|(name, _)| name.as_str()),
        )?;
        self.admin_update_user_attributes(&pool.id, &user.username, attributes)
            .await
    }

    /// DeleteUserAttributes with an access token.
    pub async fn delete_user_attributes(
        &self,
        access_token: &str,
        names: &[String],
    ) -> DomainResult<()> {
        let (pool, user, client) = self.token_user_and_client(access_token).await?;
        attribute_rights::check_user_writes(&pool, &client, names.iter().map(String::as_str))?;
        self.admin_delete_user_attributes(&pool.id, &user.username, names)
            .await
    }

    /// DeleteUser with an access token.
    pub async fn delete_user(&self, access_token: &str) -> DomainResult<()> {
        let (pool, user, _) = self.authenticate_access_token(access_token).await?;
        self.admin_delete_user(&pool.id, &user.username).await
    }
}
