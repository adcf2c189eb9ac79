//! The real message senders: email over SMTP (`lettre`, rustls) and SMS
//! through a webhook (`POST` JSON `{to, message, userPoolId, username, purpose}`;
//! any answer but 2xx is a failure). Their errors never contain the message.

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use userpools_domain::delivery::{Delivered, DeliveryError, Message, MessageSender};

/// How long one delivery may take.
const TIMEOUT: Duration = Duration::from_secs(15);

/// The sender address when the pool sets none.
pub const DEFAULT_FROM: &str = "no-reply@verificationemail.com";

/// Email over SMTP.
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    default_from: Mailbox,
}

impl std::fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpSender")
    }
}

/// Percent-decoding of a URL's user or password.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl SmtpSender {
    /// A sender for `smtp://[user:pass@]host[:port][?starttls=required]` (plain, or
    /// STARTTLS when required) or `smtps://…` (implicit TLS), with `default_from`
    /// for pools without `EmailConfiguration.From`.
    pub fn from_url(url: &str, default_from: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("--smtp-url: {why} (expected smtp://[user:pass@]host:port)");
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let rest = rest.trim_end_matches('/');
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p.parse::<u16>().map_err(|_| bad("bad port"))?)),
            None => (hostport, None),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let starttls = query
            .split('&')
            .any(|kv| kv == "starttls=required" || kv == "tls=required");
        let mut builder = match scheme {
            "smtps" => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                .map_err(|e| bad(&e.to_string()))?,
            "smtp" if starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                .map_err(|e| bad(&e.to_string()))?,
            "smtp" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
            _ => return Err(bad("scheme must be smtp or smtps")),
        };
        if let Some(port) = port {
            builder = builder.port(port);
        }
        if let Some(userinfo) = userinfo {
            let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            builder =
                builder.credentials(Credentials::new(percent_decode(user), percent_decode(pass)));
        }
        let default_from = default_from
            .parse::<Mailbox>()
            .map_err(|e| format!("--email-from: {e}"))?;
        Ok(Self {
            transport: builder.timeout(Some(TIMEOUT)).build(),
            default_from,
        })
    }
}

#[async_trait]
impl MessageSender for SmtpSender {
    async fn send(&self, message: &Message) -> Result<Delivered, DeliveryError> {
        let from = match &message.from {
            Some(from) => from
                .parse::<Mailbox>()
                .map_err(|_| DeliveryError("the pool's From address is not valid".into()))?,
            None => self.default_from.clone(),
        };
        let to = message
            .destination
            .parse::<Mailbox>()
            .map_err(|_| DeliveryError("the destination address is not valid".into()))?;
        let email = lettre::Message::builder()
            .from(from)
            .to(to)
            .subject(message.subject.clone().unwrap_or_default())
            .header(if message.html {
                ContentType::TEXT_HTML
            } else {
                ContentType::TEXT_PLAIN
            })
            .body(message.body.clone())
            .map_err(|e| DeliveryError(format!("building the email: {e}")))?;
        self.transport
            .send(email)
            .await
            .map_err(|e| DeliveryError(format!("SMTP: {e}")))?;
        Ok(Delivered::Sent)
    }
}

/// SMS through an HTTP webhook (`http://host[:port]/path`).
#[derive(Debug)]
pub struct SmsWebhook {
    host: String,
    port: u16,
    path: String,
}

impl SmsWebhook {
    /// A webhook at `url` (plain HTTP).
    pub fn from_url(url: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("--sms-webhook-url: {why} (expected http://host:port/path)");
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| bad("only http:// is supported"))?;
        let (hostport, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p.parse::<u16>().map_err(|_| bad("bad port"))?),
            None => (hostport, 80),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        Ok(Self {
            host: host.to_owned(),
            port,
            path: path.to_owned(),
        })
    }

    /// POSTs `body`; the answer's status code.
    async fn post(&self, body: &[u8]) -> std::io::Result<u16> {
        let mut stream = tokio::net::TcpStream::connect((self.host.as_str(), self.port)).await?;
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.path,
            self.host,
            self.port,
            body.len()
        );
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body).await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        let status_line = answer.split(|b| *b == b'\n').next().unwrap_or_default();
        let status = std::str::from_utf8(status_line)
            .ok()
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| std::io::Error::other("not an HTTP answer"))?;
        Ok(status)
    }
}

#[async_trait]
impl MessageSender for SmsWebhook {
    async fn send(&self, message: &Message) -> Result<Delivered, DeliveryError> {
        let body = serde_json::json!({
            "to": message.destination,
            "message": message.body,
            "userPoolId": message.pool_id,
            "username": message.username,
            "purpose": message.purpose.as_str(),
        })
        .to_string();
        let status = tokio::time::timeout(TIMEOUT, self.post(body.as_bytes()))
            .await
            .map_err(|_| DeliveryError("SMS webhook: timed out".into()))?
            .map_err(|e| DeliveryError(format!("SMS webhook: {e}")))?;
        if (200..300).contains(&status) {
            Ok(Delivered::Sent)
        } else {
            Err(DeliveryError(format!("SMS webhook answered {status}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_parsed() {
        assert!(SmtpSender::from_url("smtp://127.0.0.1:2525", DEFAULT_FROM).is_ok());
        assert!(
            SmtpSender::from_url("smtp://u%40x:p@mail:587?starttls=required", DEFAULT_FROM).is_ok()
        );
        assert!(SmtpSender::from_url("smtps://mail.example.com", DEFAULT_FROM).is_ok());
        assert!(SmtpSender::from_url("ftp://x", DEFAULT_FROM).is_err());
        assert_eq!(percent_decode("u%40x"), "u@x");
        let hook = SmsWebhook::from_url("http://127.0.0.1:8080/sms").unwrap();
        assert_eq!(
            (hook.host.as_str(), hook.port, hook.path.as_str()),
            ("127.0.0.1", 8080, "/sms")
        );
        assert!(SmsWebhook::from_url("https://x/").is_err());
    }
}
