//! `GET /api/v1/user` (scope `user:read`, which `user` grants; the email only with `user:email`, which `user`
//! grants too).

use axum::Extension;
use axum::response::{IntoResponse, Json, Response};
use domain::scopes::Scope;
use domain::tokens::Principal;
use serde::Serialize;

use crate::middleware::bearer::UsedScopes;

/// The token's owner.
#[derive(Serialize, utoipa::ToSchema)]
pub struct User<'a> {
    id: &'a str,
    name: &'a str,
    /// developer, auditor or admin
    role: &'static str,
    /// Only with the scope `user:email` (which `user` grants).
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
}

/// Answers from the verified token's owner record (no database round trip on this hot route).
#[utoipa::path(get, path = "/api/v1/user", tag = "user", operation_id = "get_user",
    summary = "The token's owner",
    security(("bearer" = ["user:read"])),
    responses((status = 200, body = User), super::openapi::Refusals))]
pub async fn get_user(Extension(p): Extension<Principal>) -> Response {
    let owner = &p.owner;
    let revealed = p.scopes.grants(Scope::USER_EMAIL);
    let body = User { id: &p.user_id, name: &owner.display_name, role: owner.role.as_str(), email: revealed.then_some(owner.email.as_str()) };
    let mut res = Json(body).into_response();
    if revealed {
        res.extensions_mut().insert(UsedScopes(vec![Scope::USER_EMAIL]));
    }
    res
}
