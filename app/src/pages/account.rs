//! `/account`: the account security page — second factor, recovery codes, password, sessions, recent events.

use leptos::prelude::*;

use crate::sync_hydrate::IntoAnySync;
use crate::form_action::{FormAction, PostForm};
use crate::page_data::page_resource;

use crate::local_action::LocalAction;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::api::account::*;
use crate::api::auth::SignOut;
use crate::api::passkeys::{RemovePasskey, RenamePasskey, StepUpPassword};
use crate::components::passkeys_section::{PasskeysSection, add_passkey};
use crate::components::step_up::{StepUpPanel, step_up_with_passkey};
use crate::api::error_text;
use crate::components::alert::{ActionDone, ActionError};
use crate::components::field::Field;
use crate::components::recovery_codes::RecoveryCodesOnce;
use crate::components::sessions_table::SessionsTable;
use crate::components::totp_setup::TotpSetupPanel;

#[derive(Clone, Copy)]
struct Actions {
    change_password: FormAction<ChangePassword>,
    begin_totp: FormAction<BeginTotp>,
    confirm_totp: FormAction<ConfirmTotp>,
    remove_totp: FormAction<RemoveTotp>,
    regenerate: FormAction<RegenerateRecoveryCodes>,
    revoke: FormAction<RevokeSession>,
    revoke_others: FormAction<RevokeOtherSessions>,
    sign_out: FormAction<SignOut>,
    add_passkey: LocalAction<String, Result<(), String>>,
    rename_passkey: FormAction<RenamePasskey>,
    remove_passkey: FormAction<RemovePasskey>,
    step_up_password: FormAction<StepUpPassword>,
    step_up_passkey: LocalAction<(), Result<(), String>>,
}

#[component]
pub fn Account() -> impl IntoView {
    let a = Actions {
        change_password: FormAction::new(),
        begin_totp: FormAction::new(),
        confirm_totp: FormAction::new(),
        remove_totp: FormAction::new(),
        regenerate: FormAction::new(),
        revoke: FormAction::new(),
        revoke_others: FormAction::new(),
        sign_out: FormAction::new(),
        add_passkey: LocalAction::new(|name: &String| add_passkey(name.clone())),
        rename_passkey: FormAction::new(),
        remove_passkey: FormAction::new(),
        step_up_password: FormAction::new(),
        step_up_passkey: LocalAction::new(|_: &()| step_up_with_passkey()),
    };
    let overview = page_resource(
        move || {
            (
                a.change_password.version().get(),
                a.confirm_totp.version().get(),
                a.remove_totp.version().get(),
                a.regenerate.version().get(),
                a.revoke.version().get(),
                a.revoke_others.version().get(),
                (
                    a.add_passkey.version().get(),
                    a.rename_passkey.version().get(),
                    a.remove_passkey.version().get(),
                    a.step_up_password.version().get(),
                    a.step_up_passkey.version().get(),
                ),
            )
        },
        |_| account_overview(),
    );
    view! {
        <Title text="Account security"/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(Some(acct)) => AccountBody(AccountBodyProps { acct, a }).into_any_sync(),
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any_sync(),
                    Err(e) => view! { <p class="alert error" role="alert">{error_text(&e)}</p> }.into_any_sync(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AccountBody(acct: AccountView, a: Actions) -> impl IntoView {
    view! {
        <div class="page-head">
            <div>
                <h1>"Account security"</h1>
                <p class="muted">"Signed in as " <strong>{acct.display_name.clone()}</strong> " (" {acct.email.clone()} ") · " {acct.role.clone()}</p>
            </div>
            <PostForm action=a.sign_out>
                <button type="submit" class="secondary">"Sign out"</button>
            </PostForm>
        </div>
        {acct.must_enrol.then(|| view! {
            <p class="alert warn" role="alert">
                "Your organisation requires a second factor. Set up an authenticator app to continue."
            </p>
        })}
        {(!acct.recent_auth).then(|| view! {
            <StepUpPanel
                has_passkey=!acct.passkeys.is_empty()
                has_password=acct.has_password
                has_totp=acct.totp_enabled
                with_password=a.step_up_password
                with_passkey=a.step_up_passkey
            />
        })}
        <PasskeysSection passkeys=acct.passkeys.clone() editable=acct.recent_auth add=a.add_passkey
            rename=a.rename_passkey remove=a.remove_passkey/>
        {(acct.recent_auth && acct.has_password).then(|| view! {
            <TwoFactorSection acct=acct.clone() a/>
            <PasswordSection a/>
        })}
        <section class="card" aria-labelledby="sessions-title">
            <h2 id="sessions-title">"Sessions"</h2>
            <SessionsTable sessions=acct.sessions.clone() revoke=a.revoke revoke_others=a.revoke_others/>
        </section>
        <section class="card" aria-labelledby="events-title">
            <h2 id="events-title">"Recent security events"</h2>
            <ul class="events">
                {acct.events.into_iter().map(|e| view! {
                    <li><span class="when">{e.when}</span> " " <span>{e.what}</span> " " <span class=format!("outcome {}", e.outcome)>{e.outcome.clone()}</span> " " <span class="muted">{e.ip}</span></li>
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn TwoFactorSection(acct: AccountView, a: Actions) -> impl IntoView {
    let fresh_codes = move || {
        a.regenerate
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| a.confirm_totp.value().get().and_then(Result::ok))
    };
    view! {
        <section class="card" aria-labelledby="mfa-title">
            <h2 id="mfa-title">"Two-factor authentication"</h2>
            {move || fresh_codes().map(|codes| view! { <RecoveryCodesOnce codes/> })}
            {if acct.totp_enabled {
                view! {
                    <p>"Authenticator app: " <strong>"on"</strong> ". Recovery codes left: " {acct.recovery_codes_left} "."</p>
                    <details>
                        <summary>"Make new recovery codes"</summary>
                        <PostForm action=a.regenerate>
                            <Field label="Password to confirm new codes" name="password" id="regen-password" kind="password" autocomplete="current-password"/>
                            <button type="submit">"Regenerate recovery codes"</button>
                        </PostForm>
                        <ActionError value=a.regenerate.value()/>
                    </details>
                    <details>
                        <summary>"Remove the authenticator app"</summary>
                        <PostForm action=a.remove_totp>
                            <Field label="Password to confirm removal" name="password" id="remove-password" kind="password" autocomplete="current-password"/>
                            <button type="submit" class="danger">"Remove authenticator app"</button>
                        </PostForm>
                        <ActionError value=a.remove_totp.value()/>
                    </details>
                }.into_any_sync()
            } else {
                view! {
                    <p>"Authenticator app: " <strong>"off"</strong> ". Add one so a stolen password is not enough to sign in."</p>
                    {move || match a.begin_totp.value().get() {
                        Some(Ok(setup)) => view! { <TotpSetupPanel setup confirm=a.confirm_totp/> }.into_any_sync(),
                        _ => view! {
                            <PostForm action=a.begin_totp>
                                <button type="submit">"Set up authenticator app"</button>
                            </PostForm>
                        }.into_any_sync(),
                    }}
                    <ActionError value=a.begin_totp.value()/>
                }.into_any_sync()
            }}
            <ActionDone value=a.remove_totp.value() message="The authenticator app was removed."/>
        </section>
    }
}

#[component]
fn PasswordSection(a: Actions) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="password-title">
            <h2 id="password-title">"Password"</h2>
            <PostForm action=a.change_password>
                <Field label="Current password" name="current_password" kind="password" autocomplete="current-password"/>
                <Field label="New password" name="new_password" kind="password" autocomplete="new-password" hint="12 to 128 characters."/>
                <Field label="Confirm new password" name="new_password_confirm" kind="password" autocomplete="new-password"/>
                <button type="submit">"Change password"</button>
            </PostForm>
            <ActionError value=a.change_password.value()/>
            <ActionDone value=a.change_password.value() message="Your password was changed. Your other sessions were signed out."/>
        </section>
    }
}
