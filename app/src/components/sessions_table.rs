//! The account's sessions, with a revoke button for each other one.

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::form_action::{FormAction, PostForm};
use crate::api::account::{RevokeOtherSessions, RevokeSession, SessionView};
use crate::components::alert::ActionError;

#[component]
pub fn SessionsTable(
    sessions: Vec<SessionView>,
    revoke: FormAction<RevokeSession>,
    revoke_others: FormAction<RevokeOtherSessions>,
) -> impl IntoView {
    let others = sessions.iter().filter(|s| !s.current).count();
    view! {
        <div class="table-wrap">
            <table class="stack">
                <caption class="visually-hidden">"Your signed-in sessions"</caption>
                <thead>
                    <tr><th scope="col">"Browser"</th><th scope="col">"IP address"</th><th scope="col">"Signed in"</th><th scope="col">"Last seen"</th><th scope="col"><span class="visually-hidden">"Action"</span></th></tr>
                </thead>
                <tbody>
                    {sessions.into_iter().map(|s| {
                        let label = format!("Revoke session: {} at {}, last seen {}", s.browser, s.ip, s.last_seen);
                        view! {
                            <tr>
                                <td data-label="Browser">{s.browser.clone()}</td>
                                <td data-label="IP address">{s.ip.clone()}</td>
                                <td data-label="Signed in">{s.created.clone()}</td>
                                <td data-label="Last seen">{s.last_seen.clone()}</td>
                                <td class="action">
                                    {if s.current {
                                        view! { <span class="badge">"This session"</span> }.into_any_sync()
                                    } else {
                                        view! {
                                            <PostForm action=revoke>
                                                <input type="hidden" name="handle" value=s.handle.clone()/>
                                                <button type="submit" class="secondary" aria-label=label>"Revoke"</button>
                                            </PostForm>
                                        }.into_any_sync()
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <ActionError value=revoke.value()/>
        {(others > 0).then(|| view! {
            <PostForm action=revoke_others>
                <button type="submit" class="secondary">"Sign out all other sessions"</button>
            </PostForm>
        })}
        <ActionError value=revoke_others.value()/>
    }
}
