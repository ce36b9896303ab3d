//! `/oauth/consent?request=…`: an app asks for access; the person allows or denies. Either way the
//! browser goes back to the app (with a code, or with `access_denied`).

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::form_action::{FormAction, PostForm};
use crate::page_data::page_resource;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::error_text;
use crate::api::oauth::{ConsentView, DecideConsent, consent_request};
use crate::components::alert::ActionError;

#[component]
pub fn Consent() -> impl IntoView {
    let query = use_query_map();
    let request = move || query.read().get("request").unwrap_or_default();
    let view_of = page_resource(request, consent_request);
    view! {
        <Title text="Allow access"/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match view_of.await {
                    Ok(v) => view! { <ConsentForm v/> }.into_any_sync(),
                    Err(e) => view! {
                        <section class="card narrow">
                            <h1>"This request cannot continue"</h1>
                            <p class="alert error" role="alert">{error_text(&e)}</p>
                            <p><a href="/login">"Sign in"</a></p>
                        </section>
                    }.into_any_sync(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ConsentForm(v: ConsentView) -> impl IntoView {
    let decide = FormAction::<DecideConsent>::new();
    // The server function redirects (to the app, with a code or `access_denied`); the router's
    // redirect hook follows it with JavaScript, the browser without.
    let heading = format!("{} wants to access your Gatehouse account", v.client_name);
    let (allow_id, deny_id) = (v.request.clone(), v.request.clone());
    view! {
        <section class="card narrow" aria-labelledby="consent-heading">
            <h1 id="consent-heading">{heading}</h1>
            <p>"If you allow it, the app will be able to:"</p>
            <ul class="scopes">
                {v.scopes.into_iter().map(|s| view! { <li><strong>{s.description}</strong>" " <code>{s.name}</code></li> }).collect_view()}
            </ul>
            <p>"You will be sent back to " <strong>{v.redirect_host}</strong> ". You can withdraw this access at any time on the Authorized apps page."</p>
            <div class="actions">
                <PostForm action=decide>
                    <input type="hidden" name="request" value=allow_id/>
                    <input type="hidden" name="decision" value="allow"/>
                    <button type="submit" disabled=move || decide.pending().get()>"Allow"</button>
                </PostForm>
                <PostForm action=decide>
                    <input type="hidden" name="request" value=deny_id/>
                    <input type="hidden" name="decision" value="deny"/>
                    <button type="submit" class="secondary" disabled=move || decide.pending().get()>"Deny"</button>
                </PostForm>
            </div>
            <ActionError value=decide.value()/>
        </section>
    }
}
