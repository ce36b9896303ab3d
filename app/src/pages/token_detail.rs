//! `/tokens/:id`: one token: its settings, calls per day (30 days), which scopes it used (with a
//! narrower replacement), its activity log (newest first, `?before=` pages back), revoke and
//! regenerate.

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::form_action::{FormAction, PostForm};
use crate::page_data::page_resource;

use crate::local_action::LocalAction;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::error_text;
use crate::api::passkeys::StepUpPassword;
use crate::api::tokens::{RegenerateToken, RevokeToken, TokenPage, token_detail};
use crate::components::alert::ActionError;
use crate::components::calls_chart::CallsChart;
use crate::components::revoke_with_confirm::RevokeWithConfirm;
use crate::components::step_up::{StepUpPanel, step_up_with_passkey};
use crate::components::token_once::TokenOnce;

#[derive(Clone, Copy)]
struct Actions {
    revoke: FormAction<RevokeToken>,
    regenerate: FormAction<RegenerateToken>,
    step_up_password: FormAction<StepUpPassword>,
    step_up_passkey: LocalAction<(), Result<(), String>>,
}

#[component]
pub fn TokenDetail() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let a = Actions {
        revoke: FormAction::new(),
        regenerate: FormAction::new(),
        step_up_password: FormAction::new(),
        step_up_passkey: LocalAction::new(|_: &()| step_up_with_passkey()),
    };
    let page = page_resource(
        move || {
            (
                params.read().get("id").unwrap_or_default(),
                query.read().get("before"),
                (a.revoke.version().get(), a.step_up_password.version().get(), a.step_up_passkey.version().get()),
            )
        },
        |(id, before, _)| token_detail(id, before),
    );
    view! {
        <Title text="Token"/>
        <p><a href="/tokens">"← All tokens"</a></p>
        {move || a.regenerate.value().get().and_then(Result::ok).map(|created| view! { <TokenOnce created/> })}
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(Some(p)) => view! { <TokenBody p a/> }.into_any_sync(),
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any_sync(),
                    Err(e) => view! { <p class="alert error" role="alert">{error_text(&e)}</p> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TokenBody(p: TokenPage, a: Actions) -> impl IntoView {
    let t = p.token.clone();
    let narrower = (!p.used_scopes.is_empty() && p.used_scopes != t.scopes).then(|| {
        let scopes = p.used_scopes.join(" ");
        let name = format!("{} (narrower)", t.name);
        let q: String = url_query(&[("scopes", &scopes), ("name", &name)]);
        format!("/tokens/new?{q}")
    });
    view! {
        <div class="page-head">
            <div>
                <h1>{t.name.clone()}</h1>
                <p class="muted">
                    <span class=if t.active { "badge" } else { "badge ended" }>{t.status.clone()}</span>
                    {t.status_detail.clone().map(|d| view! { " " {d} })}
                </p>
            </div>
        </div>
        {t.notice.clone().map(|n| view! { <p class="alert warn" role="status">{n}</p> })}
        <section class="card" aria-labelledby="settings-title">
            <h2 id="settings-title">"Settings"</h2>
            <dl class="facts">
                <dt>"Scopes"</dt><dd>{t.scopes.iter().map(|s| view! { <code class="scope">{s.clone()}</code> " " }).collect_view()}</dd>
                <dt>"Ends with"</dt><dd><code>"…" {t.hint.clone()}</code></dd>
                <dt>"Created"</dt><dd>{t.created.clone()}</dd>
                <dt>"Expires"</dt><dd>{t.expires.clone()}</dd>
                <dt>"Last used"</dt><dd>{match t.last_used.clone() {
                    Some(u) => format!("{} from {} ({})", u.when, u.ip, u.browser),
                    None => "never".to_owned(),
                }}</dd>
                <dt>"Allowed addresses"</dt><dd>{if p.allowlist.is_empty() { "any".to_owned() } else { p.allowlist.join(", ") }}</dd>
                {p.note.clone().map(|n| view! { <dt>"Note"</dt><dd>{n}</dd> })}
            </dl>
            <p class="hint">"A token cannot be changed. To change its settings, create a new one and revoke this one."</p>
        </section>
        <section class="card" aria-labelledby="chart-title">
            <h2 id="chart-title">"Calls per day, last 30 days"</h2>
            <CallsChart days=p.days.clone()/>
        </section>
        <section class="card" aria-labelledby="used-title">
            <h2 id="used-title">"Scopes used"</h2>
            {if p.used_scopes.is_empty() {
                view! { <p>"No recorded call has used a scope yet."</p> }.into_any_sync()
            } else {
                view! {
                    <p>"Recorded calls used: " {p.used_scopes.iter().map(|s| view! { <code class="scope">{s.clone()}</code> " " }).collect_view()}</p>
                }.into_any_sync()
            }}
            {narrower.filter(|_| t.active).map(|href| view! {
                <p>"This token holds more than it has used. " <a class="button secondary" href=href>"Create a narrower replacement"</a></p>
            })}
        </section>
        <section class="card" aria-labelledby="activity-title">
            <h2 id="activity-title">"Activity"</h2>
            <ActivityTable p=p.clone()/>
        </section>
        {t.active.then(|| view! { <Manage p=p.clone() a/> })}
    }
}

#[component]
fn ActivityTable(p: TokenPage) -> impl IntoView {
    let query = use_query_map();
    let paged = query.read_untracked().get("before").is_some();
    let id = p.token.id.clone();
    if p.activity.is_empty() {
        return view! {
            <p>{if paged { "No older calls." } else { "No calls yet. Calls appear here a moment after they are made." }}</p>
            {paged.then(|| view! { <p><a href=format!("/tokens/{id}")>"Newest calls"</a></p> })}
        }
        .into_any_sync();
    }
    view! {
        <div class="table-wrap">
            <table class="stack">
                <caption class="visually-hidden">"Calls made with this token, newest first; identical calls in the same second are counted on one line"</caption>
                <thead>
                    <tr><th scope="col">"Time"</th><th scope="col">"Call"</th><th scope="col">"Status"</th><th scope="col">"Times"</th><th scope="col">"IP address"</th><th scope="col">"User agent"</th></tr>
                </thead>
                <tbody>
                    {p.activity.into_iter().map(|r| view! {
                        <tr>
                            <td data-label="Time">{r.when}</td>
                            <td data-label="Call"><code>{r.method} " " {r.route}</code></td>
                            <td data-label="Status"><span class=if r.status < 400 { "status ok" } else { "status failed" }>{r.status}</span></td>
                            <td data-label="Times">{r.calls}</td>
                            <td data-label="IP address">{r.ip}</td>
                            <td data-label="User agent" class="ua">{r.browser}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Activity pages">
            {paged.then(|| view! { <a href=format!("/tokens/{id}")>"Newest calls"</a> })}
            {p.next.map(|n| view! { <a href=format!("/tokens/{id}?{}", url_query(&[("before", &n)]))>"Older calls"</a> })}
        </nav>
    }
    .into_any_sync()
}

#[component]
fn Manage(p: TokenPage, a: Actions) -> impl IntoView {
    let regenerate_id = p.token.id.clone();
    view! {
        <section class="card" aria-labelledby="manage-title">
            <h2 id="manage-title">"Regenerate or revoke"</h2>
            <p>"Regenerating makes a new token with the same settings and revokes this one at once."</p>
            {if p.recent_auth {
                view! {
                    <PostForm action=a.regenerate>
                        <input type="hidden" name="id" value=regenerate_id/>
                        <button type="submit" class="secondary">"Regenerate token"</button>
                    </PostForm>
                }.into_any_sync()
            } else {
                view! {
                    <StepUpPanel has_passkey=p.has_passkey has_password=p.has_password has_totp=p.has_totp
                        with_password=a.step_up_password with_passkey=a.step_up_passkey what="Regenerating a token"/>
                }.into_any_sync()
            }}
            <ActionError value=a.regenerate.value()/>
            <RevokeWithConfirm id=p.token.id.clone() name=p.token.name.clone() revoke=a.revoke label="Revoke token" class="danger"/>
            <ActionError value=a.revoke.value()/>
        </section>
    }
}

/// `k=v&…` with each value percent-encoded by the browser's own rules (URLSearchParams on the
/// client; the same form encoding on the server).
fn url_query(pairs: &[(&str, &str)]) -> String {
    let mut q = leptos_router::params::ParamsMap::new();
    for (k, v) in pairs {
        q.insert((*k).to_owned(), (*v).to_owned());
    }
    q.to_query_string().trim_start_matches('?').to_owned()
}
