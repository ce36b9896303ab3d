//! The account's passkeys: list (name, created, last used, synced), add, rename, remove.

use leptos::prelude::*;

use crate::form_action::{FormAction, PostForm};
use crate::local_action::LocalAction;

use crate::api::error_text;
use crate::api::passkeys::{PasskeyView, RemovePasskey, RenamePasskey, begin_passkey_registration, finish_passkey_registration};
use crate::components::alert::ActionError;
use crate::webauthn;

/// The registration ceremony. Its code (the WebAuthn option and credential types and their
/// JSON) is a module of its own, fetched on the first click, not with the page.
#[leptos::lazy]
pub async fn add_passkey(name: String) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("Name the passkey first, for example “Work laptop”.".to_owned());
    }
    let options = begin_passkey_registration().await.map_err(|e| error_text(&e))?;
    let credential = webauthn::create(options).await?;
    finish_passkey_registration(name, credential).await.map_err(|e| error_text(&e))
}

#[component]
pub fn PasskeysSection(
    passkeys: Vec<PasskeyView>,
    /// Whether credential changes are allowed now (recent sign-in).
    editable: bool,
    add: LocalAction<String, Result<(), String>>,
    rename: FormAction<RenamePasskey>,
    remove: FormAction<RemovePasskey>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let empty = passkeys.is_empty();
    view! {
        <section class="card" aria-labelledby="passkeys-title">
            <h2 id="passkeys-title">"Passkeys"</h2>
            <p class="muted">"A passkey signs you in with your device's screen lock or security key. It cannot be phished and counts as two factors."</p>
            {empty.then(|| view! { <p>"No passkeys yet."</p> })}
            <ul class="passkeys" aria-label="Your passkeys">
                {passkeys.into_iter().map(|p| {
                    let rename_id = format!("rename-{}", p.id);
                    let (id, key_name) = (p.id.clone(), p.name.clone());
                    let (remove_id, remove_label) = (p.id.clone(), format!("Remove passkey {}", p.name));
                    let (summary, rename_label) = (format!("Rename or remove {}", p.name), format!("New name for {}", p.name));
                    let controls = editable.then(|| view! {
                                <details>
                                    <summary>{summary}</summary>
                                    <PostForm action=rename>
                                        <input type="hidden" name="id" value=id/>
                                        <label for=rename_id.clone()>{rename_label}</label>
                                        <input id=rename_id name="name" value=key_name required/>
                                        <button type="submit" class="secondary">"Rename"</button>
                                    </PostForm>
                                    <PostForm action=remove>
                                        <input type="hidden" name="id" value=remove_id/>
                                        <button type="submit" class="danger" aria-label=remove_label>"Remove"</button>
                                    </PostForm>
                                </details>
                            });
                    view! {
                        <li class="passkey">
                            <div>
                                <strong>{p.name.clone()}</strong>
                                <span class="muted">" · added " {p.created.clone()} " · last used " {p.last_used.clone()}
                                    {if p.backed_up { " · synced" } else { " · this device only" }}</span>
                            </div>
                            {controls}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <ActionError value=rename.value()/>
            <ActionError value=remove.value()/>
            {editable.then(|| view! {
                <form class="add-passkey" on:submit=move |ev| { ev.prevent_default(); add.dispatch(name.get_untracked()); }>
                    <div class="field">
                        <label for="passkey-name">"Passkey name"</label>
                        <input id="passkey-name" name="name" placeholder="Work laptop" bind:value=name required/>
                    </div>
                    <button type="submit" disabled=move || add.pending().get()>"Add a passkey"</button>
                </form>
                {move || add.value().get().and_then(Result::err).map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
            })}
        </section>
    }
}
