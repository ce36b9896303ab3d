//! Gatehouse's UI: pages, components and the server functions they call.
#![recursion_limit = "256"]

pub mod api;
pub mod clipboard;
pub mod components;
pub mod local_action;
pub mod pages;
pub mod webauthn;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

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
/// forms work before the bundle loads, or without JavaScript at all.
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
                    <Route path=path!("/") view=pages::home::Home ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=pages::sign_in::SignIn ssr=SsrMode::Async/>
                    <Route path=path!("/login/totp") view=pages::totp_challenge::TotpChallenge ssr=SsrMode::Async/>
                    <Route path=path!("/login/recovery") view=pages::recovery_sign_in::RecoverySignIn ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=pages::sign_up::SignUp ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=pages::account::Account ssr=SsrMode::Async/>
                    <Route path=path!("/tokens") view=pages::tokens::Tokens ssr=SsrMode::Async/>
                    <Route path=path!("/tokens/new") view=pages::new_token::NewToken ssr=SsrMode::Async/>
                    <Route path=path!("/tokens/:id") view=pages::token_detail::TokenDetail ssr=SsrMode::Async/>
                    <Route path=path!("/oauth/consent") view=pages::consent::Consent ssr=SsrMode::Async/>
                    <Route path=path!("/apps") view=pages::authorized_apps::AuthorizedApps ssr=SsrMode::Async/>
                    <Route path=path!("/clients") view=pages::clients::Clients ssr=SsrMode::Async/>
                    <Route path=path!("/inbox") view=pages::inbox::Inbox ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view=|| view! { <leptos_router::components::Redirect path="/admin/users"/> } ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=pages::admin_users::AdminUsers ssr=SsrMode::Async/>
                    <Route path=path!("/admin/credentials") view=pages::admin_credentials::AdminCredentials ssr=SsrMode::Async/>
                    <Route path=path!("/admin/policy") view=pages::admin_policy::AdminPolicy ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=pages::admin_audit::AdminAudit ssr=SsrMode::Async/>
                    <Route path=path!("/admin/webhooks") view=pages::admin_webhooks::AdminWebhooks ssr=SsrMode::Async/>
                </Routes>
            </main>
        </Router>
    }
}
