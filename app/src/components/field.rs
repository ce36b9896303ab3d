//! A labelled form input: every input gets a visible label tied to it by id.

use leptos::prelude::*;

#[component]
pub fn Field(
    /// The visible label, which is also the input's accessible name.
    label: &'static str,
    /// The form field name (the server function's argument).
    name: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] readonly: bool,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(default = true)] required: bool,
    /// Distinguishes two fields of the same name on one page.
    #[prop(optional)] id: Option<&'static str>,
) -> impl IntoView {
    let id = id.unwrap_or(name);
    let hint_id = format!("{id}-hint");
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                value=value
                readonly=readonly
                required=required
                inputmode=inputmode
                aria-describedby=hint.map(|_| hint_id.clone())
            />
            {hint.map(|h| view! { <p class="hint" id=hint_id.clone()>{h}</p> })}
        </div>
    }
}
