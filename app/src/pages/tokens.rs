//! `/tokens`: the user's personal access tokens: active ones, and ended ones (greyed) for 90 days.

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::form_action::FormAction;
use crate::page_data::page_resource;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::api::error_text;
use crate::api::tokens::{RevokeToken, TokenSummary, tokens_overview};
use crate::components::alert::ActionError;
use crate::components::revoke_with_confirm::RevokeWithConfirm;

#[component]
pub fn Tokens() -> impl IntoView {
    let revoke = FormAction::<RevokeToken>::new();
    let page = page_resource(move || revoke.version().get(), |_| tokens_overview());
    view! {
        <Title text="Personal access tokens"/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(p)) => view! {
                        <div class="page-head">
                            <div>
                                <h1>"Personal access tokens"</h1>
                                <p class="muted">
                                    "Tokens act as you against Gatehouse's API, with only the scopes you give them. "
                                    {(p.inactivity_days > 0).then(|| format!("Tokens unused for {} days expire by themselves.", p.inactivity_days))}
                                </p>
                            </div>
                            <a class="button" href="/tokens/new">"New token"</a>
                        </div>
                        <Notices tokens=p.tokens.clone()/>
                        <ActionError value=revoke.value()/>
                        {if p.tokens.is_empty() {
                            view! { <p class="card">"You have no tokens yet."</p> }.into_any_sync()
                        } else {
                            view! { <TokensTable tokens=p.tokens revoke/> }.into_any_sync()
                        }}
                    }.into_any_sync(),
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any_sync(),
                    Err(e) => view! { <p class="alert error" role="alert">{error_text(&e)}</p> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Notices(tokens: Vec<TokenSummary>) -> impl IntoView {
    let notices: Vec<String> = tokens.into_iter().filter_map(|t| t.notice).collect();
    (!notices.is_empty()).then(|| {
        view! {
            <div class="alert warn" role="status">
                <ul class="notices">{notices.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul>
            </div>
        }
    })
}

#[component]
fn TokensTable(tokens: Vec<TokenSummary>, revoke: FormAction<RevokeToken>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="stack tokens">
                <caption class="visually-hidden">"Your personal access tokens"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Name"</th><th scope="col">"Scopes"</th><th scope="col">"Created"</th>
                        <th scope="col">"Expires"</th><th scope="col">"Last used"</th><th scope="col">"Status"</th>
                        <th scope="col"><span class="visually-hidden">"Action"</span></th>
                    </tr>
                </thead>
                <tbody>
                    {tokens.into_iter().map(|t| {
                        view! {
                            <tr class:ended=!t.active>
                                <td data-label="Name"><a href=format!("/tokens/{}", t.id)>{t.name.clone()}</a> <span class="muted">" …" {t.hint.clone()}</span></td>
                                <td data-label="Scopes">{t.scopes.iter().map(|s| view! { <code class="scope">{s.clone()}</code> " " }).collect_view()}</td>
                                <td data-label="Created">{t.created.clone()}</td>
                                <td data-label="Expires">{t.expires.clone()}</td>
                                <td data-label="Last used">{match t.last_used.clone() {
                                    Some(u) => view! { <span>{u.when}</span><br/><span class="muted">{u.ip} " · " {u.browser}</span> }.into_any_sync(),
                                    None => view! { <span class="muted">"never"</span> }.into_any_sync(),
                                }}</td>
                                <td data-label="Status">
                                    <span class=if t.active { "badge" } else { "badge ended" }>{t.status.clone()}</span>
                                    {t.status_detail.clone().map(|d| view! { <br/><span class="muted">{d}</span> })}
                                </td>
                                <td class="action">
                                    {t.active.then(|| view! { <RevokeWithConfirm id=t.id.clone() name=t.name.clone() revoke/> })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
