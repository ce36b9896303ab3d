//! Every page as a lazy route: its code is a wasm module of its own (split out by `bundle-split`,
//! see scripts/lib.sh), fetched when the page is first shown, during hydration included; the
//! server preloads the modules of the page it renders. The bundle every page loads holds only
//! the router, the layout and the runtime.

use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

use crate::sync_hydrate::IntoAnySync;
use crate::pages;

macro_rules! lazy_page {
    ($route:ident, $page:path) => {
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page/> }.into_any_sync()
            }
        }
    };
}

lazy_page!(HomeRoute, pages::home::Home);
lazy_page!(SignInRoute, pages::sign_in::SignIn);
lazy_page!(TotpChallengeRoute, pages::totp_challenge::TotpChallenge);
lazy_page!(RecoverySignInRoute, pages::recovery_sign_in::RecoverySignIn);
lazy_page!(SignUpRoute, pages::sign_up::SignUp);
lazy_page!(AccountRoute, pages::account::Account);
lazy_page!(TokensRoute, pages::tokens::Tokens);
lazy_page!(NewTokenRoute, pages::new_token::NewToken);
lazy_page!(TokenDetailRoute, pages::token_detail::TokenDetail);
lazy_page!(ConsentRoute, pages::consent::Consent);
lazy_page!(AuthorizedAppsRoute, pages::authorized_apps::AuthorizedApps);
lazy_page!(ClientsRoute, pages::clients::Clients);
lazy_page!(InboxRoute, pages::inbox::Inbox);
lazy_page!(AdminUsersRoute, pages::admin_users::AdminUsers);
lazy_page!(AdminCredentialsRoute, pages::admin_credentials::AdminCredentials);
lazy_page!(AdminPolicyRoute, pages::admin_policy::AdminPolicy);
lazy_page!(AdminAuditRoute, pages::admin_audit::AdminAudit);
lazy_page!(AdminWebhooksRoute, pages::admin_webhooks::AdminWebhooks);
