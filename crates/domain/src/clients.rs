//! App clients: CreateUserPoolClient, DescribeUserPoolClient,
//! ListUserPoolClients, UpdateUserPoolClient, DeleteUserPoolClient; the client
//! secret and SECRET_HASH.

use userpools_storage::ClientRow;

use crate::error::{DomainError, DomainResult};
use crate::model::{
    AppClient, ClientSecret, ExplicitAuthFlow, NewClientSecret, PreventUserExistenceErrors,
    TimeUnit, TokenValidityUnits, UserPool,
};
use crate::persist::{decode_page_token, documents_page, from_json, retry_on_conflict, to_json};
use crate::service::Service;
use crate::users::attribute_rights;
use crate::{random, srp};

/// Characters of client ids and generated secrets.
const LOWER_ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Settings of an app client.
#[derive(Debug, Clone, Default)]
pub struct ClientSettings {
    /// ClientName.
    pub name: String,
    /// ExplicitAuthFlows (None: the defaults).
    pub explicit_auth_flows: Option<Vec<ExplicitAuthFlow>>,
    /// PreventUserExistenceErrors (None: LEGACY).
    pub prevent_user_existence_errors: Option<PreventUserExistenceErrors>,
    /// EnableTokenRevocation (None: true).
    pub enable_token_revocation: Option<bool>,
    /// AuthSessionValidity minutes (None: 3).
    pub auth_session_validity_minutes: Option<u32>,
    /// AccessTokenValidity in its unit.
    pub access_token_validity: Option<u64>,
    /// IdTokenValidity in its unit.
    pub id_token_validity: Option<u64>,
    /// RefreshTokenValidity in its unit.
    pub refresh_token_validity: Option<u64>,
    /// TokenValidityUnits.
    pub units: TokenValidityUnits,
    /// Other members, echoed back.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A token validity in seconds: `value` in `unit`, or in `default_unit` when none was given.
fn to_seconds(value: u64, unit: Option<TimeUnit>, default_unit: TimeUnit) -> u64 {
    unit.unwrap_or(default_unit).to_seconds(value)
}

impl Service {
    fn client_secret_context(client_id: &str) -> Vec<u8> {
        format!("client-secret\0{client_id}").into_bytes()
    }

    /// The plain client secret of an app client, if it has one.
    pub fn client_secret(&self, client: &AppClient) -> DomainResult<Option<ClientSecret>> {
        client
            .sealed_secret
            .as_deref()
            .map(|sealed| {
                let plain = self
                    .master_key()
                    .open(&Self::client_secret_context(&client.client_id), sealed)?;
                String::from_utf8(plain)
                    .map(ClientSecret::new)
                    .map_err(|_| DomainError::Internal("bad secret".into()))
            })
            .transpose()
    }

    fn apply_client_settings(client: &mut AppClient, settings: ClientSettings) -> DomainResult<()> {
        let flows = settings
            .explicit_auth_flows
            .unwrap_or_else(|| ExplicitAuthFlow::DEFAULTS.to_vec());
        let legacy = flows.iter().filter(|f| f.is_legacy()).count();
        if legacy > 0 && legacy < flows.len() {
            return Err(DomainError::InvalidParameter(
                "Legacy auth flows (ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH) cannot be combined with ALLOW_* auth flows.".into(),
            ));
        }
        let units = settings.units;
        let access = to_seconds(
            settings.access_token_validity.unwrap_or(1),
            units.access_token,
            TimeUnit::Hours,
        );
        let id = to_seconds(
            settings.id_token_validity.unwrap_or(1),
            units.id_token,
            TimeUnit::Hours,
        );
        let refresh = match settings.refresh_token_validity {
            None | Some(0) => 30 * 86_400,
            Some(v) => to_seconds(v, units.refresh_token, TimeUnit::Days),
        };
        if !(300..=86_400).contains(&access) {
            return Err(DomainError::InvalidParameter(
                "Invalid range for token validity: AccessTokenValidity must be between 5 minutes and 1 day.".into(),
            ));
        }
        if !(300..=86_400).contains(&id) {
            return Err(DomainError::InvalidParameter(
                "Invalid range for token validity: IdTokenValidity must be between 5 minutes and 1 day.".into(),
            ));
        }
        if !(3_600..=315_360_000).contains(&refresh) {
            return Err(DomainError::InvalidParameter(
                "Invalid range for token validity: RefreshTokenValidity must be between 60 minutes and 10 years.".into(),
            ));
        }
        if refresh < access.max(id) {
            return Err(DomainError::InvalidParameter(
                "Invalid range for token validity: RefreshTokenValidity must be greater than AccessTokenValidity and IdTokenValidity.".into(),
            ));
        }
        client.name = settings.name;
        client.explicit_auth_flows = flows;
        client.prevent_user_existence_errors =
            settings.prevent_user_existence_errors.unwrap_or_default();
        client.enable_token_revocation = settings.enable_token_revocation.unwrap_or(true);
        client.auth_session_validity_minutes = settings.auth_session_validity_minutes.unwrap_or(3);
        client.access_token_validity_secs = access;
        client.id_token_validity_secs = id;
        client.refresh_token_validity_secs = refresh;
        client.extra = settings.extra;
        Ok(())
    }

    /// CreateUserPoolClient, with a client secret if `secret` asks for one.
    pub async fn create_client(
        &self,
        pool_id: &str,
        settings: ClientSettings,
        secret: Option<NewClientSecret>,
    ) -> DomainResult<AppClient> {
        let (pool, _) = self.load_pool(pool_id).await?;
        let now = self.now_ms();
        let mut client = AppClient {
            pool_id: pool_id.to_owned(),
            client_id: String::new(),
            name: String::new(),
            sealed_secret: None,
            explicit_auth_flows: Vec::new(),
            prevent_user_existence_errors: Default::default(),
            enable_token_revocation: true,
            auth_session_validity_minutes: 3,
            access_token_validity_secs: 3600,
            id_token_validity_secs: 3600,
            refresh_token_validity_secs: 30 * 86_400,
            created_ms: now,
            modified_ms: now,
            extra: Default::default(),
        };
        Self::apply_client_settings(&mut client, settings)?;
        attribute_rights::check_client_permissions(&pool, &client, true)?;
        // A conflict here means the random id is taken: draw another.
        let template = &client;
        let secret = &secret;
        retry_on_conflict("a new client id", move || {
            let mut client = template.clone();
            client.client_id = random::string(LOWER_ALNUM, 26);
            client.sealed_secret = secret.as_ref().map(|wanted| {
                let plain = match wanted {
                    NewClientSecret::Generate => random::string(LOWER_ALNUM, 51),
                    NewClientSecret::Given(given) => given.expose().to_owned(),
                };
                self.master_key().seal(
                    &Self::client_secret_context(&client.client_id),
                    plain.as_bytes(),
                )
            });
            async move {
                let row = ClientRow {
                    pool_id: client.pool_id.clone(),
                    client_id: client.client_id.clone(),
                    document: to_json(&client)?,
                    version: 0,
                };
                Ok(self.store().insert_client(row).await.map(|()| client))
            }
        })
        .await
    }

    async fn load_client(&self, pool_id: &str, client_id: &str) -> DomainResult<(AppClient, i64)> {
        self.load_pool(pool_id).await?;
        let row = self
            .store()
            .get_client(pool_id, client_id)
            .await?
            .ok_or_else(|| {
                DomainError::ResourceNotFound(format!(
                    "User pool client {client_id} does not exist."
                ))
            })?;
        Ok((from_json(&row.document)?, row.version))
    }

    /// DescribeUserPoolClient.
    pub async fn describe_client(&self, pool_id: &str, client_id: &str) -> DomainResult<AppClient> {
        Ok(self.load_client(pool_id, client_id).await?.0)
    }

    /// ListUserPoolClients.
    pub async fn list_clients(
        &self,
        pool_id: &str,
        limit: usize,
        token: Option<&str>,
    ) -> DomainResult<(Vec<AppClient>, Option<String>)> {
        self.load_pool(pool_id).await?;
        let after = decode_page_token(token)?;
        let page = self
            .store()
            .list_clients(pool_id, after.as_deref(), limit)
            .await?;
        documents_page(page, |r| &r.document)
    }

    /// UpdateUserPoolClient: the settings given replace the previous ones.
    pub async fn update_client(
        &self,
        pool_id: &str,
        client_id: &str,
        settings: ClientSettings,
    ) -> DomainResult<AppClient> {
        let settings = &settings;
        retry_on_conflict("the client", move || async move {
            let (mut client, version) = self.load_client(pool_id, client_id).await?;
            Self::apply_client_settings(&mut client, settings.clone())?;
            let (pool, _) = self.load_pool(pool_id).await?;
            attribute_rights::check_client_permissions(&pool, &client, false)?;
            client.modified_ms = self.now_ms();
            let row = ClientRow {
                pool_id: pool_id.to_owned(),
                client_id: client_id.to_owned(),
                document: to_json(&client)?,
                version,
            };
            Ok(self.store().update_client(row).await.map(|()| client))
        })
        .await
    }

    /// DeleteUserPoolClient.
    pub async fn delete_client(&self, pool_id: &str, client_id: &str) -> DomainResult<()> {
        self.load_client(pool_id, client_id).await?;
        self.store().delete_client(pool_id, client_id).await?;
        Ok(())
    }

    /// Finds the app client named by a sign-in call, with its pool.
    pub async fn client_by_id(&self, client_id: &str) -> DomainResult<(UserPool, AppClient)> {
        let row = self.store().find_client(client_id).await?.ok_or_else(|| {
            DomainError::ResourceNotFound(format!("User pool client {client_id} does not exist."))
        })?;
        let client: AppClient = from_json(&row.document)?;
        let (pool, _) = self.load_pool(&client.pool_id).await?;
        Ok((pool, client))
    }

    /// Checks SECRET_HASH for clients that have a secret.
    pub fn check_secret_hash(
        &self,
        client: &AppClient,
        username: &str,
        secret_hash: Option<&str>,
    ) -> DomainResult<()> {
        let Some(secret) = self.client_secret(client)? else {
            return Ok(());
        };
        let Some(given) = secret_hash else {
            return Err(DomainError::NotAuthorized(format!(
                "Client {} is configured for secret but secret was not received",
                client.client_id
            )));
        };
        if srp::verify_secret_hash(secret.expose(), username, &client.client_id, given) {
            Ok(())
        } else {
            Err(DomainError::NotAuthorized(format!(
                "Unable to verify secret hash for client {}",
                client.client_id
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_units() {
        assert_eq!(
            to_seconds(60, Some(TimeUnit::Minutes), TimeUnit::Hours),
            3600
        );
        assert_eq!(to_seconds(1, None, TimeUnit::Hours), 3600);
        assert_eq!(to_seconds(30, None, TimeUnit::Days), 2_592_000);
    }
}
