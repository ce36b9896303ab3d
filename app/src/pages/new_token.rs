//! `/tokens/new`: create a personal access token (behind the step-up guard). `?scopes=…&name=…`
//! pre-fills the form (the "narrower replacement" link of a token's page). The token is shown
//! once, on this page, in the answer to the creating call; so this page needs JavaScript.

use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::form_action::FormAction;
use crate::page_data::page_resource;

use crate::local_action::LocalAction;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::api::error_text;
use crate::api::passkeys::StepUpPassword;
use crate::api::tokens::{CreateTokenInput, CreatedToken, NewTokenChoices, create_token, new_token_options};
use crate::components::step_up::{StepUpPanel, step_up_with_passkey};
use crate::components::token_once::TokenOnce;

#[component]
pub fn NewToken() -> impl IntoView {
    let step_up_password = FormAction::<StepUpPassword>::new();
    let step_up_passkey = LocalAction::new(|_: &()| step_up_with_passkey());
    let choices = page_resource(
        move || (step_up_password.version().get(), step_up_passkey.version().get()),
        |_| new_token_options(),
    );
    view! {
        <Title text="New token"/>
        <h1>"New personal access token"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match choices.await {
                    Ok(Some(c)) if !c.recent_auth => view! {
                        <StepUpPanel has_passkey=c.has_passkey has_password=c.has_password has_totp=c.has_totp
                            with_password=step_up_password with_passkey=step_up_passkey what="Creating a token"/>
                    }.into_any_sync(),
                    Ok(Some(c)) => view! { <NewTokenForm choices=c/> }.into_any_sync(),
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any_sync(),
                    Err(e) => view! { <p class="alert error" role="alert">{error_text(&e)}</p> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NewTokenForm(choices: NewTokenChoices) -> impl IntoView {
    let query = use_query_map();
    let prefill = query.read_untracked();
    let name = RwSignal::new(prefill.get("name").unwrap_or_default());
    let note = RwSignal::new(String::new());
    let known: BTreeSet<String> = choices.scopes.iter().map(|s| s.name.clone()).collect();
    let selected = RwSignal::new(
        prefill
            .get("scopes")
            .unwrap_or_default()
            .split([' ', ','])
            .filter(|s| known.contains(*s))
            .map(str::to_owned)
            .collect::<BTreeSet<String>>(),
    );
    let expiry = RwSignal::new("30".to_owned());
    let date = RwSignal::new(String::new());
    let allowlist = RwSignal::new(String::new());
    let create = Action::new(|input: &CreateTokenInput| create_token(input.clone()));
    let created = move || create.value().get().and_then(Result::ok);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        create.dispatch(CreateTokenInput {
            name: name.get_untracked(),
            note: note.get_untracked(),
            scopes: selected.get_untracked().into_iter().collect(),
            expiry: expiry.get_untracked(),
            date: date.get_untracked(),
            allowlist: allowlist.get_untracked(),
        });
    };
    let presets = choices.presets.clone();
    let dates = StoredValue::new((choices.min_date.clone(), choices.max_date.clone()));
    view! {
        <Show when=move || created().is_none() fallback=move || created().map(|c: CreatedToken| view! { <TokenOnce created=c/> })>
            <noscript><p class="alert warn">"Creating a token needs JavaScript: the token is shown once, on this page."</p></noscript>
            <form class="card token-form" on:submit=submit>
                <div class="field">
                    <label for="token-name">"Name"</label>
                    <input id="token-name" required maxlength="100" bind:value=name aria-describedby="token-name-hint"/>
                    <p class="hint" id="token-name-hint">"What it is for, e.g. “CI deploys”. Unique among your active tokens."</p>
                </div>
                <div class="field">
                    <label for="token-note">"Note (optional)"</label>
                    <input id="token-note" maxlength="500" bind:value=note/>
                </div>
                <fieldset class="scopes">
                    <legend>"Scopes"</legend>
                    <p class="hint">"Give the token only what it needs. A scope includes the ones below it (user includes user:email)."</p>
                    {choices.scopes.iter().map(|s| {
                        let key = s.name.clone();
                        let checked = { let key = key.clone(); move || selected.with(|set| set.contains(&key)) };
                        let id = format!("scope-{}", s.name.replace(':', "-"));
                        view! {
                            <div class="check">
                                <input type="checkbox" id=id.clone() value=s.name.clone() prop:checked=checked
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        selected.update(|set| { if on { set.insert(key.clone()); } else { set.remove(&key); } });
                                    }/>
                                <label for=id><code>{s.name.clone()}</code> " " <span class="muted">{s.description.clone()}</span></label>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <div class="field">
                    <label for="token-expiry">"Expiration"</label>
                    <select id="token-expiry" on:change=move |ev| expiry.set(event_target_value(&ev)) prop:value=move || expiry.get()>
                        {presets.iter().map(|d| view! { <option value=d.to_string() selected=*d == 30>{format!("{d} days")}</option> }).collect_view()}
                        <option value="date">"On a date…"</option>
                        {choices.allow_no_expiry.then(|| view! { <option value="never">"No expiry"</option> })}
                    </select>
                </div>
                <Show when=move || expiry.get() == "date">
                    <div class="field">
                        <label for="token-date">"Expiry date"</label>
                        <input id="token-date" type="date" required min=dates.with_value(|d| d.0.clone()) max=dates.with_value(|d| d.1.clone()) bind:value=date
                            aria-describedby="token-date-hint"/>
                        <p class="hint" id="token-date-hint">{dates.with_value(|d| format!("The token works until the end of that day (UTC), at the latest {}.", d.1))}</p>
                    </div>
                </Show>
                <Show when=move || expiry.get() == "never">
                    <p class="alert warn">"A token without expiry works until it is revoked, or until it goes unused for too long."</p>
                </Show>
                <div class="field">
                    <label for="token-allowlist">"Allowed IP addresses (optional)"</label>
                    <input id="token-allowlist" bind:value=allowlist aria-describedby="token-allowlist-hint" placeholder="203.0.113.0/24, 2001:db8::/32"/>
                    <p class="hint" id="token-allowlist-hint">"Addresses or CIDR ranges, separated by commas. Empty: any address."</p>
                </div>
                <button type="submit" disabled=move || create.pending().get()>"Create token"</button>
                {move || create.value().get().and_then(Result::err).map(|e| view! { <p class="alert error" role="alert">{error_text(&e)}</p> })}
            </form>
        </Show>
    }
}
