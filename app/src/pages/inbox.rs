//! `/inbox`: the person's notices, newest first; unread ones stand out until marked read.

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::form_action::{FormAction, PostForm};
use crate::page_data::page_resource;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::api::error_text;
use crate::api::inbox::{MarkRead, inbox};
use crate::components::alert::ActionError;

#[component]
pub fn Inbox() -> impl IntoView {
    let mark = FormAction::<MarkRead>::new();
    let page = page_resource(move || mark.version().get(), |_| inbox());
    view! {
        <Title text="Inbox"/>
        <h1>"Inbox"</h1>
        <ActionError value=mark.value()/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any_sync(),
                    Ok(Some(p)) if p.notices.is_empty() => view! { <p>"Nothing here yet."</p> }.into_any_sync(),
                    Ok(Some(p)) => view! {
                        <p>{format!("{} unread", p.unread)}</p>
                        {(p.unread > 0).then(|| view! {
                            <PostForm action=mark>
                                <input type="hidden" name="id" value=""/>
                                <button type="submit" class="secondary">"Mark all as read"</button>
                            </PostForm>
                        })}
                        <ul class="notices inbox" aria-label="Notices">
                            {p.notices.into_iter().map(|n| {
                                let title = n.title.clone();
                                view! {
                                    <li class=if n.read { "notice read" } else { "notice unread" }>
                                        <h2>{n.title}{(!n.read).then_some(" (unread)")}</h2>
                                        <p>{n.message}</p>
                                        <p class="muted">{n.when}</p>
                                        {(!n.read).then(|| view! {
                                            <PostForm action=mark>
                                                <input type="hidden" name="id" value=n.id.clone()/>
                                                <button type="submit" class="link" aria-label=format!("Mark “{title}” as read")>"Mark as read"</button>
                                            </PostForm>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any_sync(),
                    Err(e) => view! { <p class="alert error" role="alert">{error_text(&e)}</p> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}
