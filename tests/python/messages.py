"""Every error message the tests expect, in one place.

Exact strings come from the server contract (issue 2 and shared/spec/cognito-idp.md
sections 4 and 5).  Messages marked ``# TODO confirm`` are not fixed by the contract:
the tests assert them, but the lead may adjust the text here (the exception *type*
asserted by the tests is not in doubt).
"""

import re

REGION = "us-east-1"
ACCOUNT_ID = "000000000000"
SERVICE = "cognito-idp"
TARGET_PREFIX = "AWSCognitoIdentityProviderService"

# --------------------------------------------------------------------------- lookup

def pool_not_found(pool_id: str) -> str:
    return f"User pool {pool_id} does not exist."


USER_NOT_FOUND = "User does not exist."


def client_not_found(client_id: str) -> str:
    return f"User pool client {client_id} does not exist."  # TODO confirm


# --------------------------------------------------------------------------- passwords

POLICY_PREFIX_ADMIN = "Password does not conform to policy: "
POLICY_PREFIX_SIGNUP = "Password did not conform with policy: "

RULE_LENGTH = "Password not long enough"
RULE_UPPER = "Password must have uppercase characters"
RULE_LOWER = "Password must have lowercase characters"
RULE_NUMBER = "Password must have numeric characters"
RULE_SYMBOL = "Password must have symbol characters"


def policy_admin(rule: str) -> str:
    """AdminSetUserPassword / AdminCreateUser(TemporaryPassword)."""
    return POLICY_PREFIX_ADMIN + rule


def policy_signup(rule: str) -> str:
    return POLICY_PREFIX_SIGNUP + rule


# NOTE: the lead may change this exact string; change it here only.
PASSWORD_HISTORY = "The password does not meet password history requirements."

TEMP_PASSWORD_EXPIRED = "Temporary password has expired and must be reset by an administrator."

# --------------------------------------------------------------------------- validation (Coral style)

WHITESPACE_PASSWORD_PATTERN = r"^[\S]+.*[\S]+$"
USER_POOL_ID_PATTERN = r"[\w-]+_[0-9a-zA-Z]+"


def validation(*parts: str) -> str:
    n = len(parts)
    noun = "validation error" if n == 1 else "validation errors"
    return f"{n} {noun} detected: " + "; ".join(parts)


def split_validation(message: str):
    """('N', [part, ...]) for a Coral-style validation message, or None."""
    m = re.fullmatch(r"(\d+) validation errors? detected: (.*)", message, re.S)
    if not m:
        return None
    return int(m.group(1)), m.group(2).split("; ")


def v_null(member: str) -> str:
    return f"Value null at '{member}' failed to satisfy constraint: Member must not be null"


def v_pattern(member: str, pattern: str, value=None) -> str:
    shown = "Value" if value is None else f"Value '{value}'"
    return f"{shown} at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}"


def v_max_len(member: str, n: int, value=None) -> str:
    shown = "Value" if value is None else f"Value '{value}'"
    return f"{shown} at '{member}' failed to satisfy constraint: Member must have length less than or equal to {n}"


def v_min_len(member: str, n: int, value=None) -> str:
    shown = "Value" if value is None else f"Value '{value}'"
    return f"{shown} at '{member}' failed to satisfy constraint: Member must have length greater than or equal to {n}"


def v_max_value(member: str, n: int, value) -> str:
    return f"Value '{value}' at '{member}' failed to satisfy constraint: Member must have value less than or equal to {n}"


def v_min_value(member: str, n: int, value) -> str:
    return f"Value '{value}' at '{member}' failed to satisfy constraint: Member must have value greater than or equal to {n}"


def v_enum(member: str, value, allowed) -> str:
    # Coral prints the allowed set; order as in the model.  # TODO confirm ordering
    return (
        f"Value '{value}' at '{member}' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


# member path of a nested structure member, Coral style  # TODO confirm
MIN_LENGTH_PATH = "policies.passwordPolicy.minimumLength"
# AdminCreateUser's password member  # TODO confirm
TEMPORARY_PASSWORD_MEMBER = "temporaryPassword"

# --------------------------------------------------------------------------- users

ADMIN_CREATE_DUPLICATE = "User account already exists"
SIGNUP_DUPLICATE = "User already exists"
USERNAME_SHOULD_BE_EMAIL = "Username should be an email."  # TODO confirm (observed for SignUp)
USERNAME_EMAIL_FORMAT_WITH_EMAIL_ALIAS = (  # TODO confirm
    "Username cannot be of email format, since user pool is configured for email alias."
)
ALIAS_EMAIL_EXISTS = "An account with the given email already exists."  # TODO confirm for AdminCreateUser
CANNOT_CONFIRM_CONFIRMED = "User cannot be confirmed. Current status is CONFIRMED"  # TODO confirm
ATTRIBUTE_NOT_IN_SCHEMA = "Attribute does not exist in the schema."  # TODO confirm
RESEND_NOT_FOUND = USER_NOT_FOUND


def secret_hash_mismatch(client_id: str) -> str:
    return f"Unable to verify secret hash for client {client_id}"


def secret_hash_missing(client_id: str) -> str:
    return f"Client {client_id} is configured for secret but secret was not received"


# --------------------------------------------------------------------------- pools / clients

DELETION_PROTECTED = (
    "The user pool cannot be deleted because deletion protection is activated. "
    "Deletion protection must be inactivated first."
)
ALIAS_AND_USERNAME_ATTRIBUTES = "Only one of the aliasAttributes or usernameAttributes can be set in a User Pool."

# --------------------------------------------------------------------------- not implemented

# An operation of the model that the first release does not implement.  If it gets
# implemented, pick another one here.
UNIMPLEMENTED_OPERATION = "DescribeRiskConfiguration"


def not_implemented(operation: str) -> str:
    return f"{operation} is not implemented by userpools yet."


# --------------------------------------------------------------------------- SigV4

MISSING_AUTH_TOKEN = "Missing Authentication Token"
UNRECOGNIZED_CLIENT = "The security token included in the request is invalid."
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
BAD_REGION_SCOPE = "Credential should be scoped to a valid region. "
BAD_SERVICE_SCOPE = "Credential should be scoped to correct service: 'cognito-idp'. "

AMZ_DATE = r"(\d{8}T\d{6}Z)"
SIGNATURE_EXPIRED_RE = re.compile(
    rf"Signature expired: {AMZ_DATE} is now earlier than {AMZ_DATE} \({AMZ_DATE} - 5 min\.\)"
)
SIGNATURE_NOT_YET_CURRENT_RE = re.compile(
    rf"Signature not yet current: {AMZ_DATE} is still later than {AMZ_DATE} \({AMZ_DATE} \+ 5 min\.\)"
)

# Type returned when the X-Amz-Target header is absent altogether.  # TODO confirm
MISSING_TARGET_TYPE = "UnknownOperationException"

INCORRECT_CREDENTIALS = "Incorrect username or password."

# --------------------------------------------------------------------------- not fixed by the contract
# Texts below are what userpools answers today, modelled on AWS's wording; the tests assert
# them so that a change is deliberate.  # TODO confirm each against the real service.

LEGACY_AND_ALLOW_FLOWS = (  # TODO confirm
    "Legacy auth flows (ADMIN_NO_SRP_AUTH, CUSTOM_AUTH_FLOW_ONLY, USER_PASSWORD_AUTH) "
    "cannot be combined with ALLOW_* auth flows."
)
FILTER_PARSE_ERROR = "Error while parsing filter."  # TODO confirm


def invalid_search_attribute(name: str) -> str:
    return f"Invalid search attribute: {name}"  # TODO confirm


def attribute_not_in_schema(name: str) -> str:
    return (  # TODO confirm
        f"Attributes did not conform to the schema: {name}: Attribute does not exist in the schema."
    )


HISTORY_NOT_IN_LITE = (  # TODO confirm
    "Password history is not available in the LITE tier. "
    "Upgrade the user pool to the ESSENTIALS or PLUS tier."
)
EMAIL_USERNAME_EXISTS = "An account with the given email already exists."
CONTENT_SHA256_MISMATCH = (  # TODO confirm
    "The provided 'x-amz-content-sha256' header does not match what was computed."
)


def scope_date_mismatch(scope_date: str, amz_date: str) -> str:
    return (  # TODO confirm
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        f"HTTP: '{scope_date}' != '{amz_date[:8]}', from '{amz_date}'."
    )


MISSING_DATE_PREFIX = (  # TODO confirm
    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
)
