#![recursion_limit = "256"]
//! The browser entry point: installs the panic hook and hydrates the server-rendered page.

use leptos::task::spawn_local;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are lazy routes (app::lazy_pages): hydration waits for the page's module, so it runs
    // as a task on wasm-bindgen's executor (what `leptos::mount::hydrate_lazy` does), and the
    // page is marked only once all of it is interactive.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    spawn_local(async {
        let owner = leptos::mount::hydrate_from_async(leptos::tachys::dom::body(), app::App).await;
        owner.forget();
        // Lets tests (and scripts) wait until the page is interactive.
        if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
