//! `/admin/policy`: the instance policy. Admins change it (after confirming it's them); the change
//! is audited and applies to the next request. Auditors read it.

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::form_action::FormAction;
use crate::page_data::page_resource;

use crate::local_action::LocalAction;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::api::error_text;
use crate::api::passkeys::StepUpPassword;
use crate::api::policy::{PolicyInput, PolicyPage, policy_view, save_policy};
use crate::components::admin_nav::AdminNav;
use crate::components::step_up::{StepUpPanel, step_up_with_passkey};

#[component]
pub fn AdminPolicy() -> impl IntoView {
    let step_up_password = FormAction::<StepUpPassword>::new();
    let step_up_passkey = LocalAction::new(|_: &()| step_up_with_passkey());
    let save = Action::new(|input: &PolicyInput| save_policy(input.clone()));
    let page = page_resource(
        move || (save.version().get(), step_up_password.version().get(), step_up_passkey.version().get()),
        |_| policy_view(),
    );
    view! {
        <Title text="Policy"/>
        <h1>"Policy"</h1>
        <AdminNav/>
        {move || save.value().get().map(|r| match r {
            Ok(()) => view! { <p class="alert ok" role="status">"Policy saved. It applies from the next request."</p> }.into_any_sync(),
            Err(e) => view! { <p class="alert error" role="alert">{error_text(&e)}</p> }.into_any_sync(),
        })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any_sync(),
                    Ok(Some(p)) => {
                        let needs_step_up = p.can_change && !p.step_up.recent_auth;
                        let s = p.step_up.clone();
                        view! {
                            <PolicyForm p save/>
                            {needs_step_up.then(|| view! {
                                <StepUpPanel has_passkey=s.has_passkey has_password=s.has_password has_totp=s.has_totp
                                    with_password=step_up_password with_passkey=step_up_passkey what="Changing the policy"/>
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
fn PolicyForm(p: PolicyPage, save: Action<PolicyInput, Result<(), ServerFnError>>) -> impl IntoView {
    let editable = p.can_change && p.step_up.recent_auth;
    let max_days = RwSignal::new(p.max_lifetime_days.to_string());
    let no_expiry = RwSignal::new(p.allow_no_expiry);
    let idle_days = RwSignal::new(p.inactivity_days.to_string());
    let mfa = RwSignal::new(p.require_mfa);
    let signup = RwSignal::new(p.self_registration);
    // One signal per (role, scope) check box.
    let grants: Vec<(String, Vec<(String, String, RwSignal<bool>)>)> = p
        .roles
        .iter()
        .map(|r| (r.role.clone(), r.scopes.iter().map(|(name, desc, on)| (name.clone(), desc.clone(), RwSignal::new(*on))).collect()))
        .collect();
    let grants = StoredValue::new(grants);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let scopes_of = |role: &str| {
            grants.with_value(|g| {
                g.iter()
                    .find(|(r, _)| r == role)
                    .map(|(_, s)| s.iter().filter(|(_, _, on)| on.get_untracked()).map(|(n, _, _)| n.clone()).collect::<Vec<_>>().join(" "))
                    .unwrap_or_default()
            })
        };
        save.dispatch(PolicyInput {
            max_lifetime_days: max_days.get_untracked().trim().parse().unwrap_or(0),
            allow_no_expiry: no_expiry.get_untracked(),
            inactivity_days: idle_days.get_untracked().trim().parse().unwrap_or(u32::MAX),
            require_mfa: mfa.get_untracked(),
            self_registration: signup.get_untracked(),
            developer_scopes: scopes_of("developer"),
            auditor_scopes: scopes_of("auditor"),
            admin_scopes: scopes_of("admin"),
        });
    };
    view! {
        <form class="policy" on:submit=submit>
            <fieldset disabled=!editable>
                <legend>"Personal access tokens"</legend>
                <label for="p-max">"Maximum token lifetime (days)"</label>
                <input id="p-max" type="number" min="1" max="3650" required prop:value=move || max_days.get() on:input=move |ev| max_days.set(event_target_value(&ev))/>
                <label><input type="checkbox" prop:checked=move || no_expiry.get() on:change=move |ev| no_expiry.set(event_target_checked(&ev))/>" Allow tokens without expiry"</label>
                <label for="p-idle">"Inactivity window (days; 0 turns it off)"</label>
                <input id="p-idle" type="number" min="0" max="3650" required prop:value=move || idle_days.get() on:input=move |ev| idle_days.set(event_target_value(&ev))/>
            </fieldset>
            <fieldset disabled=!editable>
                <legend>"Accounts"</legend>
                <label><input type="checkbox" prop:checked=move || mfa.get() on:change=move |ev| mfa.set(event_target_checked(&ev))/>" Require a second factor for everyone"</label>
                <label><input type="checkbox" prop:checked=move || signup.get() on:change=move |ev| signup.set(event_target_checked(&ev))/>" Allow self-registration (new accounts are developers)"</label>
            </fieldset>
            {grants.with_value(|g| g.iter().map(|(role, scopes)| view! {
                <fieldset disabled=!editable class="scopes">
                    <legend>{format!("Scopes a {role} may grant")}</legend>
                    {scopes.iter().map(|(name, desc, on)| {
                        let on = *on;
                        let id = format!("p-{role}-{}", name.replace(':', "-"));
                        view! {
                            <div class="check">
                                <input type="checkbox" id=id.clone() prop:checked=move || on.get() on:change=move |ev| on.set(event_target_checked(&ev))/>
                                <label for=id>{format!("{role}: {name}")} <span class="muted">{format!(" — {desc}")}</span></label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
            }).collect_view())}
            {editable.then(|| view! { <button type="submit">"Save policy"</button> })}
        </form>
    }
}
