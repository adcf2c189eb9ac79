//! App clients: CreateUserPoolClient, DescribeUserPoolClient,
//! ListUserPoolClients, UpdateUserPoolClient, DeleteUserPoolClient.

use userpools_domain::model::{
    AppClient, ClientSecret, ExplicitAuthFlow, NewClientSecret, PreventUserExistenceErrors,
    TimeUnit, TokenValidityUnits,
};
use userpools_domain::service::{ClientSettings, Service};
use userpools_domain::{DomainError, DomainResult};
use userpools_wire::types::{
    CreateUserPoolClientRequest, CreateUserPoolClientResponse, DeleteUserPoolClientRequest,
    DescribeUserPoolClientRequest, DescribeUserPoolClientResponse, ListUserPoolClientsRequest,
    ListUserPoolClientsResponse, UpdateUserPoolClientRequest, UpdateUserPoolClientResponse,
    UserPoolClientDescription, UserPoolClientType,
};

use super::convert::{FromWire, ToWire};
use super::pools::{document, from_document};
use super::{int, limit, seconds, NoOutput};

/// The client settings that CreateUserPoolClient and UpdateUserPoolClient
/// share (same member names and types in both inputs), and the members the
/// domain only stores and DescribeUserPoolClient echoes, kept as a
/// `UserPoolClientType` document.
macro_rules! client_settings {
    ($input:expr, $name:expr) => {{
        let input = $input;
        let echoed = UserPoolClientType {
            access_token_validity: input.access_token_validity,
            allowed_oauth_flows: input.allowed_oauth_flows.clone(),
            allowed_oauth_flows_user_pool_client: input.allowed_oauth_flows_user_pool_client,
            allowed_oauth_scopes: input.allowed_oauth_scopes.clone(),
            analytics_configuration: input.analytics_configuration.clone(),
            callback_urls: input.callback_urls.clone(),
            default_redirect_uri: input.default_redirect_uri.clone(),
            enable_propagate_additional_user_context_data: input
                .enable_propagate_additional_user_context_data,
            id_token_validity: input.id_token_validity,
            logout_urls: input.logout_urls.clone(),
            read_attributes: input.read_attributes.clone(),
            refresh_token_rotation: input.refresh_token_rotation.clone(),
            refresh_token_validity: input.refresh_token_validity,
            supported_identity_providers: input.supported_identity_providers.clone(),
            token_validity_units: input.token_validity_units.clone(),
            write_attributes: input.write_attributes.clone(),
            ..UserPoolClientType::default()
        };
        let units = input.token_validity_units.as_ref();
        let unit = |pick: fn(&userpools_wire::types::TokenValidityUnitsType) -> _| {
            units.and_then(pick).map(TimeUnit::from_wire)
        };
        ClientSettings {
            name: $name,
            explicit_auth_flows: input.explicit_auth_flows.as_ref().map(|flows| {
                flows
                    .iter()
                    .map(|f| ExplicitAuthFlow::from_wire(*f))
                    .collect()
            }),
            prevent_user_existence_errors: input
                .prevent_user_existence_errors
                .map(PreventUserExistenceErrors::from_wire),
            enable_token_revocation: input.enable_token_revocation,
            auth_session_validity_minutes: input
                .auth_session_validity
                .and_then(|m| u32::try_from(m).ok()),
            access_token_validity: input
                .access_token_validity
                .and_then(|v| u64::try_from(v).ok()),
            id_token_validity: input.id_token_validity.and_then(|v| u64::try_from(v).ok()),
            refresh_token_validity: input
                .refresh_token_validity
                .and_then(|v| u64::try_from(v).ok()),
            units: TokenValidityUnits {
                access_token: unit(|u| u.access_token),
                id_token: unit(|u| u.id_token),
                refresh_token: unit(|u| u.refresh_token),
            },
            extra: document(&echoed)?,
        }
    }};
}

/// A client as DescribeUserPoolClient shows it: the stored echo document with
/// what the domain owns written over it.
fn client_type(service: &Service, client: &AppClient) -> DomainResult<UserPoolClientType> {
    let out: UserPoolClientType = from_document(&client.extra)?;
    Ok(UserPoolClientType {
        user_pool_id: Some(client.pool_id.clone()),
        client_id: Some(client.client_id.clone().into()),
        client_name: Some(client.name.clone()),
        creation_date: Some(seconds(client.created_ms)),
        last_modified_date: Some(seconds(client.modified_ms)),
        explicit_auth_flows: Some(
            client
                .explicit_auth_flows
                .iter()
                .map(|f| f.to_wire())
                .collect(),
        ),
        prevent_user_existence_errors: Some(client.prevent_user_existence_errors.to_wire()),
        enable_token_revocation: Some(client.enable_token_revocation),
        auth_session_validity: Some(int(client.auth_session_validity_minutes)),
        refresh_token_validity: out.refresh_token_validity.or(Some(30)),
        allowed_oauth_flows_user_pool_client: out
            .allowed_oauth_flows_user_pool_client
            .or(Some(false)),
        client_secret: service
            .client_secret(client)?
            .map(|secret| secret.expose().to_owned().into()),
        ..out
    })
}

pub(super) async fn create_user_pool_client(
    service: &Service,
    input: CreateUserPoolClientRequest,
) -> DomainResult<CreateUserPoolClientResponse> {
    let secret = match (input.generate_secret.unwrap_or(false), &input.client_secret) {
        (true, Some(_)) => {
            return Err(DomainError::InvalidParameter(
                "ClientSecret cannot be set when GenerateSecret is true.".into(),
            ))
        }
        (true, None) => Some(NewClientSecret::Generate),
        (false, Some(given)) => Some(NewClientSecret::Given(ClientSecret::new(
            given.expose().clone(),
        ))),
        (false, None) => None,
    };
    let settings = client_settings!(&input, input.client_name.clone());
    let client = service
        .create_client(&input.user_pool_id, settings, secret)
        .await?;
    Ok(CreateUserPoolClientResponse {
        user_pool_client: Some(client_type(service, &client)?),
    })
}

pub(super) async fn describe_user_pool_client(
    service: &Service,
    input: DescribeUserPoolClientRequest,
) -> DomainResult<DescribeUserPoolClientResponse> {
    let client = service
        .describe_client(&input.user_pool_id, input.client_id.expose())
        .await?;
    Ok(DescribeUserPoolClientResponse {
        user_pool_client: Some(client_type(service, &client)?),
    })
}

pub(super) async fn list_user_pool_clients(
    service: &Service,
    input: ListUserPoolClientsRequest,
) -> DomainResult<ListUserPoolClientsResponse> {
    let (clients, next) = service
        .list_clients(
            &input.user_pool_id,
            limit(input.max_results, 60),
            input.next_token.as_deref(),
        )
        .await?;
    let descriptions = clients
        .iter()
        .map(|c| UserPoolClientDescription {
            client_id: Some(c.client_id.clone().into()),
            user_pool_id: Some(c.pool_id.clone()),
            client_name: Some(c.name.clone()),
        })
        .collect();
    Ok(ListUserPoolClientsResponse {
        user_pool_clients: Some(descriptions),
        next_token: next,
    })
}

pub(super) async fn update_user_pool_client(
    service: &Service,
    input: UpdateUserPoolClientRequest,
) -> DomainResult<UpdateUserPoolClientResponse> {
    let current = service
        .describe_client(&input.user_pool_id, input.client_id.expose())
        .await?;
    let settings = client_settings!(&input, input.client_name.clone().unwrap_or(current.name));
    let client = service
        .update_client(&input.user_pool_id, input.client_id.expose(), settings)
        .await?;
    Ok(UpdateUserPoolClientResponse {
        user_pool_client: Some(client_type(service, &client)?),
    })
}

pub(super) async fn delete_user_pool_client(
    service: &Service,
    input: DeleteUserPoolClientRequest,
) -> DomainResult<NoOutput> {
    service
        .delete_client(&input.user_pool_id, input.client_id.expose())
        .await?;
    Ok(NoOutput {})
}
