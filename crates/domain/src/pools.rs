//! User pools: CreateUserPool, DescribeUserPool, ListUserPools, UpdateUserPool,
//! DeleteUserPool, AddCustomAttributes.

use userpools_storage::PoolRow;

use crate::error::{DomainError, DomainResult};
use crate::model::{PoolTier, SchemaAttribute, UserPool};
use crate::persist::{decode_page_token, documents_page, from_json, retry_on_conflict, to_json};
use crate::policy::PasswordPolicy;
use crate::random;
use crate::service::Service;

/// Characters of the random part of a pool id.
const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

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
    pub tier: Option<PoolTier>,
    /// DeletionProtection == ACTIVE.
    pub deletion_protection: bool,
    /// AutoVerifiedAttributes.
    pub auto_verified_attributes: Vec<String>,
    /// Other members, echoed back.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl PoolSettings {
    fn validate(&self) -> DomainResult<()> {
        if !self.alias_attributes.is_empty() && !self.username_attributes.is_empty() {
            return Err(DomainError::InvalidParameter(
                "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool."
                    .into(),
            ));
        }
        if let Some(policy) = &self.policy {
            if policy.password_history_size > 0 && self.tier == Some(PoolTier::Lite) {
                return Err(DomainError::FeatureUnavailableInTier(
                    "Password history is not available in the LITE tier. Upgrade the user pool to the ESSENTIALS or PLUS tier.".into(),
                ));
            }
        }
        check_schema(&self.schema)
    }
}

/// Most custom attributes a pool may have.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 50;

/// The schema rules shared by CreateUserPool and AddCustomAttributes: names
/// are unique and custom attributes cannot be required.
fn check_schema(schema: &[SchemaAttribute]) -> DomainResult<()> {
    let mut names = std::collections::HashSet::new();
    for attribute in schema {
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

impl Service {
    /// CreateUserPool.
    pub async fn create_pool(&self, settings: PoolSettings) -> DomainResult<UserPool> {
        settings.validate()?;
        let now = self.now_ms();
        let pool = UserPool {
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
            tier: settings.tier.unwrap_or_default(),
            deletion_protection: settings.deletion_protection,
            auto_verified_attributes: settings.auto_verified_attributes,
            extra: settings.extra,
        };
        // A conflict here means the random id is taken: draw another.
        let template = &pool;
        retry_on_conflict("a new pool id", move || {
            let mut pool = template.clone();
            pool.id = format!("{}_{}", self.region(), random::string(ALNUM, 9));
            async move {
                let row = PoolRow {
                    pool_id: pool.id.clone(),
                    document: to_json(&pool)?,
                    version: 0,
                };
                Ok(self.store().insert_pool(row).await.map(|()| pool))
            }
        })
        .await
    }

    pub(crate) async fn load_pool(&self, pool_id: &str) -> DomainResult<(UserPool, i64)> {
        let row = self
            .store()
            .get_pool(pool_id)
            .await?
            .ok_or_else(|| DomainError::pool_not_found(pool_id))?;
        Ok((from_json(&row.document)?, row.version))
    }

    /// DescribeUserPool.
    pub async fn describe_pool(&self, pool_id: &str) -> DomainResult<UserPool> {
        Ok(self.load_pool(pool_id).await?.0)
    }

    /// DescribeUserPool's `EstimatedNumberOfUsers`: how many users the pool has now.
    pub async fn count_users(&self, pool_id: &str) -> DomainResult<u64> {
        Ok(self.store().count_users(pool_id).await?)
    }

    /// ListUserPools: pools ordered by id.
    pub async fn list_pools(
        &self,
        limit: usize,
        token: Option<&str>,
    ) -> DomainResult<(Vec<UserPool>, Option<String>)> {
        let after = decode_page_token(token)?;
        let page = self.store().list_pools(after.as_deref(), limit).await?;
        documents_page(page, |r| &r.document)
    }

    /// UpdateUserPool: the settings given replace the mutable ones; what cannot
    /// change after creation (aliases, username attributes, schema, case
    /// sensitivity) is kept.
    pub async fn update_pool(&self, pool_id: &str, settings: PoolSettings) -> DomainResult<()> {
        let settings = &settings;
        retry_on_conflict("the pool", move || async move {
            let (mut pool, version) = self.load_pool(pool_id).await?;
            let tier = settings.tier.unwrap_or(pool.tier);
            let check = PoolSettings {
                tier: Some(tier),
                alias_attributes: pool.alias_attributes.clone(),
                username_attributes: pool.username_attributes.clone(),
                schema: Vec::new(),
                ..settings.clone()
            };
            check.validate()?;
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
            pool.modified_ms = self.now_ms();
            let row = PoolRow {
                pool_id: pool.id.clone(),
                document: to_json(&pool)?,
                version,
            };
            Ok(self.store().update_pool(row).await)
        })
        .await
    }

    /// AddCustomAttributes: appends `attributes` (each named `custom:<Name>`)
    /// to the pool's schema. A name the pool has already, a required
    /// attribute, or more than [`MAX_CUSTOM_ATTRIBUTES`] in all is refused and
    /// changes nothing.
    pub async fn add_custom_attributes(
        &self,
        pool_id: &str,
        attributes: &[SchemaAttribute],
    ) -> DomainResult<()> {
        retry_on_conflict("the pool", move || async move {
            let (mut pool, version) = self.load_pool(pool_id).await?;
            pool.schema.extend(attributes.iter().cloned());
            check_schema(&pool.schema)?;
            let custom = pool
                .schema
                .iter()
                .filter(|a| a.name.starts_with("custom:"))
                .count();
            if custom > MAX_CUSTOM_ATTRIBUTES {
                return Err(DomainError::InvalidParameter(format!(
                    "A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes."
                )));
            }
            pool.modified_ms = self.now_ms();
            let row = PoolRow {
                pool_id: pool.id.clone(),
                document: to_json(&pool)?,
                version,
            };
            Ok(self.store().update_pool(row).await)
        })
        .await
    }

    /// DeleteUserPool (refused while deletion protection is active).
    pub async fn delete_pool(&self, pool_id: &str) -> DomainResult<()> {
        let (pool, _) = self.load_pool(pool_id).await?;
        if pool.deletion_protection {
            return Err(DomainError::InvalidParameter(
                "The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.".into(),
            ));
        }
        if !self.store().delete_pool(pool_id).await? {
            return Err(DomainError::pool_not_found(pool_id));
        }
        Ok(())
    }
}
