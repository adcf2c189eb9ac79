//! The userpools HTTP server: `POST /` routed by `X-Amz-Target`, SigV4 for
//! every operation the model does not mark noAuth, IAM policies ([`iam`]) for
//! the keys of the configuration file ([`config`]), request-rate quotas
//! ([`quota`]), the operations, and the few side routes (`/health`, the test
//! clock). A request body is parsed once into a [`RequestContext`] that all
//! of these read.

pub mod config;
pub mod connections;
pub mod delivery;
mod errors;
pub mod iam;
mod operations;
mod outbox;
pub mod quota;
mod refusals;
pub mod request;
pub mod sigv4;

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use userpools_domain::clock::{Clock, SystemClock, TestClock};
use userpools_domain::service::Service;
use userpools_wire::{codec, WireError};

pub use config::{Config, ConfigError};
pub use connections::Limits;
pub use errors::domain_to_wire;
pub use iam::Authority;
pub use operations::IMPLEMENTED as IMPLEMENTED_OPERATIONS;
pub use quota::{QuotaConfig, Quotas};
pub use request::RequestContext;
pub use sigv4::{AccessKey, KeyRing};

/// Largest request body accepted (Cognito requests are small).
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Everything a request handler needs.
pub struct AppState {
    /// The domain service.
    pub service: Arc<Service>,
    /// Accepted access keys.
    pub keys: KeyRing,
    /// The test clock, when the server runs with `--test-clock`.
    pub test_clock: Option<Arc<TestClock>>,
    /// Request-rate quotas.
    pub quotas: Quotas,
}

/// Builds the router.
pub fn router(state: Arc<AppState>) -> Router {
    let mut router = Router::new()
        .route("/", post(handle_api))
        .route("/health", get(|| async { "ok" }))
        .route("/{pool_id}/.well-known/jwks.json", get(jwks))
        .route(
            "/{pool_id}/.well-known/openid-configuration",
            get(openid_configuration),
        );
    if state.test_clock.is_some() {
        router = router
            .route("/_userpools/clock", post(advance_clock))
            .route("/_userpools/federated-users", post(create_federated_user))
            .route("/_userpools/outbox", get(outbox::list));
    }
    router
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(refusals::answer_refusals))
        .with_state(state)
}

pub(crate) fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

fn json_response(status: StatusCode, request_id: &str, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        HeaderValue::from_static(codec::RESPONSE_CONTENT_TYPE),
    );
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", id);
    }
    response
}

/// Renders an error as Cognito does: `__type` + `message`, `x-amzn-ErrorType`.
pub(crate) fn error_response(error: &WireError, request_id: &str) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = json_response(status, request_id, error.to_json_body());
    if let Ok(kind) = HeaderValue::from_str(&format!("{}:", error.type_name)) {
        response.headers_mut().insert("x-amzn-errortype", kind);
    }
    response
}

async fn handle_api(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let started = Instant::now();
    let request_id = request_id();
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let result = dispatch(&state, &method, &uri, &headers, &body, target.as_deref()).await;
    let elapsed = started.elapsed();
    match result {
        Ok(bytes) => {
            tracing::info!(target: "userpools::api", op = target.as_deref().unwrap_or("-"), status = 200, ?elapsed, request_id);
            json_response(StatusCode::OK, &request_id, bytes)
        }
        Err(error) => {
            tracing::info!(target: "userpools::api", op = target.as_deref().unwrap_or("-"), status = error.status, error = %error.type_name, ?elapsed, request_id);
            error_response(&error, &request_id)
        }
    }
}

async fn dispatch(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    target: Option<&str>,
) -> Result<Vec<u8>, WireError> {
    let operation = codec::resolve_target(target)?;
    if let Some(content_type) = headers.get("content-type").and_then(|v| v.to_str().ok()) {
        if !codec::is_json_content_type(content_type) {
            return Err(WireError::client(
                "SerializationException",
                format!("Unsupported content type: {content_type}"),
            ));
        }
    }
    let mut request = RequestContext::decode(operation, body);
    if operation.spec().requires_sigv4 {
        let signed = sigv4::SignedRequest {
            method: method.as_str(),
            path: uri.path(),
            query: uri.query().unwrap_or(""),
            headers,
            body: request.raw(),
        };
        // Signatures are checked against real time: clients sign with their clock.
        let key = sigv4::verify(
            &signed,
            &state.keys,
            state.service.region(),
            SystemClock.now(),
        )?;
        // IAM: after authentication, before validation and any state change.
        iam::authorize(
            &key.principal_arn,
            &key.authority,
            &request,
            state.service.region(),
            state.service.account_id(),
        )?;
    }
    // Junk takes no quota tokens: the body is validated first (issue 12 item 6) and,
    // when quotas are on, an unauthenticated request must name an existing app client
    // (else random client ids would drain the account's buckets past the per-client ones).
    request.check()?;
    if state.quotas.config().enabled && !operation.spec().requires_sigv4 {
        if let Some(client_id) = request.text("ClientId") {
            state
                .service
                .client_by_id(client_id)
                .await
                .map_err(domain_to_wire)?;
        }
    }
    // Throttled requests change nothing: the quota is checked before the operation runs.
    state.quotas.admit(&request).await?;
    operations::call(&state.service, request).await
}

async fn advance_clock(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Advance {
        advance_seconds: i64,
    }
    let request_id = request_id();
    let Some(clock) = &state.test_clock else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let advanced = serde_json::from_slice::<Advance>(&body)
        .map_err(|_| "expected {\"advance_seconds\": N}".to_owned())
        .and_then(|a| clock.advance(a.advance_seconds).map_err(|e| e.to_string()));
    match advanced {
        Ok(()) => {
            let now = clock.now().unix_timestamp();
            json_response(
                StatusCode::OK,
                &request_id,
                format!("{{\"now\":{now}}}").into(),
            )
        }
        Err(message) => error_response(&WireError::invalid_parameter(message), &request_id),
    }
}

/// Serves the API on `listener` within `limits` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    limits: Limits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    connections::serve(listener, router(state), limits, shutdown).await
}

async fn jwks(State(state): State<Arc<AppState>>, Path(pool_id): Path<String>) -> Response {
    match state.service.jwks(&pool_id).await {
        Ok(document) => axum::Json(document).into_response(),
        Err(error) => error_response(&domain_to_wire(error), &request_id()),
    }
}

async fn openid_configuration(
    State(state): State<Arc<AppState>>,
    Path(pool_id): Path<String>,
) -> Response {
    if let Err(error) = state.service.describe_pool(&pool_id).await {
        return error_response(&domain_to_wire(error), &request_id());
    }
    let issuer = state.service.issuer(&pool_id);
    axum::Json(serde_json::json!({
        "authorization_endpoint": format!("{issuer}/oauth2/authorize"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint": format!("{issuer}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": format!("{issuer}/oauth2/userInfo"),
    }))
    .into_response()
}

/// Test hook: creates an EXTERNAL_PROVIDER user as a federated sign-in would.
/// Body: `{"UserPoolId", "ProviderName", "ProviderUserId", "UserAttributes": [{"Name","Value"}]}`.
async fn create_federated_user(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Attribute {
        name: String,
        value: String,
    }
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Request {
        user_pool_id: String,
        provider_name: String,
        provider_user_id: String,
        #[serde(default)]
        user_attributes: Vec<Attribute>,
    }
    let request_id = request_id();
    let request: Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return error_response(
                &WireError::client("SerializationException", e.to_string()),
                &request_id,
            )
        }
    };
    let attributes: Vec<(String, String)> = request
        .user_attributes
        .into_iter()
        .map(|a| (a.name, a.value))
        .collect();
    match state
        .service
        .create_federated_user(
            &request.user_pool_id,
            &request.provider_name,
            &request.provider_user_id,
            &attributes,
        )
        .await
    {
        Ok(user) => json_response(
            StatusCode::OK,
            &request_id,
            serde_json::json!({"Username": user.username})
                .to_string()
                .into_bytes(),
        ),
        Err(error) => error_response(&domain_to_wire(error), &request_id),
    }
}
