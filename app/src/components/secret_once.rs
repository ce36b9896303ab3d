//! A new client secret, shown exactly once, with a copy button and a plain warning.

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::local_action::LocalAction;

use crate::clipboard;

#[component]
pub fn SecretOnce(client_name: String, client_id: String, secret: String) -> impl IntoView {
    let copy = LocalAction::new(|text: &String| clipboard::copy(text.clone()));
    let to_copy = secret.clone();
    view! {
        <section class="once" aria-labelledby="secret-once-title">
            <h2 id="secret-once-title">"Client secret of “" {client_name} "”"</h2>
            <p class="warning">
                "Copy it now and keep it on your server. It will not be shown again: Gatehouse stores only a fingerprint of it."
            </p>
            <p>"Client ID: " <code>{client_id}</code></p>
            <div class="copy-row">
                <label for="new-secret">"Client secret"</label>
                <input id="new-secret" class="secret" readonly value=secret autocomplete="off" spellcheck="false"/>
                <button type="button" on:click=move |_| { copy.dispatch(to_copy.clone()); }>"Copy"</button>
            </div>
            {move || copy.value().get().map(|r| match r {
                Ok(()) => view! { <p class="alert ok" role="status">"Copied to the clipboard."</p> }.into_any_sync(),
                Err(e) => view! { <p class="alert error" role="alert">{e}</p> }.into_any_sync(),
            })}
        </section>
    }
}
