//! `/login`: email and password.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::auth::SignIn as SignInFn;
use crate::components::alert::ActionError;
use crate::components::field::Field;

#[component]
pub fn SignIn() -> impl IntoView {
    let action = ServerAction::<SignInFn>::new();
    view! {
        <Title text="Sign in"/>
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <ActionForm action>
                <Field label="Email" name="email" kind="email" autocomplete="username"/>
                <Field label="Password" name="password" kind="password" autocomplete="current-password"/>
                <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
            </ActionForm>
            <ActionError value=action.value()/>
        </section>
    }
}
