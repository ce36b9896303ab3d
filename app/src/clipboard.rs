//! Copying text to the clipboard in the browser (a no-op while rendering on the server).

/// Writes `text` to the clipboard; the error is a sentence for the person.
#[cfg(feature = "hydrate")]
pub async fn copy(text: String) -> Result<(), String> {
    let window = web_sys::window().ok_or("no window")?;
    let promise = window.navigator().clipboard().write_text(&text);
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| "The browser did not allow copying. Select the token and copy it by hand.".to_owned())
}

#[cfg(not(feature = "hydrate"))]
pub async fn copy(_text: String) -> Result<(), String> {
    Err("Copying needs JavaScript. Select the token and copy it by hand.".to_owned())
}
