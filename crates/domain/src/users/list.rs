//! ListUsers and its filter language.

use crate::error::{DomainError, DomainResult};
use crate::model::User;
use crate::persist::{decode_page_token, encode_page_token, from_json};
use crate::service::Service;

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
    pub(crate) fn matches(&self, user: &User) -> bool {
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
        let mut after = decode_page_token(token)?;
        let mut users = Vec::new();
        loop {
            let page = self
                .store()
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
                        return Ok((users, more.then(|| encode_page_token(&row.username_key))));
                    }
                }
            }
            match page.next {
                Some(_) => after = last_key,
                None => return Ok((users, None)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(crate) fn filters_parse() {
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
}
