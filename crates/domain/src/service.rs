//! The operations of the service, in domain terms. The server layer decodes
//! wire shapes into these calls and encodes their results.

use std::sync::Arc;

use userpools_storage::{
    ClientRow, PoolRow, Store, StoreError, UniqueKey, UserKey, UserRow, UserWrite,
};

use crate::clock::Clock;
use crate::error::{DomainError, DomainResult};
use crate::model::{AppClient, SchemaAttribute, User, UserPool, UserStatus};
use crate::policy::{check_password_edges, PasswordPolicy, PolicyMessagePrefix};
use crate::seal::MasterKey;
use crate::{random, srp};

/// How many times an optimistic write is retried after a concurrent change.
const WRITE_ATTEMPTS: usize = 64;

/// Message of PasswordHistoryPolicyViolationException.
pub const PASSWORD_HISTORY_MESSAGE: &str =
    "The password does not meet password history requirements.";

/// Settings of a new user pool (CreateUserPool) or the full new settings of UpdateUserPool.
#[derive(Debug, Clone, Default)]
pub struct PoolSettings {
    /// PoolName.
    pub name: String,
    /// Policies.PasswordPolicy (None: the default policy).
    pub policy: Option<PasswordPolicy>,
    /// AliasAttributes.
    pub alias_attributes: Vec<String>,
    /// UsernameAttributes.
    pub username_attributes: Vec<String>,
    /// UsernameConfiguration.CaseSensitive (None: true).
    pub case_sensitive: Option<bool>,
    /// Schema.
    pub schema: Vec<SchemaAttribute>,
    /// AdminCreateUserConfig.AllowAdminCreateUserOnly.
    pub allow_admin_create_user_only: bool,
    /// AdminCreateUserConfig.UnusedAccountValidityDays.
    pub unused_account_validity_days: Option<u32>,
    /// UserPoolTier (None: ESSENTIALS).
    pub tier: Option<String>,
    /// DeletionProtection == ACTIVE.
    pub deletion_protection: bool,
    /// AutoVerifiedAttributes.
    pub auto_verified_attributes: Vec<String>,
    /// Other members, echoed back.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Settings of an app client.
#[derive(Debug, Clone, Default)]
pub struct ClientSettings {
    /// ClientName.
    pub name: String,
    /// ExplicitAuthFlows (None: the defaults).
    pub explicit_auth_flows: Option<Vec<String>>,
    /// PreventUserExistenceErrors (None: LEGACY).
    pub prevent_user_existence_errors: Option<String>,
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
    /// TokenValidityUnits (access, id, refresh); None: hours, hours, days.
    pub units: (Option<String>, Option<String>, Option<String>),
    /// Other members, echoed back.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A user as loaded, with the row version it was read at.
#[derive(Debug, Clone)]
pub(crate) struct LoadedUser {
    pub(crate) user: User,
    pub(crate) version: i64,
}

/// The service: domain operations over a store, a clock and the master key.
pub struct Service {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    /// Real time, for what clients stamp with their own clock (SRP TIMESTAMP).
    pub(crate) wall_clock: Arc<dyn Clock>,
    pub(crate) master_key: Arc<MasterKey>,
    region: String,
    account_id: String,
    pub(crate) issuer_base_url: String,
    pub(crate) signing_keys:
        std::sync::RwLock<std::collections::HashMap<String, Arc<crate::tokens::PoolSigningKeys>>>,
    /// Writers of one user on this node queue here (see [`Service::modify_user`]).
    user_locks: crate::locks::KeyedLocks,
}

/// Deployment settings of the service.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Region of the pools (`us-east-1`).
    pub region: String,
    /// Account id owning the pools.
    pub account_id: String,
    /// Base of token issuers: `iss` = `<base>/<poolId>`.
    pub issuer_base_url: String,
}

const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const LOWER_ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// Encodes a continuation key as an opaque pagination token.
fn encode_token(key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.as_bytes())
}

/// Decodes a pagination token; a malformed one is the caller's error.
fn decode_token(token: Option<&str>) -> DomainResult<Option<String>> {
    use base64::Engine;
    token
        .map(|t| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| DomainError::InvalidParameter("Invalid pagination token.".into()))
        })
        .transpose()
}

fn looks_like_email(value: &str) -> bool {
    let mut parts = value.splitn(2, '@');
    matches!((parts.next(), parts.next()), (Some(a), Some(b)) if !a.is_empty() && !b.is_empty())
}

fn looks_like_phone(value: &str) -> bool {
    value.len() > 2 && value.starts_with('+') && value[1..].chars().all(|c| c.is_ascii_digit())
}

fn looks_like_uuid(value: &str) -> bool {
    uuid::Uuid::parse_str(value).is_ok() && value.len() == 36
}

fn to_seconds(value: u64, unit: Option<&str>, default_unit: &str) -> u64 {
    match unit.unwrap_or(default_unit) {
        "seconds" => value,
        "minutes" => value * 60,
        "hours" => value * 3600,
        _ => value * 86_400,
    }
}

/// A parsed ListUsers filter: `attribute = "value"` or `attribute ^= "value"`.
#[derive(Debug, Clone, PartialEq)]
struct UserFilter {
    attribute: String,
    prefix: bool,
    value: String,
}

const FILTERABLE: &[&str] = &[
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
];

fn parse_filter(text: &str) -> DomainResult<Option<UserFilter>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || DomainError::InvalidParameter("Error while parsing filter.".into());
    let name_end = text
        .find(|c: char| c.is_whitespace() || c == '=' || c == '^')
        .ok_or_else(bad)?;
    let attribute = &text[..name_end];
    let rest = text[name_end..].trim_start();
    let (prefix, rest) = if let Some(r) = rest.strip_prefix("^=") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix('=') {
        (false, r)
    } else {
        return Err(bad());
    };
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .ok_or_else(bad)?;
    let mut value = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => value.push(chars.next().ok_or_else(bad)?),
            '"' => return Err(bad()),
            c => value.push(c),
        }
    }
    if !FILTERABLE.contains(&attribute) {
        return Err(DomainError::InvalidParameter(format!(
            "Invalid search attribute: {attribute}"
        )));
    }
    Ok(Some(UserFilter {
        attribute: attribute.to_owned(),
        prefix,
        value,
    }))
}

impl UserFilter {
    fn matches(&self, user: &User) -> bool {
        let actual = match self.attribute.as_str() {
            "username" => Some(user.username.as_str()),
            "cognito:user_status" => Some(user.status.as_str()),
            "status" => Some(if user.enabled { "Enabled" } else { "Disabled" }),
            other => user.attribute(other),
        };
        // Status values match whatever their case (`confirmed`, `enabled`).
        let fold = matches!(self.attribute.as_str(), "cognito:user_status" | "status");
        let (actual, wanted) = match actual {
            Some(actual) if fold => (actual.to_lowercase(), self.value.to_lowercase()),
            Some(actual) => (actual.to_owned(), self.value.clone()),
            None => return false,
        };
        if self.prefix {
            actual.starts_with(&wanted)
        } else {
            actual == wanted
        }
    }
}

impl Service {
    /// Builds the service.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        master_key: Arc<MasterKey>,
        config: ServiceConfig,
    ) -> Self {
        Self {
            store,
            clock,
            wall_clock: Arc::new(crate::clock::SystemClock),
            master_key,
            region: config.region,
            account_id: config.account_id,
            issuer_base_url: config.issuer_base_url.trim_end_matches('/').to_owned(),
            signing_keys: Default::default(),
            user_locks: Default::default(),
        }
    }

    /// The service clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The region the service runs in.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The account id owning every pool.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    // ----- pools -------------------------------------------------------------

    fn validate_pool_settings(settings: &PoolSettings) -> DomainResult<()> {
        if !settings.alias_attributes.is_empty() && !settings.username_attributes.is_empty() {
            return Err(DomainError::InvalidParameter(
                "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool."
                    .into(),
            ));
        }
        if let Some(policy) = &settings.policy {
            if policy.password_history_size > 0 && settings.tier.as_deref() == Some("LITE") {
                return Err(DomainError::FeatureUnavailableInTier(
                    "Password history is not available in the LITE tier. Upgrade the user pool to the ESSENTIALS or PLUS tier.".into(),
                ));
            }
        }
        let mut names = std::collections::HashSet::new();
        for attribute in &settings.schema {
            if !names.insert(attribute.name.as_str()) {
                return Err(DomainError::InvalidParameter(format!(
                    "Existing attribute already has name {}.",
                    attribute.name.trim_start_matches("custom:")
                )));
            }
            if attribute.name.starts_with("custom:") && attribute.required {
                return Err(DomainError::InvalidParameter(format!(
                    "Required custom attributes are not supported currently. Attribute: {}",
                    attribute.name
                )));
            }
        }
        Ok(())
    }

    /// CreateUserPool.
    pub async fn create_pool(&self, settings: PoolSettings) -> DomainResult<UserPool> {
        Self::validate_pool_settings(&settings)?;
        let now = self.clock.now_millis();
        let mut pool = UserPool {
            id: String::new(),
            name: settings.name,
            created_ms: now,
            modified_ms: now,
            policy: settings.policy.unwrap_or_default(),
            alias_attributes: settings.alias_attributes,
            username_attributes: settings.username_attributes,
            case_sensitive: settings.case_sensitive.unwrap_or(true),
            schema: settings.schema,
            allow_admin_create_user_only: settings.allow_admin_create_user_only,
            unused_account_validity_days: settings.unused_account_validity_days,
            tier: settings.tier.unwrap_or_else(|| "ESSENTIALS".into()),
            deletion_protection: settings.deletion_protection,
            auto_verified_attributes: settings.auto_verified_attributes,
            extra: settings.extra,
        };
        for _ in 0..WRITE_ATTEMPTS {
            pool.id = format!("{}_{}", self.region, random::string(ALNUM, 9));
            let row = PoolRow {
                pool_id: pool.id.clone(),
                document: to_json(&pool)?,
                version: 0,
            };
            match self.store.insert_pool(row).await {
                Ok(()) => return Ok(pool),
                Err(StoreError::UniqueConflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Internal("could not allocate a pool id".into()))
    }

    pub(crate) async fn load_pool(&self, pool_id: &str) -> DomainResult<(UserPool, i64)> {
        let row = self
            .store
            .get_pool(pool_id)
            .await?
            .ok_or_else(|| DomainError::pool_not_found(pool_id))?;
        Ok((from_json(&row.document)?, row.version))
    }

    /// DescribeUserPool.
    pub async fn describe_pool(&self, pool_id: &str) -> DomainResult<UserPool> {
        Ok(self.load_pool(pool_id).await?.0)
    }

    /// ListUserPools: pools ordered by id.
    pub async fn list_pools(
        &self,
        limit: usize,
        token: Option<&str>,
    ) -> DomainResult<(Vec<UserPool>, Option<String>)> {
        let after = decode_token(token)?;
        let page = self.store.list_pools(after.as_deref(), limit).await?;
        let pools = page
            .items
            .iter()
            .map(|r| from_json(&r.document))
            .collect::<DomainResult<Vec<UserPool>>>()?;
        Ok((pools, page.next.as_deref().map(encode_token)))
    }

    /// UpdateUserPool: the settings given replace the mutable ones; what cannot
    /// change after creation (aliases, username attributes, schema, case
    /// sensitivity) is kept.
    pub async fn update_pool(&self, pool_id: &str, settings: PoolSettings) -> DomainResult<()> {
        for _ in 0..WRITE_ATTEMPTS {
            let (mut pool, version) = self.load_pool(pool_id).await?;
            let tier = settings.tier.clone().unwrap_or_else(|| pool.tier.clone());
            let check = PoolSettings {
                tier: Some(tier.clone()),
                alias_attributes: pool.alias_attributes.clone(),
                username_attributes: pool.username_attributes.clone(),
                schema: Vec::new(),
                ..settings.clone()
            };
            Self::validate_pool_settings(&check)?;
            if !settings.name.is_empty() {
                pool.name = settings.name.clone();
            }
            pool.policy = settings.policy.clone().unwrap_or_default();
            pool.allow_admin_create_user_only = settings.allow_admin_create_user_only;
            pool.unused_account_validity_days = settings.unused_account_validity_days;
            pool.tier = tier;
            pool.deletion_protection = settings.deletion_protection;
            pool.auto_verified_attributes = settings.auto_verified_attributes.clone();
            pool.extra = settings.extra.clone();
            pool.modified_ms = self.clock.now_millis();
            let row = PoolRow {
                pool_id: pool.id.clone(),
                document: to_json(&pool)?,
                version,
            };
            match self.store.update_pool(row).await {
                Ok(()) => return Ok(()),
                Err(StoreError::VersionConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Internal(
            "too much contention on the pool".into(),
        ))
    }

    /// DeleteUserPool (refused while deletion protection is active).
    pub async fn delete_pool(&self, pool_id: &str) -> DomainResult<()> {
        let (pool, _) = self.load_pool(pool_id).await?;
        if pool.deletion_protection {
            return Err(DomainError::InvalidParameter(
                "The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.".into(),
            ));
        }
        if !self.store.delete_pool(pool_id).await? {
            return Err(DomainError::pool_not_found(pool_id));
        }
        Ok(())
    }

    // ----- app clients ---------------------------------------------------------

    fn client_secret_context(client_id: &str) -> Vec<u8> {
        format!("client-secret\0{client_id}").into_bytes()
    }

    /// The plain client secret of an app client, if it has one.
    pub fn client_secret(&self, client: &AppClient) -> DomainResult<Option<String>> {
        client
            .sealed_secret
            .as_deref()
            .map(|sealed| {
                let plain = self
                    .master_key
                    .open(&Self::client_secret_context(&client.client_id), sealed)?;
                String::from_utf8(plain).map_err(|_| DomainError::Internal("bad secret".into()))
            })
            .transpose()
    }

    fn apply_client_settings(client: &mut AppClient, settings: ClientSettings) -> DomainResult<()> {
        const LEGACY: &[&str] = &[
            "ADMIN_NO_SRP_AUTH",
            "CUSTOM_AUTH_FLOW_ONLY",
            "USER_PASSWORD_AUTH",
        ];
        let flows = settings.explicit_auth_flows.unwrap_or_else(|| {
            vec![
                "ALLOW_REFRESH_TOKEN_AUTH".into(),
                "ALLOW_USER_SRP_AUTH".into(),
                "ALLOW_CUSTOM_AUTH".into(),
            ]
        });
        let legacy = flows
            .iter()
            .filter(|f| LEGACY.contains(&f.as_str()))
            .count();
        if legacy > 0 && legacy < flows.len() {
            return Err(DomainError::InvalidParameter(
                "Legacy auth flows (ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH) cannot be combined with ALLOW_* auth flows.".into(),
            ));
        }
        let (access_unit, id_unit, refresh_unit) = settings.units;
        let access = to_seconds(
            settings.access_token_validity.unwrap_or(1),
            access_unit.as_deref(),
            "hours",
        );
        let id = to_seconds(
            settings.id_token_validity.unwrap_or(1),
            id_unit.as_deref(),
            "hours",
        );
        let refresh = match settings.refresh_token_validity {
            None | Some(0) => 30 * 86_400,
            Some(v) => to_seconds(v, refresh_unit.as_deref(), "days"),
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
        client.prevent_user_existence_errors = settings
            .prevent_user_existence_errors
            .unwrap_or_else(|| "LEGACY".into());
        client.enable_token_revocation = settings.enable_token_revocation.unwrap_or(true);
        client.auth_session_validity_minutes = settings.auth_session_validity_minutes.unwrap_or(3);
        client.access_token_validity_secs = access;
        client.id_token_validity_secs = id;
        client.refresh_token_validity_secs = refresh;
        client.extra = settings.extra;
        Ok(())
    }

    /// CreateUserPoolClient; `secret` is `Some(None)` to generate one, `Some(Some(s))` to use `s`.
    pub async fn create_client(
        &self,
        pool_id: &str,
        settings: ClientSettings,
        secret: Option<Option<String>>,
    ) -> DomainResult<AppClient> {
        self.load_pool(pool_id).await?;
        let now = self.clock.now_millis();
        let mut client = AppClient {
            pool_id: pool_id.to_owned(),
            client_id: String::new(),
            name: String::new(),
            sealed_secret: None,
            explicit_auth_flows: Vec::new(),
            prevent_user_existence_errors: String::new(),
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
        for _ in 0..WRITE_ATTEMPTS {
            client.client_id = random::string(LOWER_ALNUM, 26);
            client.sealed_secret = secret.as_ref().map(|given| {
                let plain = given
                    .clone()
                    .unwrap_or_else(|| random::string(LOWER_ALNUM, 51));
                self.master_key.seal(
                    &Self::client_secret_context(&client.client_id),
                    plain.as_bytes(),
                )
            });
            let row = ClientRow {
                pool_id: pool_id.to_owned(),
                client_id: client.client_id.clone(),
                document: to_json(&client)?,
                version: 0,
            };
            match self.store.insert_client(row).await {
                Ok(()) => return Ok(client),
                Err(StoreError::UniqueConflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Internal(
            "could not allocate a client id".into(),
        ))
    }

    async fn load_client(&self, pool_id: &str, client_id: &str) -> DomainResult<(AppClient, i64)> {
        self.load_pool(pool_id).await?;
        let row = self
            .store
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
        let after = decode_token(token)?;
        let page = self
            .store
            .list_clients(pool_id, after.as_deref(), limit)
            .await?;
        let clients = page
            .items
            .iter()
            .map(|r| from_json(&r.document))
            .collect::<DomainResult<Vec<AppClient>>>()?;
        Ok((clients, page.next.as_deref().map(encode_token)))
    }

    /// UpdateUserPoolClient: the settings given replace the previous ones.
    pub async fn update_client(
        &self,
        pool_id: &str,
        client_id: &str,
        settings: ClientSettings,
    ) -> DomainResult<AppClient> {
        for _ in 0..WRITE_ATTEMPTS {
            let (mut client, version) = self.load_client(pool_id, client_id).await?;
            Self::apply_client_settings(&mut client, settings.clone())?;
            client.modified_ms = self.clock.now_millis();
            let row = ClientRow {
                pool_id: pool_id.to_owned(),
                client_id: client_id.to_owned(),
                document: to_json(&client)?,
                version,
            };
            match self.store.update_client(row).await {
                Ok(()) => return Ok(client),
                Err(StoreError::VersionConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Internal(
            "too much contention on the client".into(),
        ))
    }

    /// DeleteUserPoolClient.
    pub async fn delete_client(&self, pool_id: &str, client_id: &str) -> DomainResult<()> {
        self.load_client(pool_id, client_id).await?;
        self.store.delete_client(pool_id, client_id).await?;
        Ok(())
    }

    /// Finds the app client named by a sign-in call, with its pool.
    pub async fn client_by_id(&self, client_id: &str) -> DomainResult<(UserPool, AppClient)> {
        let row = self.store.find_client(client_id).await?.ok_or_else(|| {
            DomainError::ResourceNotFound(format!("User pool client {client_id} does not exist."))
        })?;
        let client: AppClient = from_json(&row.document)?;
        let (pool, _) = self.load_pool(&client.pool_id).await?;
        Ok((pool, client))
    }

    // ----- users: lookup and persistence ------------------------------------------

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
            active.then(|| pool.normalise(email))
        });
        let phone_key = user.attribute("phone_number").and_then(|phone| {
            let active = pool.has_username_attribute("phone_number")
                || (pool.has_alias("phone_number") && verified("phone_number_verified"));
            active.then(|| phone.to_owned())
        });
        let preferred_username_key = user
            .attribute("preferred_username")
            .filter(|_| pool.has_alias("preferred_username"))
            .map(|p| pool.normalise(p));
        Ok(UserRow {
            pool_id: pool.id.clone(),
            username: user.username.clone(),
            username_key: pool.normalise(&user.username),
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
        let normalised = pool.normalise(name);
        let mut keys = vec![UserKey::Username(&normalised)];
        if pool.has_alias("email") || pool.has_username_attribute("email") {
            keys.push(UserKey::Email(&normalised));
        }
        if pool.has_alias("phone_number") || pool.has_username_attribute("phone_number") {
            keys.push(UserKey::Phone(name));
        }
        if pool.has_alias("preferred_username") {
            keys.push(UserKey::PreferredUsername(&normalised));
        }
        let lower = name.to_lowercase();
        if looks_like_uuid(name) {
            keys.push(UserKey::Sub(&lower));
        }
        for key in keys {
            if let Some(row) = self.store.find_user(&pool.id, key).await? {
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
        mut change: impl FnMut(&mut User) -> DomainResult<R>,
    ) -> DomainResult<(User, R)> {
        let key = pool.normalise(name);
        let _local = self.user_locks.lock(format!("{}/{key}", pool.id)).await;
        let _shared = match self.store.lock_user(&pool.id, &key).await {
            Ok(lock) => lock,
            Err(e) => {
                // Only an optimisation: go on optimistically.
                tracing::warn!(target: "userpools", error = %e, "user lock unavailable");
                userpools_storage::UserLock::none()
            }
        };
        for attempt in 0..WRITE_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(retry_pause(attempt)).await;
            }
            let LoadedUser { mut user, version } = self.require_user(pool, name).await?;
            let result = change(&mut user)?;
            user.modified_ms = self.clock.now_millis();
            let row = self.user_row(pool, &user, version)?;
            match self.store.write_users(vec![UserWrite::Update(row)]).await {
                Ok(()) => return Ok((user, result)),
                Err(StoreError::VersionConflict) => continue,
                Err(StoreError::UniqueConflict(key)) => return Err(alias_conflict(key)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Internal(
            "too much contention on the user".into(),
        ))
    }

    // ----- users: attributes ------------------------------------------------------

    /// Checks attribute names and values against the pool's schema.
    pub(crate) fn check_attributes(
        pool: &UserPool,
        attributes: &[(String, String)],
        creating: bool,
    ) -> DomainResult<()> {
        for (name, value) in attributes {
            let schema_error = |why: &str| {
                DomainError::InvalidParameter(format!(
                    "Attributes did not conform to the schema: {name}: {why}"
                ))
            };
            let Some(attribute) = pool.attribute(name) else {
                return Err(schema_error("Attribute does not exist in the schema."));
            };
            if name == "sub" {
                return Err(DomainError::InvalidParameter(
                    "Cannot modify the non-mutable attribute sub".into(),
                ));
            }
            if !creating && !attribute.mutable {
                return Err(DomainError::InvalidParameter(format!(
                    "Cannot modify the non-mutable attribute {name}"
                )));
            }
            if attribute.data_type == "Boolean"
                && !value.is_empty()
                && value != "true"
                && value != "false"
            {
                return Err(schema_error("Attribute value must be true or false."));
            }
            if attribute.data_type == "Number" && !value.is_empty() && value.parse::<f64>().is_err()
            {
                return Err(schema_error("Number must be a valid number."));
            }
            if name == "email" && !value.is_empty() && !looks_like_email(value) {
                return Err(DomainError::InvalidParameter(
                    "Invalid email address format.".into(),
                ));
            }
            if name == "phone_number" && !value.is_empty() && !looks_like_phone(value) {
                return Err(DomainError::InvalidParameter(
                    "Invalid phone number format.".into(),
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn check_required(pool: &UserPool, user: &User) -> DomainResult<()> {
        for attribute in pool.full_schema() {
            if attribute.required
                && attribute.name != "sub"
                && user.attribute(&attribute.name).is_none()
            {
                return Err(DomainError::InvalidParameter(format!(
                    "Attributes did not conform to the schema: {}: The attribute is required",
                    attribute.name
                )));
            }
        }
        Ok(())
    }

    // ----- users: creation --------------------------------------------------------

    /// Works out the internal username and initial attributes of a new user.
    fn new_user(
        &self,
        pool: &UserPool,
        username: &str,
        attributes: &[(String, String)],
        status: UserStatus,
    ) -> DomainResult<User> {
        Self::check_attributes(pool, attributes, true)?;
        let sub = uuid::Uuid::new_v4().to_string();
        let mut user = User::new(
            username.to_owned(),
            sub.clone(),
            status,
            self.clock.now_millis(),
        );
        for (name, value) in attributes {
            if !value.is_empty() {
                user.set_attribute(name, Some(value));
            }
        }
        if !pool.username_attributes.is_empty() {
            let email_ok = pool.has_username_attribute("email") && looks_like_email(username);
            let phone_ok =
                pool.has_username_attribute("phone_number") && looks_like_phone(username);
            if !email_ok && !phone_ok {
                let message = match (
                    pool.has_username_attribute("email"),
                    pool.has_username_attribute("phone_number"),
                ) {
                    (true, true) => "Username should be either an email or a phone number.",
                    (true, false) => "Username should be an email.",
                    _ => "Username should be a phone number.",
                };
                return Err(DomainError::InvalidParameter(message.into()));
            }
            let attribute = if email_ok { "email" } else { "phone_number" };
            if let Some(given) = user.attribute(attribute) {
                if given != username {
                    return Err(DomainError::InvalidParameter(format!(
                        "Username and {attribute} attribute must be the same."
                    )));
                }
            }
            user.set_attribute(attribute, Some(username));
            user.username = sub;
        } else {
            if pool.has_alias("email") && looks_like_email(username) {
                return Err(DomainError::InvalidParameter(
                    "Username cannot be of email format, since user pool is configured for email alias.".into(),
                ));
            }
            if pool.has_alias("phone_number") && looks_like_phone(username) {
                return Err(DomainError::InvalidParameter(
                    "Username cannot be of phone number format, since user pool is configured for phone number alias.".into(),
                ));
            }
            if looks_like_uuid(username) {
                // A UUID-shaped username would shadow another user's sub lookup.
                if username.to_lowercase() != username {
                    return Err(DomainError::InvalidParameter(
                        "Username cannot be of UUID format with upper-case letters.".into(),
                    ));
                }
            }
        }
        Ok(user)
    }

    async fn insert_user(
        &self,
        pool: &UserPool,
        user: &User,
        exists_message: &str,
    ) -> DomainResult<()> {
        let row = self.user_row(pool, user, 0)?;
        match self.store.write_users(vec![UserWrite::Insert(row)]).await {
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

    /// Seals a new credential (salt and SRP verifier) for `user`.
    pub(crate) fn seal_credential(&self, pool_id: &str, username: &str, password: &str) -> String {
        let salt = srp::Salt::random();
        let verifier = srp::compute_verifier(pool_id, username, password, &salt);
        let mut plain = salt.to_min_hex().into_bytes();
        plain.push(b':');
        plain.extend_from_slice(hex::encode(verifier.to_bytes()).as_bytes());
        self.master_key
            .seal(&credential_context(pool_id, username), &plain)
    }

    /// Opens a sealed credential into its salt and verifier.
    pub(crate) fn open_credential(
        &self,
        pool_id: &str,
        username: &str,
        sealed: &str,
    ) -> DomainResult<(srp::Salt, srp::Verifier)> {
        let plain = self
            .master_key
            .open(&credential_context(pool_id, username), sealed)?;
        let bad = || DomainError::Internal("malformed credential".into());
        let text = std::str::from_utf8(&plain).map_err(|_| bad())?;
        let (salt_hex, verifier_hex) = text.split_once(':').ok_or_else(bad)?;
        let salt = srp::Salt::from_hex(salt_hex).map_err(|_| bad())?;
        let verifier = srp::Verifier::from_bytes(&hex::decode(verifier_hex).map_err(|_| bad())?)
            .map_err(|_| bad())?;
        Ok((salt, verifier))
    }

    /// Does `password` match the sealed credential?
    pub fn credential_matches(
        &self,
        pool_id: &str,
        username: &str,
        sealed: &str,
        password: &str,
    ) -> DomainResult<bool> {
        let (salt, verifier) = self.open_credential(pool_id, username, sealed)?;
        Ok(srp::verify_password(
            pool_id, username, password, &salt, &verifier,
        ))
    }

    /// Replaces the user's password after the policy and history checks; the
    /// status becomes CONFIRMED (permanent) or FORCE_CHANGE_PASSWORD with a
    /// fresh temporary-password expiry.
    pub(crate) fn apply_password(
        &self,
        pool: &UserPool,
        user: &mut User,
        new_credential: &str,
        password: &str,
        permanent: bool,
    ) -> DomainResult<()> {
        let history = pool.policy.password_history_size as usize;
        if history > 0 {
            let recent = user
                .credential
                .iter()
                .chain(user.previous_credentials.iter())
                .take(history);
            for sealed in recent {
                if self.credential_matches(&pool.id, &user.username, sealed, password)? {
                    return Err(DomainError::PasswordHistoryPolicyViolation(
                        PASSWORD_HISTORY_MESSAGE.into(),
                    ));
                }
            }
        }
        if let Some(old) = user.credential.take() {
            user.previous_credentials.insert(0, old);
        }
        user.previous_credentials
            .truncate(history.saturating_sub(1));
        user.credential = Some(new_credential.to_owned());
        if permanent {
            user.status = UserStatus::Confirmed;
            user.temporary_password_expires_ms = None;
        } else {
            user.status = UserStatus::ForceChangePassword;
            user.temporary_password_expires_ms = Some(self.temporary_password_expiry(pool));
        }
        Ok(())
    }

    fn temporary_password_expiry(&self, pool: &UserPool) -> i64 {
        let days = if pool.policy.temporary_password_validity_days == 0 {
            pool.unused_account_validity_days
                .filter(|d| *d > 0)
                .unwrap_or(7)
        } else {
            pool.policy.temporary_password_validity_days
        };
        self.clock.now_millis() + i64::from(days) * 86_400_000
    }

    /// Policy and edge checks shared by every way of setting a password.
    pub(crate) fn check_new_password(
        pool: &UserPool,
        password: &str,
        member: &str,
        prefix: PolicyMessagePrefix,
    ) -> DomainResult<()> {
        check_password_edges(password, member)?;
        pool.policy.check(password, prefix)
    }

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
        if srp::verify_secret_hash(&secret, username, &client.client_id, given) {
            Ok(())
        } else {
            Err(DomainError::NotAuthorized(format!(
                "Unable to verify secret hash for client {}",
                client.client_id
            )))
        }
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

    /// AdminCreateUser: FORCE_CHANGE_PASSWORD with the given or a generated
    /// temporary password; `RESEND` renews an existing invitation.
    pub async fn admin_create_user(
        &self,
        pool_id: &str,
        username: &str,
        attributes: &[(String, String)],
        temporary_password: Option<&str>,
        message_action: Option<&str>,
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
        if message_action == Some("RESEND") {
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
    async fn release_aliases(&self, pool: &UserPool, user: &User) -> DomainResult<()> {
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
            if let Some(owner) = self.store.find_user(&pool.id, lookup).await? {
                let mut other: User = from_json(&owner.document)?;
                other.set_attribute(verified_attribute, Some("false"));
                let other_row = self.user_row(pool, &other, owner.version)?;
                self.store
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
            "dateCreated": self.clock.now_millis(),
        }]);
        Self::check_attributes(&pool, attributes, true)?;
        let mut user = User::new(
            username,
            uuid::Uuid::new_v4().to_string(),
            UserStatus::ExternalProvider,
            self.clock.now_millis(),
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
        for _ in 0..WRITE_ATTEMPTS {
            let loaded = self.require_user(&pool, username).await?;
            let write = UserWrite::Delete {
                pool_id: pool.id.clone(),
                username: loaded.user.username.clone(),
                version: loaded.version,
            };
            match self.store.write_users(vec![write]).await {
                Ok(()) => return Ok(()),
                Err(StoreError::VersionConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Internal(
            "too much contention on the user".into(),
        ))
    }

    /// ListUsers with an optional filter; `limit` users per page.
    pub async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&str>,
        limit: usize,
        token: Option<&str>,
    ) -> DomainResult<(Vec<User>, Option<String>)> {
        let (_pool, _) = self.load_pool(pool_id).await?;
        let filter = filter.map(parse_filter).transpose()?.flatten();
        let mut after = decode_token(token)?;
        let mut users = Vec::new();
        loop {
            let page = self
                .store
                .list_users(pool_id, after.as_deref(), limit.max(1) * 4)
                .await?;
            let mut last_key = None;
            for (index, row) in page.items.iter().enumerate() {
                let user: User = from_json(&row.document)?;
                last_key = Some(row.username_key.clone());
                if filter.as_ref().is_none_or(|f| f.matches(&user)) {
                    users.push(user);
                    if users.len() == limit {
                        let more = page.next.is_some() || index + 1 < page.items.len();
                        return Ok((users, more.then(|| encode_token(&row.username_key))));
                    }
                }
            }
            match page.next {
                Some(_) => after = last_key,
                None => return Ok((users, None)),
            }
        }
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

    /// AdminSetUserPassword: policy, history, then CONFIRMED (permanent) or
    /// FORCE_CHANGE_PASSWORD with the temporary-password clock restarted.
    pub async fn admin_set_user_password(
        &self,
        pool_id: &str,
        username: &str,
        password: &str,
        permanent: bool,
    ) -> DomainResult<()> {
        let (pool, _) = self.load_pool(pool_id).await?;
        Self::check_new_password(
            &pool,
            password,
            "password",
            PolicyMessagePrefix::DoesNotConformTo,
        )?;
        // The verifier is bound to the internal username, so it is computed for the user
        // the lookup finds, and only again if a retried write finds another one.
        let mut sealed: Option<(String, String)> = None;
        self.modify_user(&pool, username, |user| {
            let credential = match &sealed {
                Some((owner, credential)) if *owner == user.username => credential,
                _ => {
                    let credential = self.seal_credential(&pool.id, &user.username, password);
                    &sealed.insert((user.username.clone(), credential)).1
                }
            };
            self.apply_password(&pool, user, credential, password, permanent)
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
        match self.store.write_users(writes).await {
            Ok(()) => Ok(()),
            Err(StoreError::UniqueConflict(_)) => Err(DomainError::UsernameExists(
                "User account already exists".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }
}

/// Pause before retry `attempt` (1-based) of an optimistic write: random in
/// [0, min(2^attempt, 64)] milliseconds, so that racing writers spread out.
fn retry_pause(attempt: usize) -> std::time::Duration {
    let ceiling = 1u64 << attempt.min(6);
    let mut byte = [0u8; 2];
    random::fill(&mut byte);
    let micros = u64::from(u16::from_le_bytes(byte)) * ceiling * 1000 / u64::from(u16::MAX);
    std::time::Duration::from_micros(micros)
}

fn credential_context(pool_id: &str, username: &str) -> Vec<u8> {
    format!("credential\0{pool_id}\0{username}").into_bytes()
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

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> DomainResult<String> {
    serde_json::to_string(value).map_err(|e| DomainError::Internal(format!("encode: {e}")))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> DomainResult<T> {
    serde_json::from_str(text).map_err(|e| DomainError::Internal(format!("decode: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse() {
        let f = parse_filter(r#"email ^= "al\"ice""#).unwrap().unwrap();
        assert_eq!(
            f,
            UserFilter {
                attribute: "email".into(),
                prefix: true,
                value: "al\"ice".into()
            }
        );
        assert!(parse_filter("").unwrap().is_none());
        assert_eq!(
            parse_filter("email = alice").unwrap_err().message(),
            "Error while parsing filter."
        );
        assert_eq!(
            parse_filter(r#"shoe = "x""#).unwrap_err().message(),
            "Invalid search attribute: shoe"
        );
    }

    #[test]
    fn token_units() {
        assert_eq!(to_seconds(60, Some("minutes"), "hours"), 3600);
        assert_eq!(to_seconds(1, None, "hours"), 3600);
        assert_eq!(to_seconds(30, None, "days"), 2_592_000);
    }
}
