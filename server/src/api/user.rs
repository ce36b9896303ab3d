//! `GET /api/v1/user` (scope `user:read`, which `user` grants; the email only with `user:email`, which `user`
//! grants too).

use app::ssr::AppState;
use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse, Json, Response};
use domain::scopes::Scope;
use domain::tokens::Principal;
use serde_json::json;

use super::problem::Problem;
use crate::middleware::bearer::UsedScopes;

pub async fn get_user(State(state): State<AppState>, Extension(p): Extension<Principal>) -> Response {
    match state.accounts.user(&p.user_id).await {
        Ok(u) => {
            let mut body = json!({ "id": u.id, "name": u.display_name, "role": u.role.as_str() });
            let revealed = p.scopes.grants(Scope::USER_EMAIL);
            if revealed {
                body["email"] = json!(u.email);
            }
            let mut res = Json(body).into_response();
            if revealed {
                res.extensions_mut().insert(UsedScopes(vec![Scope::USER_EMAIL]));
            }
            res
        }
        Err(e) => Problem::from_domain(e).into_response(),
    }
}
