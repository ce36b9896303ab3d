//! `/login`: email and password.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::form_action::{FormAction, PostForm};
use crate::api::auth::SignIn as SignInFn;
use crate::components::alert::ActionError;
use crate::components::field::Field;
use crate::components::passkey_sign_in::{Autofill, PasskeySignIn};

#[component]
pub fn SignIn() -> impl IntoView {
    let action = FormAction::<SignInFn>::new();
    let autofill = Autofill::new();
    view! {
        <Title text="Sign in"/>
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <PostForm action>
                <div on:focusin=move |_| autofill.start()>
                    <Field label="Email" name="email" kind="email" autocomplete="username webauthn"/>
                </div>
                <Field label="Password" name="password" kind="password" autocomplete="current-password"/>
                <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
            </PostForm>
            <ActionError value=action.value()/>
            <p class="divider"><span>"or"</span></p>
            <PasskeySignIn autofill/>
        </section>
    }
}
