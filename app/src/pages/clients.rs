//! `/clients`: the person's OAuth clients — register one (behind the step-up guard; a confidential
//! client's secret is shown once), see each one's redirect URIs, grants, scopes and secrets, rotate
//! the secret with a grace period, disable, enable or delete.

use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::form_action::{FormAction, PostForm};
use crate::page_data::page_resource;

use crate::local_action::LocalAction;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::api::clients::{
    ClientView, ClientsPage, DeleteClient, NewClientInput, SetClientStatus, ShownSecret, clients_overview, register_client, rotate_client_secret,
};
use crate::api::error_text;
use crate::api::passkeys::StepUpPassword;
use crate::components::alert::ActionError;
use crate::components::secret_once::SecretOnce;
use crate::components::step_up::{StepUpPanel, step_up_with_passkey};

const GRANTS: [(&str, &str); 4] = [
    ("authorization_code", "Authorization code (people sign in through the app)"),
    ("refresh_token", "Refresh tokens"),
    ("client_credentials", "Client credentials (the app acts for itself; confidential only)"),
    ("urn:ietf:params:oauth:grant-type:token-exchange", "Token exchange"),
];

#[component]
pub fn Clients() -> impl IntoView {
    let step_up_password = FormAction::<StepUpPassword>::new();
    let step_up_passkey = LocalAction::new(|_: &()| step_up_with_passkey());
    let status = FormAction::<SetClientStatus>::new();
    let delete = FormAction::<DeleteClient>::new();
    let shown = RwSignal::new(None::<ShownSecret>);
    let page = page_resource(
        move || (step_up_password.version().get(), step_up_passkey.version().get(), status.version().get(), delete.version().get(), shown.get().is_some()),
        |_| clients_overview(),
    );
    view! {
        <Title text="OAuth clients"/>
        <h1>"OAuth clients"</h1>
        <p>"Apps that sign people in with Gatehouse, or call its API for themselves."</p>
        {move || shown.get().map(|s| view! {
            {s.secret.clone().map(|secret| view! { <SecretOnce client_name=s.client.name.clone() client_id=s.client.id.clone() secret/> })}
        })}
        <ActionError value=status.value()/>
        <ActionError value=delete.value()/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any_sync(),
                    Ok(Some(p)) => view! {
                        <ClientList clients=p.clients.clone() status delete shown recent=p.recent_auth/>
                        {if p.recent_auth {
                            view! { <RegisterForm page=p shown/> }.into_any_sync()
                        } else {
                            view! {
                                <StepUpPanel has_passkey=p.has_passkey has_password=p.has_password has_totp=p.has_totp
                                    with_password=step_up_password with_passkey=step_up_passkey what="Registering a client or rotating a secret"/>
                            }.into_any_sync()
                        }}
                    }.into_any_sync(),
                    Err(e) => view! { <p class="alert error" role="alert">{error_text(&e)}</p> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ClientList(
    clients: Vec<ClientView>,
    status: FormAction<SetClientStatus>,
    delete: FormAction<DeleteClient>,
    shown: RwSignal<Option<ShownSecret>>,
    recent: bool,
) -> impl IntoView {
    if clients.is_empty() {
        return view! { <p>"You have not registered a client yet."</p> }.into_any_sync();
    }
    view! {
        <div class="clients">
            {clients.into_iter().map(|c| view! { <ClientCard c status delete shown recent/> }).collect_view()}
        </div>
    }
    .into_any_sync()
}

#[component]
fn ClientCard(
    c: ClientView,
    status: FormAction<SetClientStatus>,
    delete: FormAction<DeleteClient>,
    shown: RwSignal<Option<ShownSecret>>,
    recent: bool,
) -> impl IntoView {
    let heading_id = format!("client-{}", c.id);
    let rotate = Action::new(|(id, days): &(String, u32)| rotate_client_secret(id.clone(), *days));
    Effect::new(move |_| {
        if let Some(Ok(s)) = rotate.value().get() {
            shown.set(Some(s));
        }
    });
    let grace = RwSignal::new("1".to_owned());
    let confirming = RwSignal::new(false);
    let (id, name) = (c.id.clone(), c.name.clone());
    let confidential = c.kind == "confidential";
    let del = StoredValue::new((id.clone(), name.clone()));
    view! {
        <section class=if c.active { "card client" } else { "card client ended" } aria-labelledby=heading_id.clone()>
            <h2 id=heading_id.clone()>{c.name.clone()} " " <span class="muted">{if c.active { "" } else { "(disabled)" }}</span></h2>
            <dl>
                <dt>"Client ID"</dt><dd><code>{c.id.clone()}</code></dd>
                <dt>"Type"</dt><dd>{c.kind.clone()}</dd>
                <dt>"Grants"</dt><dd>{c.grant_types.join(", ")}</dd>
                <dt>"Scopes"</dt><dd>{c.scopes.join(" ")}</dd>
                <dt>"Redirect URIs"</dt>
                <dd><ul>{c.redirects.iter().map(|r| view! { <li><code>{r.uri.clone()}</code>{r.scopes.clone().map(|s| format!(" (only {s})"))}</li> }).collect_view()}</ul></dd>
                <dt>"Created"</dt><dd>{c.created.clone()}</dd>
                {confidential.then(|| view! {
                    <dt>"Secrets"</dt>
                    <dd><ul>{c.secrets.iter().map(|s| view! {
                        <li>"…" <code>{s.hint.clone()}</code> ", created " {s.created.clone()}
                            {s.expires.clone().map(|e| format!(" — stops working {e}")).unwrap_or_else(|| " — current".into())}</li>
                    }).collect_view()}</ul></dd>
                })}
            </dl>
            {(confidential && recent).then(|| {
                let id = id.clone();
                view! {
                    <div class="rotate">
                        <label for=format!("grace-{id}")>"Old secret keeps working for"</label>
                        <select id=format!("grace-{id}") on:change=move |ev| grace.set(event_target_value(&ev)) prop:value=move || grace.get()>
                            {(0..=7).map(|d| view! { <option value=d.to_string()>{if d == 1 { "1 day".to_owned() } else { format!("{d} days") }}</option> }).collect_view()}
                        </select>
                        <button type="button" class="secondary" on:click={ let id = id.clone(); move |_| { rotate.dispatch((id.clone(), grace.get_untracked().parse().unwrap_or(0))); } }>
                            "Rotate secret"
                        </button>
                    </div>
                }
            })}
            {move || rotate.value().get().and_then(Result::err).map(|e| view! { <p class="alert error" role="alert">{error_text(&e)}</p> })}
            <div class="actions">
                <PostForm action=status>
                    <input type="hidden" name="id" value=id.clone()/>
                    <input type="hidden" name="active" value=if c.active { "false" } else { "true" }/>
                    <button type="submit" class="secondary" aria-label=format!("{} {}", if c.active { "Disable" } else { "Enable" }, name)>
                        {if c.active { "Disable" } else { "Enable" }}
                    </button>
                </PostForm>
                <Show when=move || confirming.get() fallback=move || view! {
                    <button type="button" class="danger" on:click=move |_| confirming.set(true)>"Delete"</button>
                }>
                    <PostForm action=delete>
                        <input type="hidden" name="id" value=del.with_value(|d| d.0.clone())/>
                        <span>"Delete “" {del.with_value(|d| d.1.clone())} "” and end every token it holds?"</span>
                        <button type="submit" class="danger">"Yes, delete"</button>
                        <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Keep it"</button>
                    </PostForm>
                </Show>
            </div>
        </section>
    }
}

#[component]
fn RegisterForm(page: ClientsPage, shown: RwSignal<Option<ShownSecret>>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new("confidential".to_owned());
    let grants = RwSignal::new(BTreeSet::from(["authorization_code".to_owned(), "refresh_token".to_owned()]));
    let scopes = RwSignal::new(BTreeSet::<String>::new());
    let uris = RwSignal::new(String::new());
    let register = Action::new(|input: &NewClientInput| register_client(input.clone()));
    Effect::new(move |_| {
        if let Some(Ok(s)) = register.value().get() {
            shown.set(Some(s));
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        register.dispatch(NewClientInput {
            name: name.get_untracked(),
            kind: kind.get_untracked(),
            grant_types: grants.get_untracked().into_iter().collect(),
            scopes: scopes.get_untracked().into_iter().collect(),
            redirect_uris: uris.get_untracked(),
        });
    };
    let check = |set: RwSignal<BTreeSet<String>>, key: String, id: String, label: AnyView| {
        let k = key.clone();
        view! {
            <div class="check">
                <input type="checkbox" id=id.clone() prop:checked=move || set.with(|s| s.contains(&k))
                    on:change=move |ev| { let on = event_target_checked(&ev); set.update(|s| { if on { s.insert(key.clone()); } else { s.remove(&key); } }); }/>
                <label for=id>{label}</label>
            </div>
        }
    };
    view! {
        <noscript><p class="alert warn">"Registering a client needs JavaScript: the secret is shown once, on this page."</p></noscript>
        <form class="card" on:submit=submit aria-labelledby="register-title">
            <h2 id="register-title">"Register a client"</h2>
            <div class="field">
                <label for="client-name">"Client name"</label>
                <input id="client-name" required maxlength="100" bind:value=name/>
            </div>
            <div class="field">
                <label for="client-type">"Client type"</label>
                <select id="client-type" on:change=move |ev| kind.set(event_target_value(&ev)) prop:value=move || kind.get()>
                    <option value="confidential">"Confidential (a server that keeps a secret)"</option>
                    <option value="public">"Public (single-page or native app, PKCE only)"</option>
                </select>
            </div>
            <div class="field">
                <label for="client-uris">"Redirect URIs"</label>
                <textarea id="client-uris" rows="3" bind:value=uris aria-describedby="client-uris-hint"></textarea>
                <p class="hint" id="client-uris-hint">"One per line. https, or http only for localhost; compared exactly. To narrow what requests through one may ask for, add scopes after it: https://app.example.com/cb user:read"</p>
            </div>
            <fieldset>
                <legend>"Grant types"</legend>
                {GRANTS.iter().map(|(g, text)| check(grants, g.to_string(), format!("grant-{}", g.rsplit(':').next().unwrap_or(g)), view! { {text.to_string()} }.into_any_sync())).collect_view()}
            </fieldset>
            <fieldset class="scopes">
                <legend>"Scopes the client may ask for"</legend>
                {page.scopes.iter().map(|s| check(scopes, s.name.clone(), format!("client-scope-{}", s.name.replace(':', "-")),
                    view! { <code>{s.name.clone()}</code> " " <span class="muted">{s.description.clone()}</span> }.into_any_sync())).collect_view()}
            </fieldset>
            <button type="submit" disabled=move || register.pending().get()>"Register client"</button>
            {move || register.value().get().and_then(Result::err).map(|e| view! { <p class="alert error" role="alert">{error_text(&e)}</p> })}
        </form>
    }
}
