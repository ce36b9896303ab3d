//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' annotations (utoipa) and
//! served at `/api/openapi.json`. A test keeps it equal to the routes the router declares, scope
//! for scope.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi};

use super::problem::Problem;
use super::{audit, audit_export, clients, leaks, tokens, user};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Gatehouse REST API",
        description = "Personal access tokens, OAuth clients and the audit trail. Every error is an RFC 7807 \
                       problem; every answer carries X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset."
    ),
    paths(
        user::get_user,
        tokens::list, tokens::get, tokens::revoke, tokens::activity,
        clients::list, clients::create, clients::get, clients::update, clients::delete,
        audit::list, audit_export::export,
        leaks::report,
    ),
    components(schemas(Problem)),
    modifiers(&BearerScheme),
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("A personal access token, or an OAuth access token (JWT). The requirement lists the scope the operation needs."))
            .build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// What any bearer route may answer instead of its result.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Refusals {
    /// No token, or one that is malformed, unknown, expired or revoked (with `WWW-Authenticate: Bearer`).
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// The token lacks the scope (named in `WWW-Authenticate`), its owner the role, or the address is not allowed.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// Over a rate limit: wait `Retry-After` seconds.
    #[response(status = 429, content_type = "application/problem+json")]
    TooManyRequests(Problem),
}

#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum NotFound {
    /// No such item among the caller's.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
}

#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum BadQuery {
    /// An unknown parameter, or a number that is not one.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// A parameter's value cannot be used (a limit outside 1–100, an unknown cursor, a bad time).
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
}

#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Unprocessable {
    /// The body is not the JSON this operation takes, or a value in it cannot be used.
    #[response(status = 422, content_type = "application/problem+json")]
    Unprocessable(Problem),
}

/// The document as JSON, rendered once.
pub fn json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| ApiDoc::openapi().to_json().unwrap_or_else(|e| {
        tracing::error!(error = %e, "the OpenAPI document did not render");
        String::from("{}")
    }))
}

pub async fn document() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], json()).into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    #[test]
    fn the_document_is_openapi_3_1_and_matches_the_routes_scope_for_scope() {
        let doc: Value = serde_json::from_str(super::json()).unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
        let mut documented = BTreeSet::new();
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                let scopes: Vec<String> = op["security"]
                    .as_array()
                    .map(|reqs| reqs.iter().flat_map(|r| r["bearer"].as_array().cloned().unwrap_or_default()).map(|s| s.as_str().unwrap().to_owned()).collect())
                    .unwrap_or_default();
                documented.insert((method.to_uppercase(), path.clone(), scopes));
            }
        }
        let mut routed: BTreeSet<(String, String, Vec<String>)> = crate::api::declared_routes()
            .into_iter()
            .map(|(m, p, s)| (m.to_string(), p.to_owned(), vec![s.as_str().to_owned()]))
            .collect();
        // The one route without a token.
        routed.insert(("POST".into(), "/api/v1/token-leaks".into(), vec![]));
        assert_eq!(documented, routed);
    }

    #[test]
    fn every_reference_resolves() {
        fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
            match v {
                Value::Object(map) => map.iter().for_each(|(k, v)| match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }),
                Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let doc: Value = serde_json::from_str(super::json()).unwrap();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(!found.is_empty());
        for r in found {
            let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{r}"));
            assert!(doc["components"]["schemas"][name].is_object(), "{r} resolves to nothing");
        }
    }

    #[test]
    fn every_operation_documents_its_refusals_as_problems() {
        let doc: Value = serde_json::from_str(super::json()).unwrap();
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                assert!(responses.contains_key("429"), "{method} {path}");
                if path != "/api/v1/token-leaks" {
                    for status in ["401", "403"] {
                        let problem = &responses[status]["content"]["application/problem+json"]["schema"]["$ref"];
                        assert_eq!(problem, "#/components/schemas/Problem", "{method} {path} {status}");
                    }
                }
            }
        }
    }
}
