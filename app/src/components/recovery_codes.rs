//! Recovery codes, shown exactly once after they are made.

use leptos::prelude::*;

#[component]
pub fn RecoveryCodesOnce(codes: Vec<String>) -> impl IntoView {
    view! {
        <section class="once" aria-labelledby="recovery-codes-title">
            <h3 id="recovery-codes-title">"Your recovery codes"</h3>
            <p class="warning">
                "Save these codes somewhere safe now. Each works once, if you lose your authenticator app. "
                "They will not be shown again."
            </p>
            <ul class="codes" aria-label="Recovery codes">
                {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
            </ul>
        </section>
    }
}
