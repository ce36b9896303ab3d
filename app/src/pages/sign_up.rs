//! `/signup?invite=…`: create an account from a one-time link (or freely, when self-registration is on).

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::form_action::{FormAction, PostForm};
use crate::page_data::page_resource;

use crate::local_action::LocalAction;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{SignUp as SignUpFn, invitation_info};
use crate::api::error_text;
use crate::components::alert::ActionError;
use crate::components::field::Field;
use crate::webauthn;

#[component]
pub fn SignUp() -> impl IntoView {
    let query = use_query_map();
    let invite = move || query.with(|q| q.get("invite"));
    let info = page_resource(invite, invitation_info);
    let action = FormAction::<SignUpFn>::new();
    view! {
        <Title text="Create your account"/>
        <section class="card narrow">
            <Suspense fallback=|| view! { <p>"Checking your link…"</p> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Err(e) => view! {
                            <h1>"Create your account"</h1>
                            <p class="alert error" role="alert">{error_text(&e)}</p>
                        }.into_any_sync(),
                        Ok(info) => {
                            let heading = match &info {
                                Some(i) if i.bootstrap => "Create the first admin account",
                                Some(_) => "You're invited to Gatehouse",
                                None => "Create your account",
                            };
                            let email = info.as_ref().and_then(|i| i.email.clone());
                            let locked = email.is_some();
                            view! {
                                <h1>{heading}</h1>
                                <PostForm action>
                                    <input type="hidden" name="invitation" value=invite().unwrap_or_default()/>
                                    <Field label="Email" name="email" kind="email" autocomplete="username" value=email.unwrap_or_default() readonly=locked/>
                                    <Field label="Name" name="display_name" autocomplete="name"/>
                                    <Field label="Password" name="password" kind="password" autocomplete="new-password"
                                        hint="12 to 128 characters. A few unrelated words make a strong, memorable password."/>
                                    <Field label="Confirm password" name="password_confirm" kind="password" autocomplete="new-password"/>
                                    <button type="submit" disabled=move || action.pending().get()>"Create account"</button>
                                </PostForm>
                                <ActionError value=action.value()/>
                                <p class="divider"><span>"or"</span></p>
                                <PasskeySignUp invitation=invite()/>
                            }.into_any_sync()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The value of a text input by id (the sign-up form's email and name).
fn input_value(id: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id(id))
            .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            .map(|i| i.value())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = id;
        String::new()
    }
}

async fn sign_up_with_passkey(invitation: Option<String>) -> Result<(), String> {
    use crate::api::passkeys::{begin_passkey_sign_up, finish_passkey_sign_up};
    let options = begin_passkey_sign_up(invitation, input_value("email"), input_value("display_name"))
        .await
        .map_err(|e| error_text(&e))?;
    let credential = webauthn::create(options).await?;
    finish_passkey_sign_up(credential).await.map_err(|e| error_text(&e))?;
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href("/account");
    }
    Ok(())
}

/// A passkey instead of a password: the account has no password at all.
#[component]
fn PasskeySignUp(invitation: Option<String>) -> impl IntoView {
    let action = LocalAction::new(move |_: &()| sign_up_with_passkey(invitation.clone()));
    view! {
        <p class="muted">"Skip the password: fill in your email and name above, then create a passkey."</p>
        <button type="button" class="secondary wide" on:click=move |_| { action.dispatch(()); } disabled=move || action.pending().get()>
            "Create account with a passkey"
        </button>
        {move || action.value().get().and_then(Result::err).map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
    }
}
