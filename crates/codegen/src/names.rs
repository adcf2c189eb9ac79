//! Identifier and literal helpers.

/// Splits a model identifier into words: `MFAOptions` → `MFA`, `Options`;
/// `phone_number` → `phone`, `number`; `S3Bucket` → `S3`, `Bucket`.
fn words(ident: &str) -> Vec<String> {
    let chars: Vec<char> = ident.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if !cur.is_empty() {
            let prev = chars[i - 1];
            let next = chars.get(i + 1).copied();
            let after_next = chars.get(i + 2).copied();
            // A plural acronym (`URLs`) stays one word.
            let plural_acronym =
                next == Some('s') && !after_next.is_some_and(|a| a.is_ascii_lowercase());
            let boundary = (c.is_ascii_uppercase()
                && (prev.is_ascii_lowercase() || prev.is_ascii_digit()))
                || (c.is_ascii_uppercase()
                    && prev.is_ascii_uppercase()
                    && next.is_some_and(|n| n.is_ascii_lowercase())
                    && !plural_acronym);
            if boundary {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "try",
    "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield",
];

/// `UserPoolId` → `user_pool_id`, `MFAOptions` → `mfa_options`, `Type` → `r#type`.
pub fn snake_case(ident: &str) -> String {
    // `OAuth` is one word (`AllowedOAuthFlows` → `allowed_oauth_flows`).
    let ident = ident.replace("OAuth", "Oauth");
    let s = words(&ident)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    let s = if s.starts_with(|c: char| c.is_ascii_digit()) || s.is_empty() {
        format!("f_{s}")
    } else {
        s
    };
    if KEYWORDS.contains(&s.as_str()) {
        if matches!(s.as_str(), "self" | "Self" | "super" | "crate") {
            format!("{s}_")
        } else {
            format!("r#{s}")
        }
    } else {
        s
    }
}

/// Enum variant name for a wire value: `ADMIN_NO_SRP_AUTH` → `AdminNoSrpAuth`,
/// `phone_number` → `PhoneNumber`, `DateTime` → `DateTime`.
pub fn variant_name(value: &str) -> String {
    let mut out = String::new();
    for w in words(value) {
        let all_upper = !w.chars().any(|c| c.is_ascii_lowercase());
        let mut cs = w.chars();
        if let Some(first) = cs.next() {
            out.push(first.to_ascii_uppercase());
            let rest: String = cs.collect();
            if all_upper {
                out.push_str(&rest.to_ascii_lowercase());
            } else {
                out.push_str(&rest);
            }
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    if out == "Self" {
        out.push('_');
    }
    out
}

/// A Rust string literal for `s`: a raw string when that reads better
/// (backslashes, no quotes), otherwise an escaped literal.
pub fn str_lit(s: &str) -> String {
    let printable = s.chars().all(|c| !c.is_control());
    if printable && s.contains('\\') && !s.contains('"') {
        format!("r\"{s}\"")
    } else {
        format!("{s:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake() {
        assert_eq!(snake_case("UserPoolId"), "user_pool_id");
        assert_eq!(snake_case("MFAOptions"), "mfa_options");
        assert_eq!(snake_case("SMSMfaSettings"), "sms_mfa_settings");
        assert_eq!(snake_case("KMSKeyID"), "kms_key_id");
        assert_eq!(snake_case("CSSVersion"), "css_version");
        assert_eq!(snake_case("S3Bucket"), "s3_bucket");
        assert_eq!(snake_case("headerName"), "header_name");
        assert_eq!(snake_case("Type"), "r#type");
        assert_eq!(snake_case("UICustomization"), "ui_customization");
        assert_eq!(snake_case("AWSAccountId"), "aws_account_id");
        assert_eq!(snake_case("CallbackURLs"), "callback_urls");
        assert_eq!(snake_case("AllowedOAuthScopes"), "allowed_oauth_scopes");
    }

    #[test]
    fn variants() {
        assert_eq!(variant_name("ADMIN_NO_SRP_AUTH"), "AdminNoSrpAuth");
        assert_eq!(variant_name("phone_number"), "PhoneNumber");
        assert_eq!(variant_name("DateTime"), "DateTime");
        assert_eq!(variant_name("String"), "String");
        assert_eq!(variant_name("SMS"), "Sms");
        assert_eq!(variant_name("client_credentials"), "ClientCredentials");
    }

    #[test]
    fn literals() {
        assert_eq!(str_lit(r"[\w-]+"), r#"r"[\w-]+""#);
        assert_eq!(str_lit("plain"), "\"plain\"");
        assert_eq!(str_lit("a\"b\\c"), r#""a\"b\\c""#);
    }
}
