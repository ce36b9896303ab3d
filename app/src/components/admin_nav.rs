//! The admin area's own navigation.

use leptos::prelude::*;

#[component]
pub fn AdminNav() -> impl IntoView {
    view! {
        <nav class="subnav" aria-label="Admin">
            <a href="/admin/users">"Users"</a>
            <a href="/admin/credentials">"Credentials"</a>
            <a href="/admin/policy">"Policy"</a>
            <a href="/admin/audit">"Audit trail"</a>
            <a href="/admin/webhooks">"Webhooks"</a>
        </nav>
    }
}
