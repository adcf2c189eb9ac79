//! The service object: the store, the clocks and the master key every
//! operation works with. The operations themselves live with their resource:
//! [`crate::pools`], [`crate::clients`], [`crate::users`], [`crate::sign_up`]
//! and [`crate::auth`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use userpools_storage::Store;

use crate::clock::Clock;
use crate::delivery::{MessageSender, Outbox};
use crate::locks::KeyedLocks;
use crate::seal::MasterKey;
use crate::tokens::PoolSigningKeys;

pub use crate::clients::ClientSettings;
pub use crate::pools::PoolSettings;
pub use crate::users::PASSWORD_HISTORY_MESSAGE;

/// The service: domain operations over a store, a clock and the master key.
pub struct Service {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// Real time, for what clients stamp with their own clock (SRP TIMESTAMP).
    wall_clock: Arc<dyn Clock>,
    master_key: Arc<MasterKey>,
    region: String,
    account_id: String,
    issuer_base_url: String,
    /// Each pool's signing keys, once loaded.
    signing_keys: RwLock<HashMap<String, Arc<PoolSigningKeys>>>,
    /// Writers of one user on this node queue here (see `Service::modify_user`).
    user_locks: KeyedLocks,
    /// Where messages (codes, invitations) go; the store's outbox by default.
    sender: Arc<dyn MessageSender>,
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

impl Service {
    /// Builds the service.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        master_key: Arc<MasterKey>,
        config: ServiceConfig,
    ) -> Self {
        Self {
            store: store.clone(),
            clock,
            wall_clock: Arc::new(crate::clock::SystemClock),
            master_key,
            region: config.region,
            account_id: config.account_id,
            issuer_base_url: config.issuer_base_url.trim_end_matches('/').to_owned(),
            signing_keys: Default::default(),
            user_locks: Default::default(),
            sender: Arc::new(Outbox::new(store)),
        }
    }

    /// Sends messages through `sender` instead of holding them in the outbox.
    pub fn with_message_sender(mut self, sender: Arc<dyn MessageSender>) -> Self {
        self.sender = sender;
        self
    }

    /// Where messages go.
    pub(crate) fn message_sender(&self) -> &dyn MessageSender {
        self.sender.as_ref()
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

    /// The store.
    pub(crate) fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Now by the service clock, epoch milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_millis()
    }

    /// Real time, for what clients stamp with their own clock.
    pub(crate) fn wall_clock(&self) -> &dyn Clock {
        self.wall_clock.as_ref()
    }

    /// The master key that seals credentials, secrets and sessions.
    pub(crate) fn master_key(&self) -> &MasterKey {
        &self.master_key
    }

    /// Base of token issuers, without a trailing slash.
    pub(crate) fn issuer_base_url(&self) -> &str {
        &self.issuer_base_url
    }

    /// Cache of each pool's signing keys.
    pub(crate) fn signing_key_cache(&self) -> &RwLock<HashMap<String, Arc<PoolSigningKeys>>> {
        &self.signing_keys
    }

    /// Per-user write queues of this node.
    pub(crate) fn user_locks(&self) -> &KeyedLocks {
        &self.user_locks
    }
}
