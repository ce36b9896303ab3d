//! "Sign in with a passkey": a discoverable-credential sign-in (no email typed), and passkey
//! autofill in the email field (conditional mediation) where the browser offers it.

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::local_action::LocalAction;

use crate::api::error_text;
use crate::api::passkeys::{begin_passkey_sign_in, finish_passkey_sign_in};
use crate::webauthn;

async fn sign_in_with_passkey() -> Result<(), String> {
    let options = begin_passkey_sign_in(false).await.map_err(|e| error_text(&e))?;
    let credential = webauthn::get(options, None).await?;
    let next = finish_passkey_sign_in(credential).await.map_err(|e| error_text(&e))?;
    go_to(&next);
    Ok(())
}

/// A full page load, so the signed-in header and cookies are fresh.
fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// Passkey autofill (conditional mediation) for the email field: started on its first focus, as
/// browsers show the offer there, and cancelled before a button-started passkey request.
#[derive(Clone, Copy)]
pub struct Autofill {
    started: StoredValue<bool>,
    #[cfg(feature = "hydrate")]
    controller: StoredValue<Option<web_sys::AbortController>, leptos::reactive::owner::LocalStorage>,
}

impl Autofill {
    pub fn new() -> Self {
        Autofill {
            started: StoredValue::new(false),
            #[cfg(feature = "hydrate")]
            controller: StoredValue::new_local(None),
        }
    }

    /// Starts offering passkeys in the autofill, once.
    pub fn start(self) {
        if self.started.get_value() {
            return;
        }
        self.started.set_value(true);
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(offer_autofill(self.controller));
    }

    fn cancel(self) {
        #[cfg(feature = "hydrate")]
        if let Some(ctrl) = self.controller.get_value() {
            ctrl.abort();
        }
    }
}

impl Default for Autofill {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "hydrate")]
async fn offer_autofill(slot: StoredValue<Option<web_sys::AbortController>, leptos::reactive::owner::LocalStorage>) {
    if !webauthn::autofill_available().await {
        return;
    }
    let Ok(ctrl) = web_sys::AbortController::new() else { return };
    let signal = ctrl.signal();
    slot.set_value(Some(ctrl));
    let Ok(options) = begin_passkey_sign_in(true).await else { return };
    if let Ok(credential) = webauthn::get(options, Some(&signal)).await {
        if let Ok(next) = finish_passkey_sign_in(credential).await {
            go_to(&next);
        }
    }
}

#[component]
pub fn PasskeySignIn(autofill: Autofill) -> impl IntoView {
    let supported = RwSignal::new(true);
    let action = LocalAction::new(move |_: &()| {
        // One WebAuthn request at a time: cancel the autofill offer first.
        autofill.cancel();
        sign_in_with_passkey()
    });

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| supported.set(webauthn::supported()));

    view! {
        <div class="passkey-sign-in">
            {move || if supported.get() {
                view! {
                    <button type="button" class="secondary wide" on:click=move |_| { action.dispatch(()); }
                        disabled=move || action.pending().get()>
                        "Sign in with a passkey"
                    </button>
                }.into_any_sync()
            } else {
                view! { <p class="alert warn" role="alert">{webauthn::UNSUPPORTED}</p> }.into_any_sync()
            }}
            {move || action.value().get().and_then(Result::err).map(|e| view! { <p class="alert error" role="alert">{e}</p> })}
        </div>
    }
}
