//! Message delivery as the domain sees it: a [`Message`] to one destination and
//! a [`MessageSender`] that delivers it. The domain knows neither SMTP nor HTTP:
//! the server builds the real senders; the default, [`Outbox`], holds messages
//! in the store for tests and development.

use std::sync::Arc;

use async_trait::async_trait;
use userpools_storage::{OutboxRow, Store};

/// How a message travels (`DeliveryMediumType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// An email to the `email` attribute.
    Email,
    /// A text message to the `phone_number` attribute.
    Sms,
}

impl Channel {
    /// `EMAIL` or `SMS`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::Sms => "SMS",
        }
    }

    /// The attribute a message of this channel goes to.
    pub fn attribute(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "phone_number",
        }
    }

    /// The channel of a contact attribute (`email`, `phone_number`).
    pub fn of_attribute(attribute: &str) -> Option<Self> {
        match attribute {
            "email" => Some(Self::Email),
            "phone_number" => Some(Self::Sms),
            _ => None,
        }
    }
}

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// SignUp's confirmation code.
    SignUp,
    /// ResendConfirmationCode.
    ResendCode,
    /// ForgotPassword / AdminResetUserPassword.
    ForgotPassword,
    /// An attribute verification code.
    VerifyAttribute,
    /// AdminCreateUser's invitation.
    Invitation,
}

impl Purpose {
    /// `SIGN_UP`, `RESEND_CODE`, `FORGOT_PASSWORD`, `VERIFY_ATTRIBUTE`, `INVITATION`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignUp => "SIGN_UP",
            Self::ResendCode => "RESEND_CODE",
            Self::ForgotPassword => "FORGOT_PASSWORD",
            Self::VerifyAttribute => "VERIFY_ATTRIBUTE",
            Self::Invitation => "INVITATION",
        }
    }
}

/// One message to deliver. `Debug` shows neither the body nor the code.
#[derive(Clone)]
pub struct Message {
    /// The pool it is sent for.
    pub pool_id: String,
    /// Internal username of the recipient.
    pub username: String,
    /// Email or SMS.
    pub channel: Channel,
    /// Email address or phone number (unmasked).
    pub destination: String,
    /// The pool's `EmailConfiguration.From`, if set (else the sender's default).
    pub from: Option<String>,
    /// Email subject (none for SMS).
    pub subject: Option<String>,
    /// The text (or HTML) delivered.
    pub body: String,
    /// Whether `body` is HTML.
    pub html: bool,
    /// The code or temporary password inside `body`, if any.
    pub code: Option<String>,
    /// Why it is sent.
    pub purpose: Purpose,
    /// When it is sent, service-clock epoch milliseconds.
    pub sent_ms: i64,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Message")
            .field("pool_id", &self.pool_id)
            .field("channel", &self.channel)
            .field("destination", &mask(self.channel, &self.destination))
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

/// What happened to a message that did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// Handed to the mail server or the SMS webhook.
    Sent,
    /// Kept in the outbox.
    Held,
}

impl Delivered {
    /// `sent` or `held`, for the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Held => "held",
        }
    }
}

/// A delivery failure; the text never contains the message or the code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DeliveryError(pub String);

/// Delivers messages.
#[async_trait]
pub trait MessageSender: Send + Sync + 'static {
    /// Delivers one message (or holds it).
    async fn send(&self, message: &Message) -> Result<Delivered, DeliveryError>;
}

/// The default sender: every message is held in the store's outbox.
pub struct Outbox {
    store: Arc<dyn Store>,
}

impl Outbox {
    /// An outbox in `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }
}

#[async_trait]
impl MessageSender for Outbox {
    async fn send(&self, message: &Message) -> Result<Delivered, DeliveryError> {
        let row = OutboxRow {
            pool_id: message.pool_id.clone(),
            username: message.username.clone(),
            channel: message.channel.as_str().into(),
            destination: message.destination.clone(),
            purpose: message.purpose.as_str().into(),
            subject: message.subject.clone(),
            body: message.body.clone(),
            code: message.code.clone(),
            sent_ms: message.sent_ms,
        };
        self.store
            .append_outbox(row)
            .await
            .map_err(|e| DeliveryError(format!("outbox: {e}")))?;
        Ok(Delivered::Held)
    }
}

/// Email through one sender, SMS through another (each the outbox when not configured).
pub struct ByChannel {
    /// Sender of emails.
    pub email: Arc<dyn MessageSender>,
    /// Sender of text messages.
    pub sms: Arc<dyn MessageSender>,
}

#[async_trait]
impl MessageSender for ByChannel {
    async fn send(&self, message: &Message) -> Result<Delivered, DeliveryError> {
        match message.channel {
            Channel::Email => self.email.send(message).await,
            Channel::Sms => self.sms.send(message).await,
        }
    }
}

/// A destination masked as Cognito shows it: `a***@e***` or `+*******0100`.
pub fn mask(channel: Channel, destination: &str) -> String {
    match channel {
        Channel::Email => mask_email(destination),
        Channel::Sms => mask_phone(destination),
    }
}

/// `alice@example.com` → `a***@e***`.
fn mask_email(address: &str) -> String {
    let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    format!("{}***@{}***", first(local), first(domain))
}

/// `+12065550100` → `+*******0100`: every digit but the last four hidden.
fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let shown = digits.len().saturating_sub(4);
    let mut out = String::from("+");
    out.extend(std::iter::repeat_n('*', shown));
    out.extend(&digits[shown..]);
    out
}

/// CodeDeliveryDetails: where a code went, masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDelivery {
    /// The masked destination.
    pub destination: String,
    /// EMAIL or SMS.
    pub channel: Channel,
    /// `email` or `phone_number`.
    pub attribute: String,
}

impl CodeDelivery {
    /// The details of a message sent through `channel` to `destination`.
    pub fn new(channel: Channel, destination: &str) -> Self {
        Self {
            destination: mask(channel, destination),
            channel,
            attribute: channel.attribute().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_masked_as_cognito_does() {
        assert_eq!(mask(Channel::Email, "jane@example.com"), "j***@e***");
        assert_eq!(mask(Channel::Sms, "+12065550100"), "+*******0100");
        assert_eq!(mask(Channel::Sms, "+123"), "+123");
        assert_eq!(mask(Channel::Email, "odd"), "o***@***");
    }
}
