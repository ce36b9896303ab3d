//! The page frame: a skip link and the header. The inbox link shows the unread count; the admin
//! link appears for auditors and admins (the admin pages check the role themselves).

use leptos::prelude::*;

use crate::page_data::page_resource;
use crate::api::inbox::nav_info;

#[component]
pub fn Header() -> impl IntoView {
    // Fetched again at each navigation, so the unread count follows what the person just read.
    let location = leptos_router::hooks::use_location();
    let nav = page_resource(move || location.pathname.get(), |_| nav_info());
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <header class="top">
            <a class="brand" href="/">"Gatehouse"</a>
            <nav aria-label="Main">
                <a href="/tokens">"Tokens"</a>
                <a href="/clients">"Clients"</a>
                <a href="/apps">"Apps"</a>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let n = nav.await.unwrap_or_default();
                        view! {
                            {n.signed_in.then(|| view! {
                                <a href="/inbox">
                                    "Inbox"
                                    {(n.unread > 0).then(|| view! { " " <span class="badge" aria-label=format!("{} unread", n.unread)>{n.unread}</span> })}
                                </a>
                            })}
                            {n.staff.then(|| view! { <a href="/admin/users">"Admin"</a> })}
                        }
                    })}
                </Transition>
                <a href="/account">"Account"</a>
            </nav>
        </header>
    }
}
