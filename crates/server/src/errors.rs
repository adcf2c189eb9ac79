//! The one place where domain errors become wire errors.

use userpools_domain::DomainError;
use userpools_wire::WireError;

/// Maps a domain error to its wire form: 400 for the caller's errors, 500
/// (InternalErrorException, details logged, not sent) for ours.
pub fn domain_to_wire(error: DomainError) -> WireError {
    match error {
        DomainError::Internal(detail) => {
            tracing::error!(target: "userpools::internal", %detail, "internal error");
            WireError::internal("Internal server error.")
        }
        other => WireError::client(other.type_name(), other.message()),
    }
}
