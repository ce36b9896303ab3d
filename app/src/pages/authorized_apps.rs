//! `/apps`: the apps the person allowed, what they may do and when they last did it; withdrawing
//! access ends the app's refresh tokens at once.

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::form_action::{FormAction, PostForm};
use crate::page_data::page_resource;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::api::error_text;
use crate::api::oauth::{WithdrawApp, authorized_apps};
use crate::components::alert::ActionError;

#[component]
pub fn AuthorizedApps() -> impl IntoView {
    let withdraw = FormAction::<WithdrawApp>::new();
    let apps = page_resource(move || withdraw.version().get(), |_| authorized_apps());
    view! {
        <Title text="Authorized apps"/>
        <h1>"Authorized apps"</h1>
        <p>"Apps you allowed to use your account through OAuth."</p>
        <ActionError value=withdraw.value()/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match apps.await {
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any_sync(),
                    Ok(Some(list)) if list.is_empty() => view! { <p>"You have not allowed any app."</p> }.into_any_sync(),
                    Ok(Some(list)) => view! {
                        <table>
                            <caption class="visually-hidden">"Authorized apps"</caption>
                            <thead><tr><th scope="col">"App"</th><th scope="col">"May"</th><th scope="col">"Allowed"</th><th scope="col">"Last used"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|a| {
                                    let label = format!("Withdraw access of {}", a.client_name);
                                    view! {
                                        <tr>
                                            <th scope="row">{a.client_name.clone()}</th>
                                            <td><ul class="scopes">{a.scopes.into_iter().map(|s| view! { <li title=s.description>{s.name}</li> }).collect_view()}</ul></td>
                                            <td>{a.granted}</td>
                                            <td>{a.last_used.unwrap_or_else(|| "never".into())}</td>
                                            <td>
                                                <PostForm action=withdraw>
                                                    <input type="hidden" name="client_id" value=a.client_id/>
                                                    <button type="submit" class="danger" aria-label=label>"Withdraw access"</button>
                                                </PostForm>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any_sync(),
                    Err(e) => view! { <p class="alert error" role="alert">{error_text(&e)}</p> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}
