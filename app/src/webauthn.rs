//! The browser half of WebAuthn: `navigator.credentials.create/get` from the hydrated app, with the
//! options and responses in the JSON shape webauthn-rs expects (webauthn-rs-proto's conversions).
//! On the server these are never called; they exist so views compile for both targets.

use webauthn_rs_proto::{CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse};

pub const UNSUPPORTED: &str = "This browser does not support passkeys. Use a current browser, or sign in with your password.";

/// Whether the browser has WebAuthn at all.
pub fn supported() -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| js_sys::Reflect::get(&w, &"PublicKeyCredential".into()).ok())
            .is_some_and(|v| !v.is_undefined())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        true
    }
}

/// Whether passkeys can be offered in the autofill of the email field (conditional mediation).
pub async fn autofill_available() -> bool {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if !supported() {
            return false;
        }
        let Some(pkc) = web_sys::window().and_then(|w| js_sys::Reflect::get(&w, &"PublicKeyCredential".into()).ok()) else {
            return false;
        };
        let Ok(f) = js_sys::Reflect::get(&pkc, &"isConditionalMediationAvailable".into()) else { return false };
        let Some(f) = f.dyn_ref::<js_sys::Function>() else { return false };
        let Ok(promise) = f.call0(&pkc) else { return false };
        let Ok(promise) = promise.dyn_into::<js_sys::Promise>() else { return false };
        wasm_bindgen_futures::JsFuture::from(promise).await.ok().and_then(|v| v.as_bool()).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

/// Creates a passkey for the given options.
pub async fn create(options: CreationChallengeResponse) -> Result<RegisterPublicKeyCredential, String> {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if !supported() {
            return Err(UNSUPPORTED.to_owned());
        }
        let creds = web_sys::window().ok_or("no window")?.navigator().credentials();
        let opts: web_sys::CredentialCreationOptions = options.into();
        let promise = creds.create_with_options(&opts).map_err(describe)?;
        let cred = wasm_bindgen_futures::JsFuture::from(promise).await.map_err(describe)?;
        let cred: web_sys::PublicKeyCredential = cred.dyn_into().map_err(|_| "no passkey was created".to_owned())?;
        Ok(cred.into())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = options;
        Err(UNSUPPORTED.to_owned())
    }
}

/// Asks for an assertion. With `abort`, a pending conditional request can be cancelled.
#[cfg(feature = "hydrate")]
pub async fn get(options: RequestChallengeResponse, abort: Option<&web_sys::AbortSignal>) -> Result<PublicKeyCredential, String> {
    use wasm_bindgen::JsCast;
    if !supported() {
        return Err(UNSUPPORTED.to_owned());
    }
    let creds = web_sys::window().ok_or("no window")?.navigator().credentials();
    let opts: web_sys::CredentialRequestOptions = options.into();
    if let Some(signal) = abort {
        js_sys::Reflect::set(&opts, &"signal".into(), signal).map_err(describe)?;
    }
    let promise = creds.get_with_options(&opts).map_err(describe)?;
    let cred = wasm_bindgen_futures::JsFuture::from(promise).await.map_err(describe)?;
    let cred: web_sys::PublicKeyCredential = cred.dyn_into().map_err(|_| "no passkey was chosen".to_owned())?;
    Ok(cred.into())
}

#[cfg(not(feature = "hydrate"))]
pub async fn get(options: RequestChallengeResponse, _abort: Option<&()>) -> Result<PublicKeyCredential, String> {
    let _ = options;
    Err(UNSUPPORTED.to_owned())
}

/// A DOMException's message for people ("The operation either timed out or was not allowed…").
#[cfg(feature = "hydrate")]
fn describe(e: wasm_bindgen::JsValue) -> String {
    let name = js_sys::Reflect::get(&e, &"name".into()).ok().and_then(|v| v.as_string()).unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" => "The passkey request was cancelled or timed out.".to_owned(),
        "InvalidStateError" => "This passkey is already registered.".to_owned(),
        "AbortError" => "The passkey request was cancelled.".to_owned(),
        _ => "The browser could not complete the passkey request.".to_owned(),
    }
}
