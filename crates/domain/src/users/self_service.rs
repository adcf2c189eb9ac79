//! What a signed-in user does with an access token: GetUser,
//! UpdateUserAttributes, DeleteUser.

use crate::auth::not_authorized;
use crate::error::{DomainError, DomainResult};
use crate::model::User;
use crate::service::Service;

impl Service {
    /// GetUser.
    pub async fn get_user(&self, access_token: &str) -> DomainResult<User> {
        Ok(self.authenticate_access_token(access_token).await?.1)
    }

    /// UpdateUserAttributes with an access token.
    pub async fn update_user_attributes(
        &self,
        access_token: &str,
        attributes: &[(String, String)],
    ) -> DomainResult<()> {
        let (pool, user, client_id) = self.authenticate_access_token(access_token).await?;
        if let Ok((_, client)) = self.client_by_id(&client_id).await {
            if let Some(allowed) = client.attribute_permissions("WriteAttributes") {
                if attributes.iter().any(|(name, _)| !allowed.contains(name)) {
                    return Err(not_authorized(
                        "A client attempted to write unauthorized attribute",
                    ));
                }
            }
        }
        for (name, _) in attributes {
            if name.ends_with("_verified") {
                return Err(DomainError::InvalidParameter(format!(
                    "Cannot modify the non-mutable attribute {name}"
                )));
            }
        }
        self.admin_update_user_attributes(&pool.id, &user.username, attributes)
            .await
    }

    /// DeleteUser with an access token.
    pub async fn delete_user(&self, access_token: &str) -> DomainResult<()> {
        let (pool, user, _) = self.authenticate_access_token(access_token).await?;
        self.admin_delete_user(&pool.id, &user.username).await
    }
}
