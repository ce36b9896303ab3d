//! `GET /api/v1/user` (scope `user:read`, which `user` grants; the email only with `user:email`, which `user`
//! grants too).

use axum::Extension;
use axum::response::{IntoResponse, Json, Response};
use domain::scopes::Scope;
use domain::tokens::Principal;
use serde::Serialize;

use crate::middleware::bearer::UsedScopes;

#[derive(Serialize)]
struct User<'a> {
    id: &'a str,
    name: &'a str,
    role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
}

/// Answers from the verified token's owner record (no database round trip on this hot route).
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
