//! Who is calling, and may they touch this session.
//!
//! With a verified identity the user is the token's user key (its `sub` up to the
//! first `|`, see `auth::Identity`) and a different `userId` argument is
//! `FORBIDDEN`. A call without an identity only reaches a function on a server with
//! no auth configured (the HTTP layer refuses it otherwise), and then the `userId`
//! argument is required and trusted.

use super::Ctx;
use crate::error::FunctionError;
use crate::functions::limits;

/// `caller(userIdArg)`: the user a call acts for.
pub fn caller(ctx: &Ctx<'_, '_>, user_id_arg: Option<&str>) -> Result<String, FunctionError> {
    if let Some(arg) = user_id_arg {
        limits::length("userId", arg, 1, limits::USER_ID)?;
    }
    match (ctx.identity, user_id_arg) {
        (Some(identity), Some(arg)) if arg != identity.subject => Err(FunctionError::forbidden(
            format!("userId {arg:?} is not the signed-in user"),
        )),
        (Some(identity), _) => Ok(identity.subject.clone()),
        (None, Some(arg)) => Ok(arg.to_string()),
        (None, None) => Err(FunctionError::invalid(
            "userId is required when the call is not authenticated",
        )),
    }
}

/// With an identity, only the owner may act on a session.
pub fn ensure_owner(ctx: &Ctx<'_, '_>, owner: &str) -> Result<(), FunctionError> {
    match ctx.identity {
        Some(identity) if identity.subject != owner => Err(FunctionError::forbidden(
            "this session belongs to another user",
        )),
        _ => Ok(()),
    }
}
