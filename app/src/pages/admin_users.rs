//! `/admin/users`: every account, searchable and paged. Admins (after confirming it's them) invite,
//! change roles, disable and re-enable accounts and reset second factors; auditors only read.

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::form_action::FormAction;
use crate::page_data::page_resource;

use crate::local_action::LocalAction;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use crate::api::admin_users::{UserRowView, admin_users, invite, reset_mfa, set_role, set_user_status};
use crate::api::error_text;
use crate::api::passkeys::StepUpPassword;
use crate::components::admin_nav::AdminNav;
use crate::components::confirm::Confirm;
use crate::components::pager::Pager;
use crate::components::step_up::{StepUpPanel, step_up_with_passkey};

#[derive(Clone, Debug)]
enum Change {
    Role(String, String),
    Status(String, bool),
    ResetMfa(String),
}

async fn apply(change: Change) -> Result<(), ServerFnError> {
    match change {
        Change::Role(id, role) => set_role(id, role).await,
        Change::Status(id, active) => set_user_status(id, active).await,
        Change::ResetMfa(id) => reset_mfa(id).await,
    }
}

#[component]
pub fn AdminUsers() -> impl IntoView {
    let query = use_query_map();
    let step_up_password = FormAction::<StepUpPassword>::new();
    let step_up_passkey = LocalAction::new(|_: &()| step_up_with_passkey());
    let change = Action::new(|c: &Change| apply(c.clone()));
    let page = page_resource(
        move || {
            let q = query.get();
            (q.get("q").unwrap_or_default(), q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1u32), change.version().get(), step_up_password.version().get(), step_up_passkey.version().get())
        },
        |(search, page, ..)| admin_users(search, page),
    );
    view! {
        <Title text="Users"/>
        <h1>"Users"</h1>
        <AdminNav/>
        <form method="get" action="/admin/users" class="filters" role="search">
            <label for="user-search">"Search by email or name"</label>
            <input id="user-search" name="q" type="search" value=move || query.get().get("q").unwrap_or_default()/>
            <button type="submit" class="secondary">"Search"</button>
        </form>
        {move || change.value().get().and_then(Result::err).map(|e| view! { <p class="alert error" role="alert">{error_text(&e)}</p> })}
        {move || change.value().get().and_then(Result::ok).map(|_| view! { <p class="alert ok" role="status">"Saved."</p> })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any_sync(),
                    Ok(Some(p)) => {
                        let editable = p.can_change && p.step_up.recent_auth;
                        let search = query.get_untracked().get("q").unwrap_or_default();
                        view! {
                            <p>{format!("{} accounts", p.total)}</p>
                            <table class="users">
                                <caption class="visually-hidden">"Accounts"</caption>
                                <thead><tr>
                                    <th scope="col">"Email"</th><th scope="col">"Name"</th><th scope="col">"Role"</th><th scope="col">"Status"</th>
                                    <th scope="col">"Second factor"</th><th scope="col">"Active tokens"</th><th scope="col">"Created"</th>
                                    {editable.then(|| view! { <th scope="col">"Actions"</th> })}
                                </tr></thead>
                                <tbody>
                                    {p.users.into_iter().map(|u| view! { <UserRow u editable change/> }).collect_view()}
                                </tbody>
                            </table>
                            <Pager page=p.page pages=p.pages path="/admin/users" params=vec![("q".to_owned(), search)]/>
                            {(p.can_change && !p.step_up.recent_auth).then(|| view! {
                                <StepUpPanel has_passkey=p.step_up.has_passkey has_password=p.step_up.has_password has_totp=p.step_up.has_totp
                                    with_password=step_up_password with_passkey=step_up_passkey what="Changing accounts"/>
                            })}
                            {editable.then(|| view! { <InviteForm/> })}
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
fn UserRow(u: UserRowView, editable: bool, change: Action<Change, Result<(), ServerFnError>>) -> impl IntoView {
    let role = RwSignal::new(u.role.clone());
    let (id, email) = (u.id.clone(), u.email.clone());
    view! {
        <tr class=if u.active { "" } else { "ended" }>
            <th scope="row">{u.email.clone()}</th>
            <td>{u.name.clone()}</td>
            <td>{u.role.clone()}</td>
            <td>{if u.active { "Active" } else { "Disabled" }}</td>
            <td>{u.second_factor.clone()}</td>
            <td>{u.active_tokens}</td>
            <td>{u.created.clone()}</td>
            {editable.then(|| {
                let (id2, id3, id4) = (id.clone(), id.clone(), id.clone());
                let current = u.role.clone();
                view! {
                    <td class="actions">
                        <label class="visually-hidden" for=format!("role-{id}")>{format!("Role of {email}")}</label>
                        <select id=format!("role-{id}") on:change=move |ev| role.set(event_target_value(&ev)) prop:value=move || role.get()>
                            {["developer", "auditor", "admin"].map(|r| view! { <option value=r selected=r == current>{r}</option> }).collect_view()}
                        </select>
                        <Confirm label="Change role" subject=email.clone()
                            question=format!("Change the role of {email}? Tokens beyond the new role are revoked at once.")
                            yes="Yes, change the role"
                            on_yes=Callback::new(move |_| { change.dispatch(Change::Role(id2.clone(), role.get_untracked())); })/>
                        {if u.active {
                            view! {
                                <Confirm label="Disable" subject=email.clone()
                                    question=format!("Disable {email}? Their sessions, tokens and app grants end at once.")
                                    yes="Yes, disable" class="danger"
                                    on_yes=Callback::new(move |_| { change.dispatch(Change::Status(id3.clone(), false)); })/>
                            }.into_any_sync()
                        } else {
                            view! {
                                <button type="button" class="secondary" aria-label=format!("Enable {email}")
                                    on:click=move |_| { change.dispatch(Change::Status(id3.clone(), true)); }>"Enable"</button>
                            }.into_any_sync()
                        }}
                        <Confirm label="Reset second factors" subject=email.clone()
                            question=format!("Remove the authenticator app, recovery codes and passkeys of {email}? They must set up a second factor at their next sign-in.")
                            yes="Yes, reset"
                            on_yes=Callback::new(move |_| { change.dispatch(Change::ResetMfa(id4.clone())); })/>
                    </td>
                }
            })}
        </tr>
    }
}

#[component]
fn InviteForm() -> impl IntoView {
    let email = RwSignal::new(String::new());
    let role = RwSignal::new("developer".to_owned());
    let send = Action::new(|(e, r): &(String, String)| invite(e.clone(), r.clone()));
    view! {
        <section class="card" aria-labelledby="invite-title">
            <h2 id="invite-title">"Invite someone"</h2>
            <form on:submit=move |ev| { ev.prevent_default(); send.dispatch((email.get_untracked(), role.get_untracked())); }>
                <label for="invite-email">"Email address"</label>
                <input id="invite-email" type="email" required on:input=move |ev| email.set(event_target_value(&ev)) prop:value=move || email.get()/>
                <label for="invite-role">"Role"</label>
                <select id="invite-role" on:change=move |ev| role.set(event_target_value(&ev)) prop:value=move || role.get()>
                    <option value="developer">"developer"</option>
                    <option value="auditor">"auditor"</option>
                    <option value="admin">"admin"</option>
                </select>
                <button type="submit">"Create invitation link"</button>
            </form>
            {move || send.value().get().map(|r| match r {
                Ok(link) => view! {
                    <div class="once">
                        <p class="warning">"Send this link to them yourself. It works once, for 7 days, and is not shown again."</p>
                        <label for="invite-link">"Invitation link"</label>
                        <input id="invite-link" class="secret" readonly value=link/>
                    </div>
                }.into_any_sync(),
                Err(e) => view! { <p class="alert error" role="alert">{error_text(&e)}</p> }.into_any_sync(),
            })}
        </section>
    }
}
