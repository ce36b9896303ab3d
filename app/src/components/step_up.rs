//! The step-up guard's face: "Confirm it's you" with a passkey, or the password (and code).

use leptos::prelude::*;

use crate::form_action::{FormAction, PostForm};
use crate::local_action::LocalAction;

use crate::api::error_text;
use crate::api::passkeys::{StepUpPassword, begin_step_up, finish_step_up};
use crate::components::alert::ActionError;
use crate::components::field::Field;
use crate::webauthn;

/// The step-up ceremony: a module of its own, fetched on the first click, not with the page
/// (see `add_passkey`).
#[leptos::lazy]
pub async fn step_up_with_passkey() -> Result<(), String> {
    let options = begin_step_up().await.map_err(|e| error_text(&e))?;
    let credential = webauthn::get(options, None).await?;
    finish_step_up(credential).await.map_err(|e| error_text(&e))
}

#[component]
pub fn StepUpPanel(
    has_passkey: bool,
    has_password: bool,
    has_totp: bool,
    with_password: FormAction<StepUpPassword>,
    with_passkey: LocalAction<(), Result<(), String>>,
    /// What needs the confirmation, e.g. "Creating a token".
    #[prop(default = "Changing your sign-in methods")]
    what: &'static str,
) -> impl IntoView {
    view! {
        <section class="card step-up" aria-labelledby="step-up-title">
            <h2 id="step-up-title">"Confirm it's you"</h2>
            <p>{what} " needs a recent sign-in. Confirm it's you to continue."</p>
            {has_passkey.then(|| view! {
                <button type="button" on:click=move |_| { with_passkey.dispatch(()); } disabled=move || with_passkey.pending().get()>
                    "Confirm with a passkey"
                </button>
                {move || with_passkey.value().get().and_then(Result::err).map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
            })}
            {has_password.then(|| view! {
                <PostForm action=with_password>
                    <Field label="Your password" name="password" id="step-up-password" kind="password" autocomplete="current-password"/>
                    {has_totp.then(|| view! {
                        <Field label="Code from your authenticator app" name="code" id="step-up-code" autocomplete="one-time-code" inputmode="numeric"/>
                    })}
                    <button type="submit" class="secondary">"Confirm with password"</button>
                </PostForm>
                <ActionError value=with_password.value()/>
            })}
        </section>
    }
}
