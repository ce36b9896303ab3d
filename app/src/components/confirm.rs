//! A button that asks before it acts: the first press shows the question, "Yes" runs `on_yes`.

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;

#[component]
pub fn Confirm(
    /// The first button's text, e.g. "Disable".
    label: &'static str,
    /// What the button acts on, for its accessible name ("Disable bob@example.com").
    subject: String,
    /// The question, in plain words.
    question: String,
    /// The confirming button's text, e.g. "Yes, disable".
    yes: &'static str,
    on_yes: Callback<()>,
    #[prop(default = "secondary")] class: &'static str,
) -> impl IntoView {
    let asking = RwSignal::new(false);
    let group = format!("Confirm: {label} {subject}");
    let accessible = format!("{label} {subject}");
    move || {
        if asking.get() {
            view! {
                <div class="confirm" role="group" aria-label=group.clone()>
                    <p>{question.clone()}</p>
                    <button type="button" class="danger" on:click=move |_| { asking.set(false); on_yes.run(()); }>{yes}</button>
                    <button type="button" class="secondary" on:click=move |_| asking.set(false)>"Cancel"</button>
                </div>
            }
            .into_any_sync()
        } else {
            view! { <button type="button" class=class aria-label=accessible.clone() on:click=move |_| asking.set(true)>{label}</button> }.into_any_sync()
        }
    }
}
