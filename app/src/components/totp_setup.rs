//! The enrolment panel: QR code, the key as text, and the confirming code.

use leptos::prelude::*;

use crate::form_action::{FormAction, PostForm};
use crate::api::account::{ConfirmTotp, TotpSetup};
use crate::components::alert::ActionError;
use crate::components::field::Field;

#[component]
pub fn TotpSetupPanel(setup: TotpSetup, confirm: FormAction<ConfirmTotp>) -> impl IntoView {
    view! {
        <div class="totp-setup">
            <p>"Scan this QR code with your authenticator app, or type the key by hand."</p>
            <div class="qr" role="img" aria-label="QR code for your authenticator app" inner_html=setup.qr_svg></div>
            <p>
                <span id="totp-key-label">"Setup key: "</span>
                <code class="secret" aria-labelledby="totp-key-label" data-testid="totp-secret">{setup.secret}</code>
            </p>
            <PostForm action=confirm>
                <Field label="Code from your app" name="code" autocomplete="one-time-code" inputmode="numeric"/>
                <button type="submit">"Confirm and turn on"</button>
            </PostForm>
            <ActionError value=confirm.value()/>
        </div>
    }
}
