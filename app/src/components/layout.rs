//! The page frame: a skip link and the header.

use leptos::prelude::*;

#[component]
pub fn Header() -> impl IntoView {
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <header class="top">
            <a class="brand" href="/">"Gatehouse"</a>
            <nav aria-label="Main">
                <a href="/tokens">"Tokens"</a>
                <a href="/clients">"Clients"</a>
                <a href="/apps">"Apps"</a>
                <a href="/account">"Account"</a>
            </nav>
        </header>
    }
}
