//! Sign-in: InitiateAuth / AdminInitiateAuth and RespondToAuthChallenge /
//! AdminRespondToAuthChallenge (this file), with one submodule per flow:
//! [`password`] (USER_PASSWORD_AUTH), [`srp`] (USER_SRP_AUTH and
//! PASSWORD_VERIFIER), [`new_password`] (NEW_PASSWORD_REQUIRED), [`refresh`]
//! (REFRESH_TOKEN_AUTH); [`session`] issues and checks tokens and
//! [`sign_out`] ends sessions; [`attempts`] holds what every password check
//! shares (status refusals, the lockout count, simulated unknown users).
//!
//! Nothing of a sign-in lives in a node's memory: SRP round-1 state travels
//! sealed in SECRET_BLOCK, challenge sessions are sealed too (with a one-time
//! marker in the store), and refresh tokens are sealed claims checked against
//! the user's live sessions.

mod attempts;
mod new_password;
mod password;
mod refresh;
mod session;
mod sign_out;
mod srp;

use std::collections::BTreeMap;

use crate::error::{DomainError, DomainResult};
use serde::{Deserialize, Serialize};

use crate::model::{AppClient, ExplicitAuthFlow, PreventUserExistenceErrors, UserPool};
use crate::service::Service;

pub(crate) const INCORRECT: &str = "Incorrect username or password.";
const SESSION_EXPIRED: &str = "Invalid session for the user, session is expired.";
/// Tokens of a successful sign-in (`AuthenticationResult`).
#[derive(Clone)]
pub struct AuthTokens {
    /// Access token (JWT).
    pub access_token: String,
    /// ID token (JWT).
    pub id_token: String,
    /// Refresh token (opaque); None on refresh.
    pub refresh_token: Option<String>,
    /// Access-token lifetime in seconds.
    pub expires_in: u64,
}

impl std::fmt::Debug for AuthTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthTokens(*** redacted ***)")
    }
}

/// What a sign-in step answers: a challenge or tokens.
#[derive(Debug, Clone)]
pub enum AuthOutcome {
    /// A challenge to answer next.
    Challenge {
        /// ChallengeName.
        name: ChallengeName,
        /// Session to send back, if any.
        session: Option<String>,
        /// ChallengeParameters.
        parameters: BTreeMap<String, String>,
    },
    /// Signed in.
    Tokens(AuthTokens),
}

/// Who calls: the app-client API (InitiateAuth) or an administrator naming the pool.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    /// InitiateAuth / RespondToAuthChallenge.
    Client,
    /// AdminInitiateAuth / AdminRespondToAuthChallenge on this pool.
    Admin(&'a str),
}

/// AuthFlow of InitiateAuth / AdminInitiateAuth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFlow {
    /// USER_SRP_AUTH.
    UserSrpAuth,
    /// REFRESH_TOKEN_AUTH.
    RefreshTokenAuth,
    /// REFRESH_TOKEN (same as REFRESH_TOKEN_AUTH).
    RefreshToken,
    /// CUSTOM_AUTH.
    CustomAuth,
    /// ADMIN_NO_SRP_AUTH (legacy name of ADMIN_USER_PASSWORD_AUTH).
    AdminNoSrpAuth,
    /// USER_PASSWORD_AUTH.
    UserPasswordAuth,
    /// ADMIN_USER_PASSWORD_AUTH.
    AdminUserPasswordAuth,
    /// USER_AUTH (choice-based sign-in).
    UserAuth,
}

impl AuthFlow {
    /// The wire name, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserSrpAuth => "USER_SRP_AUTH",
            Self::RefreshTokenAuth => "REFRESH_TOKEN_AUTH",
            Self::RefreshToken => "REFRESH_TOKEN",
            Self::CustomAuth => "CUSTOM_AUTH",
            Self::AdminNoSrpAuth => "ADMIN_NO_SRP_AUTH",
            Self::UserPasswordAuth => "USER_PASSWORD_AUTH",
            Self::AdminUserPasswordAuth => "ADMIN_USER_PASSWORD_AUTH",
            Self::UserAuth => "USER_AUTH",
        }
    }

    /// Is this flow enabled by the client's ExplicitAuthFlows? A client with
    /// only legacy values also allows SRP and refresh.
    fn enabled_for(self, client: &AppClient) -> bool {
        use ExplicitAuthFlow as E;
        let has = |f: E| client.explicit_auth_flows.contains(&f);
        let legacy = client.explicit_auth_flows.iter().all(|f| f.is_legacy());
        match self {
            Self::UserPasswordAuth => has(E::AllowUserPasswordAuth) || has(E::UserPasswordAuth),
            Self::AdminUserPasswordAuth | Self::AdminNoSrpAuth => {
                has(E::AllowAdminUserPasswordAuth) || has(E::AdminNoSrpAuth)
            }
            Self::UserSrpAuth => has(E::AllowUserSrpAuth) || legacy,
            Self::RefreshTokenAuth | Self::RefreshToken => has(E::AllowRefreshTokenAuth) || legacy,
            Self::CustomAuth => has(E::AllowCustomAuth) || has(E::CustomAuthFlowOnly),
            Self::UserAuth => has(E::AllowUserAuth),
        }
    }
}

/// ChallengeName: what a sign-in step asks for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChallengeName {
    /// SMS_MFA.
    SmsMfa,
    /// EMAIL_OTP.
    EmailOtp,
    /// SOFTWARE_TOKEN_MFA.
    SoftwareTokenMfa,
    /// SELECT_MFA_TYPE.
    SelectMfaType,
    /// MFA_SETUP.
    MfaSetup,
    /// PASSWORD_VERIFIER: SRP round two.
    PasswordVerifier,
    /// CUSTOM_CHALLENGE.
    CustomChallenge,
    /// SELECT_CHALLENGE.
    SelectChallenge,
    /// DEVICE_SRP_AUTH.
    DeviceSrpAuth,
    /// DEVICE_PASSWORD_VERIFIER.
    DevicePasswordVerifier,
    /// ADMIN_NO_SRP_AUTH.
    AdminNoSrpAuth,
    /// NEW_PASSWORD_REQUIRED: a temporary password must be replaced.
    NewPasswordRequired,
    /// SMS_OTP.
    SmsOtp,
    /// PASSWORD.
    Password,
    /// WEB_AUTHN.
    WebAuthn,
    /// PASSWORD_SRP.
    PasswordSrp,
}

impl ChallengeName {
    /// The wire name, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SmsMfa => "SMS_MFA",
            Self::EmailOtp => "EMAIL_OTP",
            Self::SoftwareTokenMfa => "SOFTWARE_TOKEN_MFA",
            Self::SelectMfaType => "SELECT_MFA_TYPE",
            Self::MfaSetup => "MFA_SETUP",
            Self::PasswordVerifier => "PASSWORD_VERIFIER",
            Self::CustomChallenge => "CUSTOM_CHALLENGE",
            Self::SelectChallenge => "SELECT_CHALLENGE",
            Self::DeviceSrpAuth => "DEVICE_SRP_AUTH",
            Self::DevicePasswordVerifier => "DEVICE_PASSWORD_VERIFIER",
            Self::AdminNoSrpAuth => "ADMIN_NO_SRP_AUTH",
            Self::NewPasswordRequired => "NEW_PASSWORD_REQUIRED",
            Self::SmsOtp => "SMS_OTP",
            Self::Password => "PASSWORD",
            Self::WebAuthn => "WEB_AUTHN",
            Self::PasswordSrp => "PASSWORD_SRP",
        }
    }
}

pub(crate) fn not_authorized(message: &str) -> DomainError {
    DomainError::NotAuthorized(message.into())
}

fn missing(parameter: &str) -> DomainError {
    DomainError::InvalidParameter(format!("Missing required parameter {parameter}"))
}

impl Service {
    /// The client named by a sign-in call; for admin calls it must belong to the pool.
    async fn sign_in_client(
        &self,
        caller: Caller<'_>,
        client_id: &str,
    ) -> DomainResult<(UserPool, AppClient)> {
        if let Caller::Admin(pool_id) = caller {
            self.load_pool(pool_id).await?;
        }
        let (pool, client) = self.client_by_id(client_id).await?;
        if let Caller::Admin(pool_id) = caller {
            if pool.id != pool_id {
                return Err(DomainError::ResourceNotFound(format!(
                    "User pool client {client_id} does not exist."
                )));
            }
        }
        Ok((pool, client))
    }

    fn hides_user_existence(client: &AppClient) -> bool {
        client.prevent_user_existence_errors == PreventUserExistenceErrors::Enabled
    }

    /// InitiateAuth and AdminInitiateAuth.
    pub async fn initiate_auth(
        &self,
        caller: Caller<'_>,
        client_id: &str,
        flow: AuthFlow,
        parameters: &BTreeMap<String, String>,
    ) -> DomainResult<AuthOutcome> {
        let (pool, client) = self.sign_in_client(caller, client_id).await?;
        let admin_flow = matches!(
            flow,
            AuthFlow::AdminUserPasswordAuth | AuthFlow::AdminNoSrpAuth
        );
        if admin_flow && matches!(caller, Caller::Client) {
            return Err(DomainError::InvalidParameter(
                "Initiate Auth method not supported.".into(),
            ));
        }
        if flow == AuthFlow::UserPasswordAuth && matches!(caller, Caller::Admin(_)) {
            return Err(DomainError::InvalidParameter(
                "Initiate Auth method not supported.".into(),
            ));
        }
        if !flow.enabled_for(&client) {
            return Err(DomainError::InvalidParameter(match flow {
                AuthFlow::UserPasswordAuth => {
                    "USER_PASSWORD_AUTH flow not enabled for this client".into()
                }
                _ => "Auth flow not enabled for this client".into(),
            }));
        }
        let parameter = |name: &str| parameters.get(name).map(String::as_str);
        match flow {
            AuthFlow::UserPasswordAuth
            | AuthFlow::AdminUserPasswordAuth
            | AuthFlow::AdminNoSrpAuth => {
                let username = parameter("USERNAME").ok_or_else(|| missing("USERNAME"))?;
                let password = parameter("PASSWORD").ok_or_else(|| missing("PASSWORD"))?;
                self.check_secret_hash(&client, username, parameter("SECRET_HASH"))?;
                self.password_sign_in(&pool, &client, username, password)
                    .await
            }
            AuthFlow::UserSrpAuth => {
                let username = parameter("USERNAME").ok_or_else(|| missing("USERNAME"))?;
                let srp_a = parameter("SRP_A").ok_or_else(|| missing("SRP_A"))?;
                self.check_secret_hash(&client, username, parameter("SECRET_HASH"))?;
                self.srp_round_one(&pool, &client, username, srp_a).await
            }
            AuthFlow::RefreshTokenAuth | AuthFlow::RefreshToken => {
                let token = parameter("REFRESH_TOKEN").ok_or_else(|| missing("REFRESH_TOKEN"))?;
                self.refresh(
                    &pool,
                    &client,
                    token,
                    parameter("SECRET_HASH"),
                    parameter("USERNAME"),
                )
                .await
                .map(AuthOutcome::Tokens)
            }
            AuthFlow::CustomAuth => Err(DomainError::InvalidParameter(
                "Custom auth lambda trigger is not configured for the user pool.".into(),
            )),
            AuthFlow::UserAuth => Err(DomainError::InvalidParameter(format!(
                "The {} flow is not supported by userpools yet.",
                flow.as_str()
            ))),
        }
    }

    /// RespondToAuthChallenge and AdminRespondToAuthChallenge.
    pub async fn respond_to_auth_challenge(
        &self,
        caller: Caller<'_>,
        client_id: &str,
        challenge: ChallengeName,
        session: Option<&str>,
        responses: &BTreeMap<String, String>,
    ) -> DomainResult<AuthOutcome> {
        let (pool, client) = self.sign_in_client(caller, client_id).await?;
        let response = |name: &str| responses.get(name).map(String::as_str);
        let username = response("USERNAME").ok_or_else(|| missing("USERNAME"))?;
        self.check_secret_hash(&client, username, response("SECRET_HASH"))?;
        match challenge {
            ChallengeName::PasswordVerifier => {
                self.srp_round_two(&pool, &client, username, responses)
                    .await
            }
            ChallengeName::NewPasswordRequired => {
                self.answer_new_password(&pool, &client, username, session, responses)
                    .await
            }
            other => Err(DomainError::InvalidParameter(format!(
                "The {} challenge is not supported by userpools yet.",
                other.as_str()
            ))),
        }
    }
}
