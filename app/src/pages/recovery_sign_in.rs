//! `/login/recovery`: the second step with a one-time recovery code.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::form_action::{FormAction, PostForm};
use crate::api::auth::VerifyRecoveryCode;
use crate::components::alert::ActionError;
use crate::components::field::Field;

#[component]
pub fn RecoverySignIn() -> impl IntoView {
    let action = FormAction::<VerifyRecoveryCode>::new();
    view! {
        <Title text="Sign in with a recovery code"/>
        <section class="card narrow">
            <h1>"Sign in with a recovery code"</h1>
            <p>"Each recovery code works once."</p>
            <PostForm action>
                <Field label="Recovery code" name="code" autocomplete="off"/>
                <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
            </PostForm>
            <ActionError value=action.value()/>
            <p><a href="/login/totp">"Use your authenticator app instead"</a></p>
        </section>
    }
}
