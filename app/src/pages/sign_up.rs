//! `/signup?invite=…`: create an account from a one-time link (or freely, when self-registration is on).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::{SignUp as SignUpFn, invitation_info};
use crate::api::error_text;
use crate::components::alert::ActionError;
use crate::components::field::Field;

#[component]
pub fn SignUp() -> impl IntoView {
    let query = use_query_map();
    let invite = move || query.with(|q| q.get("invite"));
    let info = Resource::new(invite, invitation_info);
    let action = ServerAction::<SignUpFn>::new();
    view! {
        <Title text="Create your account"/>
        <section class="card narrow">
            <Suspense fallback=|| view! { <p>"Checking your link…"</p> }>
                {move || Suspend::new(async move {
                    match info.await {
                        Err(e) => view! {
                            <h1>"Create your account"</h1>
                            <p class="alert error" role="alert">{error_text(&e)}</p>
                        }.into_any(),
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
                                <ActionForm action>
                                    <input type="hidden" name="invitation" value=invite().unwrap_or_default()/>
                                    <Field label="Email" name="email" kind="email" autocomplete="username" value=email.unwrap_or_default() readonly=locked/>
                                    <Field label="Name" name="display_name" autocomplete="name"/>
                                    <Field label="Password" name="password" kind="password" autocomplete="new-password"
                                        hint="12 to 128 characters. A few unrelated words make a strong, memorable password."/>
                                    <Field label="Confirm password" name="password_confirm" kind="password" autocomplete="new-password"/>
                                    <button type="submit" disabled=move || action.pending().get()>"Create account"</button>
                                </ActionForm>
                                <ActionError value=action.value()/>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
