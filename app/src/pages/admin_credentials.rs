//! `/admin/credentials`: every personal access token and OAuth client across users, filtered by
//! owner, scope, status, expiry and idleness, sorted and paged. Admins revoke one, or every active
//! one matching the filter after seeing how many that is; auditors see the same list read-only.

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::form_action::FormAction;
use crate::page_data::page_resource;

use crate::local_action::LocalAction;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use crate::api::error_text;
use crate::api::inventory::{CredentialView, InventoryQuery, bulk_revoke, count_matching, credentials, revoke_credential};
use crate::api::passkeys::StepUpPassword;
use crate::components::admin_nav::AdminNav;
use crate::components::confirm::Confirm;
use crate::components::pager::Pager;
use crate::components::step_up::{StepUpPanel, step_up_with_passkey};

fn query_of(q: &ParamsMap) -> InventoryQuery {
    let text = |k: &str| q.get(k).unwrap_or_default();
    let number = |k: &str| q.get(k).and_then(|v| v.trim().parse().ok());
    InventoryQuery {
        kind: text("kind"),
        owner: text("owner"),
        scope: text("scope"),
        status: text("status"),
        unused_days: number("unused_days"),
        created_from: text("created_from"),
        created_to: text("created_to"),
        no_expiry: q.get("no_expiry").is_some_and(|v| v == "on" || v == "true"),
        expires_within_days: number("expires_within_days"),
        sort: text("sort"),
        descending: q.get("dir").is_some_and(|d| d == "desc"),
        page: number("page").unwrap_or(1),
    }
}

/// The query's parameters again, for links (pages, the other kind).
fn params_of(q: &InventoryQuery) -> Vec<(String, String)> {
    let n = |v: Option<u32>| v.map(|d| d.to_string()).unwrap_or_default();
    vec![
        ("kind".into(), q.kind.clone()),
        ("owner".into(), q.owner.clone()),
        ("scope".into(), q.scope.clone()),
        ("status".into(), q.status.clone()),
        ("unused_days".into(), n(q.unused_days)),
        ("created_from".into(), q.created_from.clone()),
        ("created_to".into(), q.created_to.clone()),
        ("no_expiry".into(), if q.no_expiry { "on".into() } else { String::new() }),
        ("expires_within_days".into(), n(q.expires_within_days)),
        ("sort".into(), q.sort.clone()),
        ("dir".into(), if q.descending { "desc".into() } else { String::new() }),
    ]
}

#[component]
pub fn AdminCredentials() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| query_of(&params.get()));
    let step_up_password = FormAction::<StepUpPassword>::new();
    let step_up_passkey = LocalAction::new(|_: &()| step_up_with_passkey());
    let revoke = Action::new(|(kind, id, reason): &(String, String, String)| revoke_credential(kind.clone(), id.clone(), reason.clone()));
    let bulk = Action::new(|(q, n, reason): &(InventoryQuery, i64, String)| bulk_revoke(q.clone(), *n, reason.clone()));
    let page = page_resource(
        move || (query.get(), revoke.version().get(), bulk.version().get(), step_up_password.version().get(), step_up_passkey.version().get()),
        |(q, ..)| credentials(q),
    );
    let clients = move || query.get().kind == "clients";
    view! {
        <Title text="Credentials"/>
        <h1>"Credentials"</h1>
        <AdminNav/>
        <nav class="tabs" aria-label="Kind of credential">
            <a href="/admin/credentials?kind=tokens" aria-current=move || (!clients()).then_some("page")>"Personal access tokens"</a>
            <a href="/admin/credentials?kind=clients" aria-current=move || clients().then_some("page")>"OAuth clients"</a>
        </nav>
        {move || revoke.value().get().and_then(Result::err).map(|e| view! { <p class="alert error" role="alert">{error_text(&e)}</p> })}
        {move || revoke.value().get().and_then(Result::ok).map(|_| view! { <p class="alert ok" role="status">"Revoked."</p> })}
        {move || bulk.value().get().map(|r| match r {
            Ok(n) => view! { <p class="alert ok" role="status">{format!("Revoked {n}.")}</p> }.into_any_sync(),
            Err(e) => view! { <p class="alert error" role="alert">{error_text(&e)}</p> }.into_any_sync(),
        })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any_sync(),
                    Ok(Some(p)) => {
                        let q = query.get_untracked();
                        let editable = p.can_change && p.step_up.recent_auth;
                        let kind = if q.kind == "clients" { "clients" } else { "tokens" };
                        view! {
                            <Filters query scopes=p.scopes.clone()/>
                            <p>{format!("{} match", p.total)}</p>
                            <table class="credentials">
                                <caption class="visually-hidden">{if kind == "clients" { "OAuth clients" } else { "Personal access tokens" }}</caption>
                                <thead><tr>
                                    <th scope="col">"Name"</th><th scope="col">"Owner"</th><th scope="col">"Scopes"</th><th scope="col">"Status"</th>
                                    <th scope="col">"Created"</th><th scope="col">"Expires"</th><th scope="col">"Last used"</th>
                                    {editable.then(|| view! { <th scope="col">"Actions"</th> })}
                                </tr></thead>
                                <tbody>
                                    {p.items.into_iter().map(|c| view! { <CredentialRow c kind editable revoke/> }).collect_view()}
                                </tbody>
                            </table>
                            <Pager page=p.page pages=p.pages path="/admin/credentials" params=params_of(&q)/>
                            {editable.then(|| view! { <BulkRevoke query=q.clone() bulk kind/> })}
                            {(p.can_change && !p.step_up.recent_auth).then(|| view! {
                                <StepUpPanel has_passkey=p.step_up.has_passkey has_password=p.step_up.has_password has_totp=p.step_up.has_totp
                                    with_password=step_up_password with_passkey=step_up_passkey what="Revoking credentials"/>
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
fn Filters(query: Memo<InventoryQuery>, scopes: Vec<String>) -> impl IntoView {
    let q = move || query.get();
    view! {
        <form method="get" action="/admin/credentials" class="filters" role="search" aria-label="Filter credentials">
            <input type="hidden" name="kind" value=move || q().kind/>
            <label for="f-owner">"Owner (email or name)"</label>
            <input id="f-owner" name="owner" value=move || q().owner/>
            <label for="f-scope">"Has scope"</label>
            <select id="f-scope" name="scope" prop:value=move || q().scope>
                <option value="">"any"</option>
                {scopes.into_iter().map(|s| { let label = s.clone(); view! { <option value=s>{label}</option> } }).collect_view()}
            </select>
            <label for="f-status">"Status"</label>
            <select id="f-status" name="status" prop:value=move || q().status>
                <option value="">"any"</option>
                <option value="active">"active"</option>
                <option value="ended">"revoked, expired or disabled"</option>
            </select>
            <label for="f-unused">"Unused for at least (days)"</label>
            <input id="f-unused" name="unused_days" type="number" min="0" max="3650" value=move || q().unused_days.map(|d| d.to_string())/>
            <label for="f-expires">"Expires within (days)"</label>
            <input id="f-expires" name="expires_within_days" type="number" min="0" max="3650" value=move || q().expires_within_days.map(|d| d.to_string())/>
            <label for="f-from">"Created from (day)"</label>
            <input id="f-from" name="created_from" type="date" value=move || q().created_from/>
            <label for="f-to">"Created until (day)"</label>
            <input id="f-to" name="created_to" type="date" value=move || q().created_to/>
            <label><input type="checkbox" name="no_expiry" checked=move || q().no_expiry/>" No expiry"</label>
            <label for="f-sort">"Sort by"</label>
            <select id="f-sort" name="sort" prop:value=move || q().sort>
                <option value="created">"created"</option>
                <option value="last_used">"last used"</option>
                <option value="expires">"expires"</option>
                <option value="owner">"owner"</option>
                <option value="name">"name"</option>
            </select>
            <label for="f-dir">"Order"</label>
            <select id="f-dir" name="dir" prop:value=move || if q().descending { "desc".to_owned() } else { "asc".to_owned() }>
                <option value="asc">"ascending"</option>
                <option value="desc">"descending"</option>
            </select>
            <button type="submit" class="secondary">"Apply filters"</button>
        </form>
    }
}

#[component]
fn CredentialRow(c: CredentialView, kind: &'static str, editable: bool, revoke: Action<(String, String, String), Result<(), ServerFnError>>) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let id = c.id.clone();
    let verb = if kind == "clients" { "Disable" } else { "Revoke" };
    view! {
        <tr class=if c.active { "" } else { "ended" }>
            <th scope="row">{c.name.clone()}</th>
            <td>{c.owner.clone()} <span class="muted">{format!(" {}", c.owner_email)}</span></td>
            <td>{c.scopes.clone()}</td>
            <td>{c.status.clone()}</td>
            <td>{c.created.clone()}</td>
            <td>{c.expires.clone()}</td>
            <td>{c.last_used.clone()}</td>
            {(editable && c.active).then(|| view! {
                <td class="actions">
                    <label class="visually-hidden" for=format!("reason-{id}")>{format!("Reason for {} {}", verb.to_lowercase(), c.name)}</label>
                    <input id=format!("reason-{id}") placeholder="Reason (shown to the owner)" on:input=move |ev| reason.set(event_target_value(&ev))/>
                    <Confirm label=verb subject=c.name.clone()
                        question=format!("{verb} “{}” of {}? Anything using it stops working at once, and the owner is told.", c.name, c.owner)
                        yes=if kind == "clients" { "Yes, disable" } else { "Yes, revoke" } class="danger"
                        on_yes=Callback::new(move |_| { revoke.dispatch((kind.to_owned(), id.clone(), reason.get_untracked())); })/>
                </td>
            })}
            {(editable && !c.active).then(|| view! { <td></td> })}
        </tr>
    }
}

/// "Revoke all matching": asks the server how many that is now, shows it, and revokes exactly
/// that many (the server refuses if the set changed meanwhile).
#[component]
fn BulkRevoke(query: InventoryQuery, bulk: Action<(InventoryQuery, i64, String), Result<i64, ServerFnError>>, kind: &'static str) -> impl IntoView {
    let count = Action::new(|q: &InventoryQuery| count_matching(q.clone()));
    let reason = RwSignal::new(String::new());
    let q1 = query.clone();
    let what = if kind == "clients" { "clients" } else { "tokens" };
    view! {
        <section class="card" aria-labelledby="bulk-title">
            <h2 id="bulk-title">{format!("Revoke all matching {what}")}</h2>
            <label for="bulk-reason">"Reason (shown to each owner)"</label>
            <input id="bulk-reason" on:input=move |ev| reason.set(event_target_value(&ev))/>
            <button type="button" class="secondary" on:click=move |_| { count.dispatch(q1.clone()); }>{format!("Revoke all matching {what}…")}</button>
            {move || count.value().get().map(|r| match r {
                Ok(0) => view! { <p role="status">"No active credentials match this filter."</p> }.into_any_sync(),
                Ok(n) => {
                    let q = query.clone();
                    view! {
                        <div class="confirm" role="group" aria-label="Confirm bulk revocation">
                            <p>{format!("This revokes {n} active {what}. Their owners are told.")}</p>
                            <button type="button" class="danger" on:click=move |_| { bulk.dispatch((q.clone(), n, reason.get_untracked())); count.value().set(None); }>
                                {format!("Yes, revoke {n}")}
                            </button>
                            <button type="button" class="secondary" on:click=move |_| count.value().set(None)>"Cancel"</button>
                        </div>
                    }.into_any_sync()
                }
                Err(e) => view! { <p class="alert error" role="alert">{error_text(&e)}</p> }.into_any_sync(),
            })}
        </section>
    }
}
