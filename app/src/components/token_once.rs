//! A new token, shown exactly once, with a copy button and a plain warning.

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::local_action::LocalAction;

use crate::api::tokens::CreatedToken;
use crate::clipboard;

#[component]
pub fn TokenOnce(created: CreatedToken) -> impl IntoView {
    let copy = LocalAction::new(|text: &String| clipboard::copy(text.clone()));
    let token = created.token.clone();
    view! {
        <section class="once" aria-labelledby="token-once-title">
            <h2 id="token-once-title">"Your new token “" {created.name.clone()} "”"</h2>
            <p class="warning">
                "Copy it now and keep it somewhere safe. It will not be shown again: Gatehouse stores only a fingerprint of it."
            </p>
            <div class="copy-row">
                <label for="new-token">"Token"</label>
                <input id="new-token" class="secret" readonly value=created.token.clone() autocomplete="off" spellcheck="false"/>
                <button type="button" on:click=move |_| { copy.dispatch(token.clone()); }>"Copy"</button>
            </div>
            {move || copy.value().get().map(|r| match r {
                Ok(()) => view! { <p class="alert ok" role="status">"Copied to the clipboard."</p> }.into_any_sync(),
                Err(e) => view! { <p class="alert error" role="alert">{e}</p> }.into_any_sync(),
            })}
            <p>
                <a href=format!("/tokens/{}", created.id)>"Open the token's page"</a>
                " · "
                <a href="/tokens">"All tokens"</a>
            </p>
        </section>
    }
}
