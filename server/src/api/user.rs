//! `GET /api/v1/user` (scope `user:read`, which `user` grants; the email only with `user:email`, which `user`
//! grants too).

use axum::Extension;
use axum::response::{IntoResponse, Json, Response};
use domain::scopes::Scope;
use domain::tokens::Principal;
use serde_json::json;

use crate::middleware::bearer::UsedScopes;

/// Answers from the verified token's owner record (no database round trip on this hot route).
pub async fn get_user(Extension(p): Extension<Principal>) -> Response {
    let owner = &p.owner;
    let mut body = json!({ "id": p.user_id, "name": owner.display_name, "role": owner.role.as_str() });
    let revealed = p.scopes.grants(Scope::USER_EMAIL);
    if revealed {
        body["email"] = json!(owner.email);
    }
    let mut res = Json(body).into_response();
    if revealed {
        res.extensions_mut().insert(UsedScopes(vec![Scope::USER_EMAIL]));
    }
    res
}
