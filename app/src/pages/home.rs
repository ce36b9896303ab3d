//! `/`: sends people to their account, or to sign in.

use leptos::prelude::*;
use leptos_router::components::Redirect;

use crate::page_data::page_resource;
use crate::api::account::account_overview;

#[component]
pub fn Home() -> impl IntoView {
    let me = page_resource(|| (), |_| account_overview());
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await {
                    Ok(Some(_)) => view! { <Redirect path="/account"/> },
                    _ => view! { <Redirect path="/login"/> },
                }
            })}
        </Suspense>
    }
}
