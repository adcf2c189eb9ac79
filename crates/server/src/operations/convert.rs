//! Wire enums ↔ domain enums. The domain keeps its own enums (it does not
//! depend on the wire crate); each pair has the same variants, and both
//! directions are exhaustive matches, so a new variant on either side fails
//! to compile here.

use userpools_domain::auth::{AuthFlow, ChallengeName};
use userpools_domain::model::{
    AttributeDataType, ExplicitAuthFlow, MessageAction, PoolTier, PreventUserExistenceErrors,
    TimeUnit, UserStatus,
};
use userpools_wire::types as wire;

/// A domain value read from its wire enum.
pub(super) trait FromWire<W> {
    /// Converts.
    fn from_wire(value: W) -> Self;
}

/// A domain value written as its wire enum.
pub(super) trait ToWire<W> {
    /// Converts.
    fn to_wire(self) -> W;
}

macro_rules! same_variants {
    ($wire:ty, $domain:ty: $($variant:ident),+ $(,)?) => {
        impl FromWire<$wire> for $domain {
            fn from_wire(value: $wire) -> Self {
                type W = $wire;
                match value {
                    $(W::$variant => Self::$variant,)+
                }
            }
        }

        impl ToWire<$wire> for $domain {
            fn to_wire(self) -> $wire {
                type W = $wire;
                match self {
                    $(Self::$variant => W::$variant,)+
                }
            }
        }
    };
}

same_variants!(wire::AuthFlowType, AuthFlow:
    UserSrpAuth, RefreshTokenAuth, RefreshToken, CustomAuth, AdminNoSrpAuth, UserPasswordAuth,
    AdminUserPasswordAuth, UserAuth);
same_variants!(wire::ChallengeNameType, ChallengeName:
    SmsMfa, EmailOtp, SoftwareTokenMfa, SelectMfaType, MfaSetup, PasswordVerifier,
    CustomChallenge, SelectChallenge, DeviceSrpAuth, DevicePasswordVerifier, AdminNoSrpAuth,
    NewPasswordRequired, SmsOtp, Password, WebAuthn, PasswordSrp);
same_variants!(wire::ExplicitAuthFlowsType, ExplicitAuthFlow:
    AdminNoSrpAuth, CustomAuthFlowOnly, UserPasswordAuth, AllowAdminUserPasswordAuth,
    AllowCustomAuth, AllowUserPasswordAuth, AllowUserSrpAuth, AllowRefreshTokenAuth,
    AllowUserAuth, AllowTokenExchangeDelegation, AllowTokenExchangeImpersonation);
same_variants!(wire::PreventUserExistenceErrorTypes, PreventUserExistenceErrors: Legacy, Enabled);
same_variants!(wire::TimeUnitsType, TimeUnit: Seconds, Minutes, Hours, Days);
same_variants!(wire::UserPoolTierType, PoolTier: Lite, Essentials, Plus);
same_variants!(wire::AttributeDataType, AttributeDataType: String, Number, DateTime, Boolean);
same_variants!(wire::MessageActionType, MessageAction: Resend, Suppress);
same_variants!(wire::UserStatusType, UserStatus:
    Unconfirmed, Confirmed, Archived, Compromised, Unknown, ResetRequired, ForceChangePassword,
    ExternalProvider);
