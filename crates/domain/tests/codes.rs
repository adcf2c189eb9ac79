//! One-time codes and their delivery through an injected `MessageSender`: what is
//! stored (a hash, never the code), single use, expiry by the service clock, and a
//! failed delivery that leaves nothing behind.

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use common::*;
use userpools_domain::delivery::{Channel, Delivered, DeliveryError, Message, MessageSender};
use userpools_domain::service::{PoolSettings, Service, ServiceConfig};
use userpools_domain::DomainError;
use userpools_storage::UserKey;

/// Records every message; fails them all when `fail` is set.
#[derive(Default)]
struct Recorder {
    sent: Mutex<Vec<Message>>,
    fail: bool,
}

#[async_trait]
impl MessageSender for Recorder {
    async fn send(&self, message: &Message) -> Result<Delivered, DeliveryError> {
        if self.fail {
            return Err(DeliveryError("refused".into()));
        }
        self.sent.lock().unwrap().push(message.clone());
        Ok(Delivered::Sent)
    }
}

/// The harness's store, clock and key behind a service that sends through `recorder`.
fn service(h: &Harness, recorder: Arc<Recorder>) -> Service {
    let config = ServiceConfig {
        region: REGION.into(),
        account_id: "123456789012".into(),
        issuer_base_url: ISSUER_BASE.into(),
    };
    Service::new(h.store.clone(), h.clock.clone(), h.master.clone(), config)
        .with_message_sender(recorder)
}

async fn email_pool(h: &Harness) -> (userpools_domain::model::UserPool, String) {
    let pool = h
        .create_pool(PoolSettings {
            auto_verified_attributes: strings(&["email"]),
            ..pool_settings()
        })
        .await
        .unwrap();
    let client = h.client(&pool).await;
    (pool, client.client_id)
}

#[tokio::test]
async fn the_code_is_sent_once_and_stored_only_as_a_hash() {
    let h = Harness::new();
    let recorder = Arc::new(Recorder::default());
    let svc = service(&h, recorder.clone());
    let (pool, client_id) = email_pool(&h).await;
    let email = [("email".to_owned(), "alice@example.com".to_owned())];
    let (_, delivery) = svc
        .sign_up_and_send_code(&client_id, "alice", PASSWORD, &email, None)
        .await
        .unwrap();
    let delivery = delivery.expect("a code was sent");
    assert_eq!(delivery.destination, "a***@e***");
    assert_eq!(delivery.channel, Channel::Email);
    let message = recorder.sent.lock().unwrap()[0].clone();
    let code = message.code.clone().unwrap();
    assert_eq!(message.body, format!("Your verification code is {code}. "));
    assert_eq!(message.destination, "alice@example.com");
    assert!(!format!("{message:?}").contains(&code));

    let row = h
        .store
        .find_user(&pool.id, UserKey::Username("alice"))
        .await
        .unwrap()
        .unwrap();
    assert!(!row.document.contains(&format!("\"{code}\"")));
    let stored: serde_json::Value = serde_json::from_str(&row.document).unwrap();
    assert_eq!(stored["codes"][0]["purpose"], "SIGN_UP");
    assert_eq!(stored["codes"][0]["hash"].as_str().unwrap().len(), 44);

    svc.confirm_sign_up(&client_id, "alice", &code, None, false)
        .await
        .unwrap();
    let again = svc
        .confirm_sign_up(&client_id, "alice", &code, None, false)
        .await;
    assert_eq!(
        error_of(again),
        DomainError::NotAuthorized("User cannot be confirmed. Current status is CONFIRMED".into())
    );
}

#[tokio::test]
async fn codes_expire_by_the_service_clock() {
    let h = Harness::new();
    let recorder = Arc::new(Recorder::default());
    let svc = service(&h, recorder.clone());
    let (_, client_id) = email_pool(&h).await;
    let email = [("email".to_owned(), "bob@example.com".to_owned())];
    svc.sign_up_and_send_code(&client_id, "bob", PASSWORD, &email, None)
        .await
        .unwrap();
    let code = recorder.sent.lock().unwrap()[0].code.clone().unwrap();
    h.clock.advance(24 * 3600).unwrap();
    let expired = svc
        .confirm_sign_up(&client_id, "bob", &code, None, false)
        .await;
    assert_eq!(
        error_of(expired),
        DomainError::ExpiredCode("Invalid code provided, please request a code again.".into())
    );
}

#[tokio::test]
async fn a_failed_delivery_leaves_no_user() {
    let h = Harness::new();
    let svc = service(
        &h,
        Arc::new(Recorder {
            fail: true,
            ..Default::default()
        }),
    );
    let (pool, client_id) = email_pool(&h).await;
    let email = [("email".to_owned(), "carol@example.com".to_owned())];
    let failed = svc
        .sign_up_and_send_code(&client_id, "carol", PASSWORD, &email, None)
        .await;
    assert_eq!(
        error_of(failed),
        DomainError::CodeDeliveryFailure("Unable to deliver code to user".into())
    );
    let gone = h.svc.admin_get_user(&pool.id, "carol").await;
    assert_eq!(error_of(gone), user_not_found());
}
