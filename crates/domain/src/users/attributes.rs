//! Attribute rules: the pool's schema, required attributes, sign-in names.

use crate::error::{DomainError, DomainResult};
use crate::model::{AttributeDataType, User, UserPool, UserStatus};
use crate::service::Service;
use crate::users::nfc;

pub(crate) fn looks_like_email(value: &str) -> bool {
    let mut parts = value.splitn(2, '@');
    matches!((parts.next(), parts.next()), (Some(a), Some(b)) if !a.is_empty() && !b.is_empty())
}

pub(crate) fn looks_like_phone(value: &str) -> bool {
    value.len() > 2 && value.starts_with('+') && value[1..].chars().all(|c| c.is_ascii_digit())
}

pub(crate) fn looks_like_uuid(value: &str) -> bool {
    uuid::Uuid::parse_str(value).is_ok() && value.len() == 36
}

impl Service {
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
            if attribute.data_type == AttributeDataType::Boolean
                && !value.is_empty()
                && value != "true"
                && value != "false"
            {
                return Err(schema_error("Attribute value must be true or false."));
            }
            if attribute.data_type == AttributeDataType::Number
                && !value.is_empty()
                && value.parse::<f64>().is_err()
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

    /// Works out the internal username and initial attributes of a new user.
    pub(crate) fn new_user(
        &self,
        pool: &UserPool,
        username: &str,
        attributes: &[(String, String)],
        status: UserStatus,
    ) -> DomainResult<User> {
        Self::check_attributes(pool, attributes, true)?;
        // Usernames and alias values are stored in NFC (see `users::nfc`).
        let username = nfc(username);
        let username = username.as_str();
        let attributes: Vec<(String, String)> = attributes
            .iter()
            .map(|(name, value)| match name.as_str() {
                "email" | "phone_number" | "preferred_username" => (name.clone(), nfc(value)),
                _ => (name.clone(), value.clone()),
            })
            .collect();
        let sub = uuid::Uuid::new_v4().to_string();
        let mut user = User::new(username.to_owned(), sub.clone(), status, self.now_ms());
        for (name, value) in &attributes {
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
}
