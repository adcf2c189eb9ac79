//! Domain errors, one variant per Cognito exception the domain can raise.
//! The server maps them to the wire in one place.

/// An error of a domain operation; the variant names the Cognito exception.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// InvalidParameterException.
    #[error("{0}")]
    InvalidParameter(String),
    /// InvalidPasswordException.
    #[error("{0}")]
    InvalidPassword(String),
    /// PasswordHistoryPolicyViolationException.
    #[error("{0}")]
    PasswordHistoryPolicyViolation(String),
    /// ResourceNotFoundException.
    #[error("{0}")]
    ResourceNotFound(String),
    /// UserNotFoundException.
    #[error("{0}")]
    UserNotFound(String),
    /// UsernameExistsException.
    #[error("{0}")]
    UsernameExists(String),
    /// AliasExistsException.
    #[error("{0}")]
    AliasExists(String),
    /// NotAuthorizedException.
    #[error("{0}")]
    NotAuthorized(String),
    /// UserNotConfirmedException.
    #[error("{0}")]
    UserNotConfirmed(String),
    /// PasswordResetRequiredException.
    #[error("{0}")]
    PasswordResetRequired(String),
    /// FeatureUnavailableInTierException.
    #[error("{0}")]
    FeatureUnavailableInTier(String),
    /// LimitExceededException.
    #[error("{0}")]
    LimitExceeded(String),
    /// UnsupportedUserStateException.
    #[error("{0}")]
    UnsupportedUserState(String),
    /// InvalidUserPoolConfigurationException.
    #[error("{0}")]
    InvalidUserPoolConfiguration(String),
    /// CodeMismatchException.
    #[error("{0}")]
    CodeMismatch(String),
    /// ExpiredCodeException.
    #[error("{0}")]
    ExpiredCode(String),
    /// TooManyFailedAttemptsException.
    #[error("{0}")]
    TooManyFailedAttempts(String),
    /// CodeDeliveryFailureException.
    #[error("{0}")]
    CodeDeliveryFailure(String),
    /// UnsupportedTokenTypeException.
    #[error("{0}")]
    UnsupportedTokenType(String),
    /// GroupExistsException.
    #[error("{0}")]
    GroupExists(String),
    /// InternalErrorException: a bug or a storage failure; never the caller's fault.
    #[error("{0}")]
    Internal(String),
}

/// Result alias for domain calls.
pub type DomainResult<T> = Result<T, DomainError>;

impl DomainError {
    /// The Cognito exception name sent as `__type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::InvalidParameter(_) => "InvalidParameterException",
            Self::InvalidPassword(_) => "InvalidPasswordException",
            Self::PasswordHistoryPolicyViolation(_) => "PasswordHistoryPolicyViolationException",
            Self::ResourceNotFound(_) => "ResourceNotFoundException",
            Self::UserNotFound(_) => "UserNotFoundException",
            Self::UsernameExists(_) => "UsernameExistsException",
            Self::AliasExists(_) => "AliasExistsException",
            Self::NotAuthorized(_) => "NotAuthorizedException",
            Self::UserNotConfirmed(_) => "UserNotConfirmedException",
            Self::PasswordResetRequired(_) => "PasswordResetRequiredException",
            Self::FeatureUnavailableInTier(_) => "FeatureUnavailableInTierException",
            Self::LimitExceeded(_) => "LimitExceededException",
            Self::UnsupportedUserState(_) => "UnsupportedUserStateException",
            Self::InvalidUserPoolConfiguration(_) => "InvalidUserPoolConfigurationException",
            Self::CodeMismatch(_) => "CodeMismatchException",
            Self::ExpiredCode(_) => "ExpiredCodeException",
            Self::TooManyFailedAttempts(_) => "TooManyFailedAttemptsException",
            Self::CodeDeliveryFailure(_) => "CodeDeliveryFailureException",
            Self::UnsupportedTokenType(_) => "UnsupportedTokenTypeException",
            Self::GroupExists(_) => "GroupExistsException",
            Self::Internal(_) => "InternalErrorException",
        }
    }

    /// The message sent as `message`.
    pub fn message(&self) -> &str {
        match self {
            Self::InvalidParameter(m)
            | Self::InvalidPassword(m)
            | Self::PasswordHistoryPolicyViolation(m)
            | Self::ResourceNotFound(m)
            | Self::UserNotFound(m)
            | Self::UsernameExists(m)
            | Self::AliasExists(m)
            | Self::NotAuthorized(m)
            | Self::UserNotConfirmed(m)
            | Self::PasswordResetRequired(m)
            | Self::FeatureUnavailableInTier(m)
            | Self::LimitExceeded(m)
            | Self::UnsupportedUserState(m)
            | Self::InvalidUserPoolConfiguration(m)
            | Self::CodeMismatch(m)
            | Self::ExpiredCode(m)
            | Self::TooManyFailedAttempts(m)
            | Self::CodeDeliveryFailure(m)
            | Self::UnsupportedTokenType(m)
            | Self::GroupExists(m)
            | Self::Internal(m) => m,
        }
    }

    /// `ResourceNotFoundException: User pool <id> does not exist.`
    pub fn pool_not_found(pool_id: &str) -> Self {
        Self::ResourceNotFound(format!("User pool {pool_id} does not exist."))
    }

    /// `UserNotFoundException: User does not exist.`
    pub fn user_not_found() -> Self {
        Self::UserNotFound("User does not exist.".into())
    }
}

impl From<userpools_storage::StoreError> for DomainError {
    fn from(e: userpools_storage::StoreError) -> Self {
        Self::Internal(format!("storage: {e}"))
    }
}
