//! "Revoke" with a confirmation step: the first press asks, the second revokes.

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::form_action::{FormAction, PostForm};
use crate::api::tokens::RevokeToken;

#[component]
pub fn RevokeWithConfirm(
    id: String,
    name: String,
    revoke: FormAction<RevokeToken>,
    /// The first button's text; its accessible name adds the token's name.
    #[prop(default = "Revoke")]
    label: &'static str,
    #[prop(default = "secondary")] class: &'static str,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    move || {
        let (id, name) = (id.clone(), name.clone());
        if asking.get() {
            view! {
                <div class="confirm" role="group" aria-label=format!("Confirm revoking {name}")>
                    <p>"Revoke “" {name.clone()} "”? Anything using it stops working at once."</p>
                    <PostForm action=revoke>
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="danger">"Yes, revoke"</button>
                    </PostForm>
                    <button type="button" class="secondary" on:click=move |_| asking.set(false)>"Cancel"</button>
                </div>
            }
            .into_any_sync()
        } else {
            view! {
                <button type="button" class=class aria-label=format!("{label} {name}") on:click=move |_| asking.set(true)>{label}</button>
            }
            .into_any_sync()
        }
    }
}
