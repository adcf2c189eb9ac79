//! Behaviour tests of the codec and the validator against the real tables.

use serde_json::{json, Value};
use userpools_wire::types::{
    AdminCreateUserRequest, AdminSetUserPasswordRequest, AttributeType, AuthFlowType,
    CreateUserPoolClientRequest, ExplicitAuthFlowsType,
};
use userpools_wire::{
    decode_input, decode_input_value, encode_output, input_from_value, operation, parse_body,
    resolve_target, validate_input, IamResource, Operation, OperationSpec, ProfileAccess,
    QuotaCategory, Sensitive, WireError, OPERATIONS, SHAPES,
};

fn op(name: &str) -> &'static OperationSpec {
    operation(name).unwrap_or_else(|| panic!("no operation {name}"))
}

/// Decodes `body` for `op_name` and returns the error (panics on success).
fn err(op_name: &str, body: &Value) -> WireError {
    let bytes = serde_json::to_vec(body).unwrap();
    match decode_input_value(op(op_name), &bytes) {
        Ok(_) => panic!("{op_name} accepted {body}"),
        Err(e) => e,
    }
}

fn invalid(op_name: &str, body: Value) -> String {
    let e = err(op_name, &body);
    assert_eq!(e.type_name, "InvalidParameterException", "{e}");
    assert_eq!(e.status, 400);
    e.message
}

fn serialization(op_name: &str, body: Value) -> String {
    let e = err(op_name, &body);
    assert_eq!(e.type_name, "SerializationException", "{e}");
    assert_eq!(e.status, 400);
    e.message
}

const POOL: &str = "us-east-1_AbC123";

#[test]
fn target_resolution() {
    let op = resolve_target(Some(
        "AWSCognitoIdentityProviderService.AdminSetUserPassword",
    ))
    .unwrap();
    assert_eq!(op, Operation::AdminSetUserPassword);
    let op = op.spec();
    assert_eq!(op.name, "AdminSetUserPassword");
    assert_eq!(op.input, Some("AdminSetUserPasswordRequest"));
    assert_eq!(op.output, Some("AdminSetUserPasswordResponse"));
    assert!(op.requires_sigv4);
    assert!(op.errors.contains(&"InvalidPasswordException"));

    let op = resolve_target(Some(" AWSCognitoIdentityProviderService.InitiateAuth "))
        .unwrap()
        .spec();
    assert_eq!(op.name, "InitiateAuth");
    assert!(!op.requires_sigv4, "InitiateAuth is noAuth");

    for bad in [
        "AWSCognitoIdentityProviderService.NoSuchOperation",
        "AWSCognitoIdentityProviderService.adminsetuserpassword",
        "AWSCognitoIdentityProviderService.",
        "AWSCognitoIdentityProviderService",
        "AWSCognitoIdentityService.AdminSetUserPassword",
        "AdminSetUserPassword",
        "",
    ] {
        let e = resolve_target(Some(bad)).unwrap_err();
        assert_eq!(e.type_name, "UnknownOperationException", "{bad}");
        assert_eq!(e.status, 400);
        assert_eq!(e.message, format!("Unknown operation {}", bad.trim()));
    }
    let e = resolve_target(None).unwrap_err();
    assert_eq!(e.type_name, "UnknownOperationException");
    assert_eq!(e.message, "Unknown operation: missing X-Amz-Target header");
}

#[test]
fn operation_table() {
    assert_eq!(OPERATIONS.len(), 141);
    assert!(
        OPERATIONS.windows(2).all(|w| w[0].name < w[1].name),
        "sorted"
    );
    assert_eq!(OPERATIONS.iter().filter(|o| !o.requires_sigv4).count(), 34);
    for o in OPERATIONS {
        assert_eq!(operation(o.name).map(|x| x.name), Some(o.name));
        for s in o.input.iter().chain(o.output.iter()).chain(o.errors.iter()) {
            assert!(
                userpools_wire::try_shape(s).is_some(),
                "{} refers to {s}",
                o.name
            );
        }
    }
    assert!(operation("Nope").is_none());
    for (index, o) in OPERATIONS.iter().enumerate() {
        assert_eq!(o.operation as usize, index, "{}", o.name);
        assert_eq!(o.operation.name(), o.name);
        assert_eq!(Operation::from_name(o.name), Some(o.operation));
    }
    assert_eq!(Operation::all().count(), 141);
    assert_eq!(Operation::from_name("Nope"), None);
    assert_eq!(SHAPES.len(), 685);
    assert!(SHAPES.windows(2).all(|w| w[0].name < w[1].name), "sorted");
}

#[test]
fn operation_metadata() {
    let spec = |op: Operation| op.spec();
    for (op, resource) in [
        (Operation::AdminGetUser, IamResource::UserPool),
        (Operation::TagResource, IamResource::ResourceArn),
        (Operation::CreateUserPool, IamResource::Any),
        (Operation::ListUserPools, IamResource::Any),
    ] {
        assert_eq!(spec(op).iam_resource, resource, "{op}");
    }
    let quota = spec(Operation::AdminSetUserPassword).quota;
    assert_eq!(quota.category, QuotaCategory::UserAccountRecovery);
    assert_eq!(quota.per_user, None);
    assert!(!quota.own_challenge_allowance);
    let quota = spec(Operation::RespondToAuthChallenge).quota;
    assert_eq!(quota.category, QuotaCategory::UserAuthentication);
    assert!(quota.own_challenge_allowance);
    assert_eq!(
        spec(Operation::AdminGetUser).quota.per_user,
        Some(ProfileAccess::Read)
    );
    assert_eq!(
        spec(Operation::UpdateUserAttributes).quota.per_user,
        Some(ProfileAccess::Write)
    );
    // Unlisted operations are pool-resource operations.
    assert_eq!(
        spec(Operation::ListGroups).quota.category,
        QuotaCategory::UserPoolResourceRead
    );
    assert_eq!(
        spec(Operation::CreateGroup).quota.category,
        QuotaCategory::UserPoolResourceUpdate
    );
    assert_eq!(QuotaCategory::ALL.len(), 17);
    assert_eq!(QuotaCategory::UserRead.name(), "UserRead");
    assert_eq!(QuotaCategory::UserRead.default_rps(), 120);
    assert_eq!(
        QuotaCategory::from_name("UserRead"),
        Some(QuotaCategory::UserRead)
    );
    assert_eq!(QuotaCategory::from_name("userread"), None);
}

#[test]
fn decoding_from_a_parsed_value_matches_decoding_bytes() {
    let asp = op("AdminSetUserPassword");
    for body in [
        &b""[..],
        b" ",
        b"{",
        b"\xff",
        b"[]",
        br#"{"UserPoolId":"us-east-1_AbC123","Username":"a","Password":"Passw0rd!"}"#,
        br#"{"UserPoolId":"us-east-1_AbC123","Username":"a","Password":"Passw0rd!","Permanent":"x"}"#,
    ] {
        let bytes: Result<AdminSetUserPasswordRequest, WireError> = decode_input(asp, body);
        let value = parse_body(body).and_then(|v| input_from_value::<AdminSetUserPasswordRequest>(asp, v));
        match (bytes, value) {
            (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}")),
            (Err(a), Err(b)) => assert_eq!((a.type_name, a.message), (b.type_name, b.message)),
            (a, b) => panic!("{a:?} vs {b:?}"),
        }
    }
}

#[test]
fn every_model_pattern_compiles() {
    for s in SHAPES {
        if let Some(p) = s.pattern {
            userpools_wire::pattern::compiled(p).unwrap_or_else(|e| panic!("{}: {e}", s.name));
        }
    }
}

#[test]
fn string_for_boolean_is_a_serialization_error() {
    let body = json!({"UserPoolId": POOL, "Username": "alice", "Password": "Passw0rd!", "Permanent": "false"});
    assert_eq!(
        serialization("AdminSetUserPassword", body),
        "STRING_VALUE can not be converted to a Boolean"
    );
}

#[test]
fn other_type_mismatches() {
    let base = || json!({"UserPoolId": POOL, "Username": "alice", "Password": "Passw0rd!"});
    let mut b = base();
    b["UserPoolId"] = json!(12);
    assert_eq!(
        serialization("AdminSetUserPassword", b),
        "NUMBER_VALUE can not be converted to a String"
    );
    let mut b = base();
    b["Username"] = json!({"a": 1});
    assert_eq!(
        serialization("AdminSetUserPassword", b),
        "Start of structure or map found where not expected."
    );
    let mut b = base();
    b["Password"] = json!(["x"]);
    assert_eq!(
        serialization("AdminSetUserPassword", b),
        "Start of list found where not expected"
    );
    let mut b = base();
    b["Permanent"] = json!(1);
    assert_eq!(
        serialization("AdminSetUserPassword", b),
        "NUMBER_VALUE can not be converted to a Boolean"
    );

    // A list where a structure is expected, and a structure where a list is expected.
    let b = json!({"PoolName": "p", "Policies": []});
    assert_eq!(
        serialization("CreateUserPool", b),
        "Start of list found where not expected"
    );
    let b = json!({"UserPoolId": POOL, "ClientName": "c", "ExplicitAuthFlows": {"a": "b"}});
    assert_eq!(
        serialization("CreateUserPoolClient", b),
        "Start of structure or map found where not expected."
    );
    // Integers: strings, fractions and out-of-range numbers are rejected.
    for v in [json!("8"), json!(8.5), json!(4_294_967_296_i64)] {
        let b = json!({"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": v}}});
        let m = serialization("CreateUserPool", b);
        assert!(m.ends_with("can not be converted to an Integer"), "{m}");
    }
    // null list elements / map values.
    let b = json!({"UserPoolId": POOL, "ClientName": "c", "ExplicitAuthFlows": [null]});
    assert_eq!(
        serialization("CreateUserPoolClient", b),
        "NULL_VALUE can not be converted to a String"
    );
    // The body itself must be an object.
    for (body, msg) in [
        (&b"[]"[..], "Start of list found where not expected"),
        (b"\"x\"", "STRING_VALUE can not be converted to a Structure"),
        (b"null", "NULL_VALUE can not be converted to a Structure"),
        (b"7", "NUMBER_VALUE can not be converted to a Structure"),
    ] {
        let e = decode_input_value(op("AdminSetUserPassword"), body).unwrap_err();
        assert_eq!(
            (e.type_name.as_str(), e.message.as_str()),
            ("SerializationException", msg)
        );
    }
    let e = decode_input_value(op("AdminSetUserPassword"), b"{\"UserPoolId\": ").unwrap_err();
    assert_eq!(e.type_name, "SerializationException");
    assert!(
        e.message.starts_with("Malformed JSON request body: "),
        "{}",
        e.message
    );
    let e = decode_input_value(op("AdminSetUserPassword"), b"\xff\xfe").unwrap_err();
    assert_eq!(e.type_name, "SerializationException");
}

#[test]
fn null_members_are_absent_and_unknown_members_ignored() {
    let body = json!({"UserPoolId": POOL, "Username": "alice", "Password": "Passw0rd!", "Permanent": null, "Extra": [1, {"x": 2}]});
    let req: AdminSetUserPasswordRequest =
        decode_input(op("AdminSetUserPassword"), body.to_string().as_bytes()).unwrap();
    assert_eq!(req.permanent, None);
    assert_eq!(req.user_pool_id, POOL);
    assert_eq!(req.password.expose(), "Passw0rd!");
}

#[test]
fn missing_required_members_in_model_order() {
    // The pinned model file lists members alphabetically (Password, Permanent,
    // UserPoolId, Username), so that is the order of the violations.
    let expected = "3 validation errors detected: \
        Value null at 'password' failed to satisfy constraint: Member must not be null; \
        Value null at 'userPoolId' failed to satisfy constraint: Member must not be null; \
        Value null at 'username' failed to satisfy constraint: Member must not be null";
    assert_eq!(invalid("AdminSetUserPassword", json!({})), expected);
    // An empty body is `{}`.
    let e = decode_input_value(op("AdminSetUserPassword"), b"").unwrap_err();
    assert_eq!(e.message, expected);
    let e = decode_input_value(op("AdminSetUserPassword"), b" \r\n").unwrap_err();
    assert_eq!(e.message, expected);
    // `null` counts as missing.
    assert_eq!(
        invalid("AdminSetUserPassword", json!({"UserPoolId": null, "Username": "alice", "Password": "Passw0rd!"})),
        "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn pattern_violation_shows_non_sensitive_value() {
    let body = json!({"UserPoolId": "bad", "Username": "alice", "Password": "Passw0rd!"});
    assert_eq!(
        invalid("AdminSetUserPassword", body),
        r"1 validation error detected: Value 'bad' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+"
    );
    // Empty string: length and pattern both fail.
    let body = json!({"UserPoolId": "", "Username": "alice", "Password": "Passw0rd!"});
    assert_eq!(
        invalid("AdminSetUserPassword", body),
        r"2 validation errors detected: Value '' at 'userPoolId' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w-]+_[0-9a-zA-Z]+"
    );
}

#[test]
fn long_password_is_hidden() {
    let password = "a".repeat(257);
    let body = json!({"UserPoolId": POOL, "Username": "alice", "Password": password});
    let msg = invalid("AdminSetUserPassword", body);
    assert_eq!(
        msg,
        "1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length less than or equal to 256"
    );
    assert!(!msg.contains("aaaa"));
    // 256 code points (not bytes) are fine.
    let body = json!({"UserPoolId": POOL, "Username": "alice", "Password": "é".repeat(256)});
    decode_input_value(op("AdminSetUserPassword"), body.to_string().as_bytes()).unwrap();
}

#[test]
fn whitespace_only_password_fails_pattern() {
    let body = json!({"UserPoolId": POOL, "Username": "alice", "Password": "   "});
    assert_eq!(
        invalid("AdminSetUserPassword", body),
        r"1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\S]+"
    );
    // Unanchored: one non-space character is enough.
    let body = json!({"UserPoolId": POOL, "Username": "alice", "Password": " a b "});
    decode_input_value(op("AdminSetUserPassword"), body.to_string().as_bytes()).unwrap();
    // Username pattern rejects blanks, and the value stays hidden.
    let body = json!({"UserPoolId": POOL, "Username": "   ", "Password": "x"});
    assert_eq!(
        invalid("AdminSetUserPassword", body),
        r"1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{M}\p{S}\p{N}\p{P}]+"
    );
}

#[test]
fn nested_member_path() {
    let body = json!({"PoolName": "pool", "Policies": {"PasswordPolicy": {"MinimumLength": 5}}});
    assert_eq!(
        invalid("CreateUserPool", body),
        "1 validation error detected: Value '5' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value greater than or equal to 6"
    );
    let body = json!({"PoolName": "pool", "Policies": {"PasswordPolicy": {"MinimumLength": 100, "TemporaryPasswordValidityDays": -1}}});
    assert_eq!(
        invalid("CreateUserPool", body),
        "2 validation errors detected: \
         Value '100' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value less than or equal to 99; \
         Value '-1' at 'policies.passwordPolicy.temporaryPasswordValidityDays' failed to satisfy constraint: Member must have value greater than or equal to 0"
    );
    // Required member of a nested structure.
    let body = json!({"PoolName": "pool", "UsernameConfiguration": {}});
    assert_eq!(
        invalid("CreateUserPool", body),
        "1 validation error detected: Value null at 'usernameConfiguration.caseSensitive' failed to satisfy constraint: Member must not be null"
    );
}

#[test]
fn list_of_structures_paths() {
    let body = json!({
        "UserPoolId": POOL,
        "Username": "alice",
        "UserAttributes": [{"Name": "email", "Value": "a@example.com"}, {"Value": "x"}, {"Name": ""}]
    });
    assert_eq!(
        invalid("AdminCreateUser", body),
        "3 validation errors detected: \
         Value null at 'userAttributes.2.member.name' failed to satisfy constraint: Member must not be null; \
         Value '' at 'userAttributes.3.member.name' failed to satisfy constraint: Member must have length greater than or equal to 1; \
         Value '' at 'userAttributes.3.member.name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\t\\n\\r ]+"
    );
}

#[test]
fn enum_violations() {
    let body = json!({"UserPoolId": POOL, "ClientName": "app", "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "BOGUS", "ALSO_BOGUS"]});
    assert_eq!(
        invalid("CreateUserPoolClient", body),
        "1 validation error detected: Value '[ALLOW_USER_SRP_AUTH, BOGUS, ALSO_BOGUS]' at 'explicitAuthFlows' failed to satisfy constraint: \
         Member must satisfy constraint: [Member must satisfy enum value set: [ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH, \
         ALLOW_ADMIN_USER_PASSWORD_AUTH, ALLOW_CUSTOM_AUTH, ALLOW_USER_PASSWORD_AUTH, ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH, \
         ALLOW_USER_AUTH, ALLOW_TOKEN_EXCHANGE_DELEGATION, ALLOW_TOKEN_EXCHANGE_IMPERSONATION]]"
    );
    let body =
        json!({"UserPoolId": POOL, "ClientName": "app", "PreventUserExistenceErrors": "enabled"});
    assert_eq!(
        invalid("CreateUserPoolClient", body),
        "1 validation error detected: Value 'enabled' at 'preventUserExistenceErrors' failed to satisfy constraint: Member must satisfy enum value set: [LEGACY, ENABLED]"
    );
    // List length and element rules together.
    let body = json!({"UserPoolId": POOL, "ClientName": "app", "AllowedOAuthFlows": ["code", "implicit", "client_credentials", "x"]});
    assert_eq!(
        invalid("CreateUserPoolClient", body),
        "2 validation errors detected: \
         Value '[code, implicit, client_credentials, x]' at 'allowedOAuthFlows' failed to satisfy constraint: Member must have length less than or equal to 3; \
         Value '[code, implicit, client_credentials, x]' at 'allowedOAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [code, implicit, client_credentials]]"
    );
    // Valid values decode into the generated enums.
    let body = json!({"UserPoolId": POOL, "ClientName": "app", "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]});
    let req: CreateUserPoolClientRequest =
        decode_input(op("CreateUserPoolClient"), body.to_string().as_bytes()).unwrap();
    assert_eq!(
        req.explicit_auth_flows,
        Some(vec![
            ExplicitAuthFlowsType::AllowUserSrpAuth,
            ExplicitAuthFlowsType::AllowRefreshTokenAuth
        ])
    );
}

#[test]
fn map_violations_and_sensitive_maps() {
    let body = json!({"UserPoolId": POOL, "ClientName": "app"});
    decode_input_value(op("CreateUserPoolClient"), body.to_string().as_bytes()).unwrap();
    let body = json!({"PoolName": "pool", "UserPoolTags": {"": "v", "ok": "w".repeat(257)}});
    assert_eq!(
        invalid("CreateUserPool", body.clone()),
        format!(
            "2 validation errors detected: \
             Value '{{=v, ok={w}}}' at 'userPoolTags' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length greater than or equal to 1]; \
             Value '{{=v, ok={w}}}' at 'userPoolTags' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 256]",
            w = "w".repeat(257)
        )
    );
    // AuthParameters is a sensitive map: its value is never shown.
    let secret = "s".repeat(131_073);
    let body = json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": "abc", "AuthParameters": {"PASSWORD": secret}});
    let msg = invalid("InitiateAuth", body);
    assert_eq!(
        msg,
        "1 validation error detected: Value at 'authParameters' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 131072]"
    );
}

#[test]
fn valid_request_round_trips() {
    let body = json!({
        "UserPoolId": POOL,
        "Username": "alice",
        "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}, {"Name": "email_verified", "Value": "true"}],
        "TemporaryPassword": "Temp0rary!",
        "MessageAction": "SUPPRESS",
        "DesiredDeliveryMediums": ["EMAIL"],
        "ForceAliasCreation": false,
        "ClientMetadata": {"k": "v"}
    });
    let req: AdminCreateUserRequest =
        decode_input(op("AdminCreateUser"), body.to_string().as_bytes()).unwrap();
    assert_eq!(req.username.expose(), "alice");
    assert_eq!(
        req.temporary_password.as_ref().map(|p| p.as_str()),
        Some("Temp0rary!")
    );
    assert_eq!(
        req.user_attributes.as_ref().unwrap()[0],
        AttributeType {
            name: "email".to_owned(),
            value: Some(Sensitive::new("alice@example.com".to_owned()))
        }
    );
    let encoded: Value = serde_json::from_slice(&encode_output(&req)).unwrap();
    assert_eq!(encoded, body);
    let again: AdminCreateUserRequest = serde_json::from_value(encoded).unwrap();
    assert_eq!(again, req);

    // Absent optional members are omitted; empty structures encode as `{}`.
    let minimal = AdminCreateUserRequest {
        user_pool_id: POOL.to_owned(),
        username: "bob".into(),
        ..Default::default()
    };
    assert_eq!(
        serde_json::from_slice::<Value>(&encode_output(&minimal)).unwrap(),
        json!({"UserPoolId": POOL, "Username": "bob"})
    );
    assert_eq!(
        encode_output(&userpools_wire::types::AdminSetUserPasswordResponse {}),
        b"{}"
    );
}

#[test]
fn generated_enums() {
    assert_eq!(AuthFlowType::UserSrpAuth.as_str(), "USER_SRP_AUTH");
    assert_eq!(
        "ADMIN_NO_SRP_AUTH".parse::<AuthFlowType>().unwrap(),
        AuthFlowType::AdminNoSrpAuth
    );
    assert_eq!(
        AuthFlowType::UserPasswordAuth.to_string(),
        "USER_PASSWORD_AUTH"
    );
    let e = "user_srp_auth".parse::<AuthFlowType>().unwrap_err();
    assert_eq!(e.enum_name, "AuthFlowType");
    assert_eq!(
        serde_json::to_string(&AuthFlowType::RefreshTokenAuth).unwrap(),
        "\"REFRESH_TOKEN_AUTH\""
    );
    assert_eq!(AuthFlowType::VALUES.len(), 8);
}

#[test]
fn debug_never_prints_sensitive_values() {
    let body = json!({"UserPoolId": POOL, "Username": "alice-the-user", "Password": "Sup3r-Secret-Passw0rd"});
    let req: AdminSetUserPasswordRequest =
        decode_input(op("AdminSetUserPassword"), body.to_string().as_bytes()).unwrap();
    let debug = format!("{req:?}");
    assert!(!debug.contains("Sup3r-Secret-Passw0rd"), "{debug}");
    assert!(!debug.contains("alice-the-user"), "{debug}");
    assert!(debug.contains(POOL), "{debug}");
    assert!(debug.contains("*** Sensitive Data Redacted ***"), "{debug}");
    let pretty = format!("{req:#?}");
    assert!(!pretty.contains("Sup3r-Secret-Passw0rd"));

    // A sensitive structure is redacted as a whole, even on its own.
    let ctx = userpools_wire::types::UserContextDataType {
        ip_address: Some("203.0.113.9".to_owned()),
        encoded_data: None,
    };
    assert!(!format!("{ctx:?}").contains("203.0.113.9"));
}

#[test]
fn validate_input_directly() {
    assert!(validate_input(
        "AdminSetUserPasswordRequest",
        &json!({"UserPoolId": POOL, "Username": "a", "Password": "b"})
    )
    .is_ok());
    let e = validate_input("NoSuchShape", &json!({})).unwrap_err();
    assert_eq!(e.status, 500);
    // Every input shape accepts… at least its own required-member errors, without panicking.
    for o in OPERATIONS {
        if let Some(input) = o.input {
            match validate_input(input, &json!({})) {
                Ok(()) => {}
                Err(e) => assert_eq!(e.type_name, "InvalidParameterException", "{}: {e}", o.name),
            }
        }
    }
}

#[test]
fn map_of_structures_paths() {
    let body = json!({
        "PoolName": "pool",
        "AcrConfiguration": {"Level1": {"AcrValue": "urn:x"}, "Level9": {}}
    });
    assert_eq!(
        invalid("CreateUserPool", body),
        "2 validation errors detected: \
         Value '{Level1={AcrValue=urn:x}, Level9={}}' at 'acrConfiguration' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: Level[1-4]]; \
         Value null at 'acrConfiguration.Level9.member.acrValue' failed to satisfy constraint: Member must not be null"
    );
}
