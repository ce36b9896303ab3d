//! `/admin/webhooks`: webhooks that receive every audit event, signed, with their recent
//! deliveries. Admins register (the signing secret is shown once), disable, enable and delete.

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::form_action::FormAction;
use crate::page_data::page_resource;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::api::error_text;
use crate::api::passkeys::StepUpPassword;
use crate::api::webhooks::{HookView, delete_webhook, register_webhook, set_webhook_status, webhooks_view};
use crate::components::admin_nav::AdminNav;
use crate::components::confirm::Confirm;
use crate::components::step_up::{StepUpPanel, step_up_with_passkey};
use crate::local_action::LocalAction;

#[component]
pub fn AdminWebhooks() -> impl IntoView {
    let step_up_password = FormAction::<StepUpPassword>::new();
    let step_up_passkey = LocalAction::new(|_: &()| step_up_with_passkey());
    let register = Action::new(|url: &String| register_webhook(url.clone()));
    let status = Action::new(|(id, active): &(String, bool)| set_webhook_status(id.clone(), *active));
    let delete = Action::new(|id: &String| delete_webhook(id.clone()));
    let page = page_resource(
        move || (register.version().get(), status.version().get(), delete.version().get(), step_up_password.version().get(), step_up_passkey.version().get()),
        |_| webhooks_view(),
    );
    let url = RwSignal::new(String::new());
    view! {
        <Title text="Webhooks"/>
        <h1>"Webhooks"</h1>
        <AdminNav/>
        <p>"Every audit event is sent as JSON to each active webhook, signed: the " <code>"Gatehouse-Signature"</code>
           " header is " <code>"v1="</code> " and the hex HMAC-SHA-256 of " <code>"<Gatehouse-Timestamp>.<body>"</code>
           " under the webhook's secret. Failed deliveries are retried with backoff."</p>
        {move || register.value().get().map(|r| match r {
            Ok(h) => view! {
                <section class="once" aria-labelledby="hook-secret-title">
                    <h2 id="hook-secret-title">"Signing secret of " {h.url.clone()}</h2>
                    <p class="warning">"Copy it now into the receiving service. It will not be shown again."</p>
                    <label for="hook-secret">"Signing secret"</label>
                    <input id="hook-secret" class="secret" readonly value=h.secret.clone()/>
                </section>
            }.into_any_sync(),
            Err(e) => view! { <p class="alert error" role="alert">{error_text(&e)}</p> }.into_any_sync(),
        })}
        {move || status.value().get().and_then(Result::err).map(|e| view! { <p class="alert error" role="alert">{error_text(&e)}</p> })}
        {move || delete.value().get().and_then(Result::err).map(|e| view! { <p class="alert error" role="alert">{error_text(&e)}</p> })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any_sync(),
                    Ok(Some(p)) => {
                        let editable = p.can_change && p.step_up.recent_auth;
                        let s = p.step_up.clone();
                        view! {
                            {if p.hooks.is_empty() { Some(view! { <p>"No webhooks yet."</p> }) } else { None }}
                            {p.hooks.into_iter().map(|h| view! { <HookCard h editable status delete/> }).collect_view()}
                            {editable.then(|| view! {
                                <form class="card" on:submit=move |ev| { ev.prevent_default(); register.dispatch(url.get_untracked()); }>
                                    <h2>"Add a webhook"</h2>
                                    <label for="hook-url">"Webhook URL (https)"</label>
                                    <input id="hook-url" type="url" required on:input=move |ev| url.set(event_target_value(&ev)) prop:value=move || url.get()/>
                                    <button type="submit">"Add webhook"</button>
                                </form>
                            })}
                            {(p.can_change && !s.recent_auth).then(|| view! {
                                <StepUpPanel has_passkey=s.has_passkey has_password=s.has_password has_totp=s.has_totp
                                    with_password=step_up_password with_passkey=step_up_passkey what="Changing webhooks"/>
                            })}
                        }
                        .into_any_sync()
                    }
                    Err(e) => view! { <p class="alert error" role="alert">{error_text(&e)}</p> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}

#[component]
fn HookCard(
    h: HookView,
    editable: bool,
    status: Action<(String, bool), Result<(), ServerFnError>>,
    delete: Action<String, Result<(), ServerFnError>>,
) -> impl IntoView {
    let heading = format!("hook-{}", h.id);
    let (id, id2, url) = (h.id.clone(), h.id.clone(), h.url.clone());
    let active = h.active;
    view! {
        <section class=if h.active { "card" } else { "card ended" } aria-labelledby=heading.clone()>
            <h2 id=heading.clone()><code>{h.url.clone()}</code>{(!h.active).then_some(" (disabled)")}</h2>
            <p>{format!("Added {}. Delivered {}, waiting {}, failed {}.", h.created, h.delivered, h.pending, h.failed)}</p>
            <table>
                <caption>{format!("Recent deliveries to {}", h.url)}</caption>
                <thead><tr><th scope="col">"Event"</th><th scope="col">"Status"</th><th scope="col">"Tries"</th><th scope="col">"Answer"</th><th scope="col">"When"</th></tr></thead>
                <tbody>
                    {h.recent.into_iter().map(|d| view! {
                        <tr><td><code>{d.event_id}</code></td><td>{d.status}</td><td>{d.attempts}</td><td>{d.answer}</td><td>{d.when}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            {editable.then(|| view! {
                <div class="actions">
                    <button type="button" class="secondary" aria-label=format!("{} {url}", if active { "Disable" } else { "Enable" })
                        on:click=move |_| { status.dispatch((id.clone(), !active)); }>{if active { "Disable" } else { "Enable" }}</button>
                    <Confirm label="Delete" subject=url.clone() question=format!("Delete the webhook {url}? Its delivery history goes with it.")
                        yes="Yes, delete" class="danger" on_yes=Callback::new(move |_| { delete.dispatch(id2.clone()); })/>
                </div>
            })}
        </section>
    }
}
