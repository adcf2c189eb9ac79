//! The messages the pool sends: templates with `{####}` and `{username}`
//! replaced, the sender address, and the one place that hands a message to
//! the [`MessageSender`](crate::delivery::MessageSender) and logs it (masked
//! destination, never the code).

use crate::codes::Code;
use crate::delivery::{mask, Channel, CodeDelivery, Message, Purpose};
use crate::error::{DomainError, DomainResult};
use crate::model::{User, UserPool};
use crate::service::Service;

/// Default verification email/SMS text (DescribeUserPool's defaults).
pub const DEFAULT_VERIFICATION_MESSAGE: &str = "Your verification code is {####}. ";
/// Default verification email subject.
pub const DEFAULT_VERIFICATION_SUBJECT: &str = "Your verification code";
/// `CodeDeliveryFailureException`.
pub const DELIVERY_FAILED: &str = "Unable to deliver code to user";

/// A string member of the pool's stored settings (`Section.Member` or `Member`).
fn setting<'a>(pool: &'a UserPool, section: Option<&str>, member: &str) -> Option<&'a str> {
    let holder = match section {
        Some(section) => pool.extra.get(section)?.as_object()?,
        None => &pool.extra,
    };
    holder.get(member)?.as_str().filter(|s| !s.is_empty())
}

/// Does `body` look like HTML (a tag)?
fn is_html(body: &str) -> bool {
    let bytes = body.as_bytes();
    bytes
        .windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/'))
}

impl Service {
    /// The verification message (sign-up, resend, reset, attribute) of `channel`:
    /// `(subject, body)` from VerificationMessageTemplate, else the legacy members,
    /// else the defaults.
    fn verification_template(pool: &UserPool, channel: Channel) -> (Option<String>, String) {
        let template = Some("VerificationMessageTemplate");
        match channel {
            Channel::Email => (
                Some(
                    setting(pool, template, "EmailSubject")
                        .or_else(|| setting(pool, None, "EmailVerificationSubject"))
                        .unwrap_or(DEFAULT_VERIFICATION_SUBJECT)
                        .to_owned(),
                ),
                setting(pool, template, "EmailMessage")
                    .or_else(|| setting(pool, None, "EmailVerificationMessage"))
                    .unwrap_or(DEFAULT_VERIFICATION_MESSAGE)
                    .to_owned(),
            ),
            Channel::Sms => (
                None,
                setting(pool, template, "SmsMessage")
                    .or_else(|| setting(pool, None, "SmsVerificationMessage"))
                    .unwrap_or(DEFAULT_VERIFICATION_MESSAGE)
                    .to_owned(),
            ),
        }
    }

    /// Sends `code` for `purpose` to the user's `channel` attribute with the
    /// verification template; answers the masked CodeDeliveryDetails. A failure
    /// is CodeDeliveryFailureException, logged without the code.
    pub(crate) async fn send_code(
        &self,
        pool: &UserPool,
        user: &User,
        channel: Channel,
        purpose: Purpose,
        code: &Code,
    ) -> DomainResult<CodeDelivery> {
        let destination = user
            .attribute(channel.attribute())
            .ok_or_else(|| DomainError::Internal("no destination for a code".into()))?
            .to_owned();
        let (subject, template) = Self::verification_template(pool, channel);
        let body = template
            .replace("{####}", code.expose())
            .replace("{username}", &user.username);
        let message = Message {
            pool_id: pool.id.clone(),
            username: user.username.clone(),
            channel,
            html: channel == Channel::Email && is_html(&body),
            destination,
            from: setting(pool, Some("EmailConfiguration"), "From").map(str::to_owned),
            subject,
            body,
            code: Some(code.expose().to_owned()),
            purpose,
            sent_ms: self.now_ms(),
        };
        self.deliver(&message).await?;
        Ok(CodeDelivery::new(channel, &message.destination))
    }

    /// Messages held in the outbox, newest first (tests and development).
    pub async fn held_messages(
        &self,
        pool_id: Option<&str>,
        destination: Option<&str>,
        limit: usize,
    ) -> DomainResult<Vec<userpools_storage::OutboxRow>> {
        let filter = userpools_storage::OutboxFilter {
            pool_id,
            destination,
        };
        Ok(self.store().list_outbox(filter, limit).await?)
    }

    /// Hands `message` to the sender; one log line either way.
    pub(crate) async fn deliver(&self, message: &Message) -> DomainResult<()> {
        let destination = mask(message.channel, &message.destination);
        match self.message_sender().send(message).await {
            Ok(outcome) => {
                tracing::info!(
                    target: "userpools::delivery",
                    pool = %message.pool_id,
                    purpose = message.purpose.as_str(),
                    channel = message.channel.as_str(),
                    %destination,
                    outcome = outcome.as_str(),
                    "message {}", outcome.as_str()
                );
                Ok(())
            }
            Err(error) => {
                tracing::warn!(
                    target: "userpools::delivery",
                    pool = %message.pool_id,
                    purpose = message.purpose.as_str(),
                    channel = message.channel.as_str(),
                    %destination,
                    %error,
                    "message delivery failed"
                );
                Err(DomainError::CodeDeliveryFailure(DELIVERY_FAILED.into()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_recognised_by_its_tags() {
        assert!(is_html("Code: <b>{####}</b>"));
        assert!(!is_html("Your code is {####}. 3 < 4"));
    }
}
