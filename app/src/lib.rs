//! Gatehouse's UI: pages, components and the server functions they call.
#![recursion_limit = "256"]

pub mod api;
pub mod clipboard;
pub mod form_action;
pub mod components;
pub mod lazy_pages;
pub mod local_action;
pub mod page_data;
pub mod pages;
pub mod sync_hydrate;
pub mod webauthn;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{Lazy, SsrMode, path};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    ssr::send_page_csp();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Every page renders whole on the server (`SsrMode::Async`): redirects are real 302s and the
/// forms work before the bundle loads, or without JavaScript at all. Each page is a lazy route
/// (`lazy_pages`): its code is loaded with the page, not with the bundle every page loads.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Stylesheet id="gatehouse" href="/pkg/gatehouse.css"/>
        <Title formatter=|t: String| if t.is_empty() { "Gatehouse".to_owned() } else { format!("{t} · Gatehouse") }/>
        <Router>
            <components::layout::Header/>
            <main id="main">
                <Routes fallback=|| view! { <pages::not_found::NotFound/> }>
                    <Route path=path!("/") view={Lazy::<lazy_pages::HomeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login") view={Lazy::<lazy_pages::SignInRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login/totp") view={Lazy::<lazy_pages::TotpChallengeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/login/recovery") view={Lazy::<lazy_pages::RecoverySignInRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view={Lazy::<lazy_pages::SignUpRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/account") view={Lazy::<lazy_pages::AccountRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/tokens") view={Lazy::<lazy_pages::TokensRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/tokens/new") view={Lazy::<lazy_pages::NewTokenRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/tokens/:id") view={Lazy::<lazy_pages::TokenDetailRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/oauth/consent") view={Lazy::<lazy_pages::ConsentRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/apps") view={Lazy::<lazy_pages::AuthorizedAppsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/clients") view={Lazy::<lazy_pages::ClientsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/inbox") view={Lazy::<lazy_pages::InboxRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view=|| view! { <leptos_router::components::Redirect path="/admin/users"/> } ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view={Lazy::<lazy_pages::AdminUsersRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/credentials") view={Lazy::<lazy_pages::AdminCredentialsRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/policy") view={Lazy::<lazy_pages::AdminPolicyRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view={Lazy::<lazy_pages::AdminAuditRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/webhooks") view={Lazy::<lazy_pages::AdminWebhooksRoute>::new()} ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
