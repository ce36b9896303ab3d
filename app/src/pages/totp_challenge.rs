//! `/login/totp`: the second step when the account has an authenticator app.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::form_action::{FormAction, PostForm};
use crate::api::auth::VerifyTotp;
use crate::components::alert::ActionError;
use crate::components::field::Field;

#[component]
pub fn TotpChallenge() -> impl IntoView {
    let action = FormAction::<VerifyTotp>::new();
    view! {
        <Title text="Two-factor authentication"/>
        <section class="card narrow">
            <h1>"Two-factor authentication"</h1>
            <p>"Enter the 6-digit code from your authenticator app."</p>
            <PostForm action>
                <Field label="Authentication code" name="code" autocomplete="one-time-code" inputmode="numeric"/>
                <button type="submit" disabled=move || action.pending().get()>"Verify"</button>
            </PostForm>
            <ActionError value=action.value()/>
            <p><a href="/login/recovery">"Use a recovery code instead"</a></p>
        </section>
    }
}
