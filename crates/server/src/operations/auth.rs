//! Sign-in: InitiateAuth, AdminInitiateAuth, RespondToAuthChallenge,
//! AdminRespondToAuthChallenge.

use std::collections::BTreeMap;

use userpools_domain::auth::{AuthFlow, AuthOutcome, Caller, ChallengeName};
use userpools_domain::service::Service;
use userpools_domain::DomainResult;
use userpools_wire::types::{
    AdminInitiateAuthRequest, AdminInitiateAuthResponse, AdminRespondToAuthChallengeRequest,
    AdminRespondToAuthChallengeResponse, AuthenticationResultType, InitiateAuthRequest,
    InitiateAuthResponse, RespondToAuthChallengeRequest, RespondToAuthChallengeResponse,
};
use userpools_wire::Sensitive;

use super::convert::{FromWire, ToWire};
use super::int;

/// A sign-in step's outcome as one of the four output types (they share
/// these members): a challenge, or tokens with empty ChallengeParameters.
macro_rules! outcome_output {
    ($output:ident, $outcome:expr) => {
        match $outcome {
            AuthOutcome::Challenge {
                name,
                session,
                parameters,
            } => $output {
                challenge_name: Some(name.to_wire()),
                session: session.map(Sensitive::new),
                challenge_parameters: Some(parameters),
                ..$output::default()
            },
            AuthOutcome::Tokens(tokens) => $output {
                challenge_parameters: Some(BTreeMap::new()),
                authentication_result: Some(AuthenticationResultType {
                    access_token: Some(tokens.access_token.into()),
                    expires_in: Some(int(tokens.expires_in)),
                    token_type: Some("Bearer".into()),
                    refresh_token: tokens.refresh_token.map(Sensitive::new),
                    id_token: Some(tokens.id_token.into()),
                    new_device_metadata: None,
                }),
                ..$output::default()
            },
        }
    };
}

fn parameters(map: Option<Sensitive<BTreeMap<String, String>>>) -> BTreeMap<String, String> {
    map.map(Sensitive::into_inner).unwrap_or_default()
}

pub(super) async fn initiate_auth(
    service: &Service,
    input: InitiateAuthRequest,
) -> DomainResult<InitiateAuthResponse> {
    let outcome = service
        .initiate_auth(
            Caller::Client,
            input.client_id.expose(),
            AuthFlow::from_wire(input.auth_flow),
            &parameters(input.auth_parameters),
        )
        .await?;
    Ok(outcome_output!(InitiateAuthResponse, outcome))
}

pub(super) async fn admin_initiate_auth(
    service: &Service,
    input: AdminInitiateAuthRequest,
) -> DomainResult<AdminInitiateAuthResponse> {
    let outcome = service
        .initiate_auth(
            Caller::Admin(&input.user_pool_id),
            input.client_id.expose(),
            AuthFlow::from_wire(input.auth_flow),
            &parameters(input.auth_parameters),
        )
        .await?;
    Ok(outcome_output!(AdminInitiateAuthResponse, outcome))
}

pub(super) async fn respond_to_auth_challenge(
    service: &Service,
    input: RespondToAuthChallengeRequest,
) -> DomainResult<RespondToAuthChallengeResponse> {
    let outcome = service
        .respond_to_auth_challenge(
            Caller::Client,
            input.client_id.expose(),
            ChallengeName::from_wire(input.challenge_name),
            input.session.as_ref().map(|s| s.expose().as_str()),
            &parameters(input.challenge_responses),
        )
        .await?;
    Ok(outcome_output!(RespondToAuthChallengeResponse, outcome))
}

pub(super) async fn admin_respond_to_auth_challenge(
    service: &Service,
    input: AdminRespondToAuthChallengeRequest,
) -> DomainResult<AdminRespondToAuthChallengeResponse> {
    let outcome = service
        .respond_to_auth_challenge(
            Caller::Admin(&input.user_pool_id),
            input.client_id.expose(),
            ChallengeName::from_wire(input.challenge_name),
            input.session.as_ref().map(|s| s.expose().as_str()),
            &parameters(input.challenge_responses),
        )
        .await?;
    Ok(outcome_output!(
        AdminRespondToAuthChallengeResponse,
        outcome
    ))
}
