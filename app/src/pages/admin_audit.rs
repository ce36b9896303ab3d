//! `/admin/audit`: the audit trail for auditors and admins — filter by actor, target, type, outcome
//! and days; newest first, one page at a time; export the filtered set as JSON Lines or CSV.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use crate::sync_hydrate::IntoAnySync;
use crate::page_data::page_resource;
use crate::api::audit_trail::{AuditQuery, audit_events};
use crate::api::error_text;
use crate::components::admin_nav::AdminNav;

fn query_of(q: &ParamsMap) -> AuditQuery {
    let text = |k: &str| q.get(k).unwrap_or_default();
    AuditQuery {
        actor: text("actor"),
        target: text("target"),
        event_type: text("type"),
        outcome: text("outcome"),
        since: text("since"),
        until: text("until"),
        cursor: text("cursor"),
    }
}

fn link(path: &str, q: &AuditQuery, extra: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [("actor", &q.actor), ("target", &q.target), ("type", &q.event_type), ("outcome", &q.outcome), ("since", &q.since), ("until", &q.until)] {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.extend_pairs(extra.iter());
    format!("{path}?{}", s.finish())
}

#[component]
pub fn AdminAudit() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| query_of(&params.get()));
    let page = page_resource(move || query.get(), audit_events);
    let q = move || query.get();
    view! {
        <Title text="Audit trail"/>
        <h1>"Audit trail"</h1>
        <AdminNav/>
        <form method="get" action="/admin/audit" class="filters" role="search" aria-label="Filter the audit trail">
            <label for="a-actor">"Actor (user id)"</label>
            <input id="a-actor" name="actor" value=move || q().actor/>
            <label for="a-target">"Target (id)"</label>
            <input id="a-target" name="target" value=move || q().target/>
            <label for="a-type">"Event type"</label>
            <input id="a-type" name="type" placeholder="token.revoked" value=move || q().event_type/>
            <label for="a-outcome">"Outcome"</label>
            <select id="a-outcome" name="outcome" prop:value=move || q().outcome>
                <option value="">"any"</option>
                <option value="success">"success"</option>
                <option value="failure">"failure"</option>
            </select>
            <label for="a-since">"From (day)"</label>
            <input id="a-since" name="since" type="date" value=move || q().since/>
            <label for="a-until">"To (day)"</label>
            <input id="a-until" name="until" type="date" value=move || q().until/>
            <button type="submit" class="secondary">"Apply filters"</button>
        </form>
        <p class="exports">
            "Export what the filters select: "
            <a href=move || link("/admin/audit/export", &q(), &[("format", "jsonl")]) download="">"JSON Lines"</a>
            " · "
            <a href=move || link("/admin/audit/export", &q(), &[("format", "csv")]) download="">"CSV"</a>
        </p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any_sync(),
                    Ok(Some(p)) => {
                        let next = p.next.clone().map(|c| link("/admin/audit", &query.get_untracked(), &[("cursor", &c)]));
                        view! {
                            <table class="audit">
                                <caption class="visually-hidden">"Audit events, newest first"</caption>
                                <thead><tr>
                                    <th scope="col">"When"</th><th scope="col">"Event"</th><th scope="col">"Outcome"</th><th scope="col">"Actor"</th>
                                    <th scope="col">"Target"</th><th scope="col">"From"</th><th scope="col">"How"</th><th scope="col">"Detail"</th>
                                </tr></thead>
                                <tbody>
                                    {p.events.into_iter().map(|e| view! {
                                        <tr>
                                            <td>{e.when}</td><th scope="row">{e.event_type}</th><td>{e.outcome}</td><td><code>{e.actor}</code></td>
                                            <td><code>{e.target}</code></td><td>{e.ip}</td><td>{e.how}</td><td>{e.detail}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {next.map(|href| view! { <a href=href rel="next">"Older events"</a> })}
                        }
                        .into_any_sync()
                    }
                    Err(e) => view! { <p class="alert error" role="alert">{error_text(&e)}</p> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}
