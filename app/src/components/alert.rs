//! Announced error and status messages (role="alert" / role="status").

use leptos::prelude::*;

use crate::api::error_text;

/// Shows the error of the last run of an action, announced to screen readers.
#[component]
pub fn ActionError<T>(#[prop(into)] value: Signal<Option<Result<T, ServerFnError>>>) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    move || {
        value.with(|v| match v {
            Some(Err(e)) => Some(view! { <p class="alert error" role="alert">{error_text(e)}</p> }),
            _ => None,
        })
    }
}

/// Shows `message` once the action has succeeded.
#[component]
pub fn ActionDone<T>(#[prop(into)] value: Signal<Option<Result<T, ServerFnError>>>, message: &'static str) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
{
    move || {
        value.with(|v| match v {
            Some(Ok(_)) => Some(view! { <p class="alert ok" role="status">{message}</p> }),
            _ => None,
        })
    }
}
