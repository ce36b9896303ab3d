//! `FormAction` and `PostForm`: a form posted to a server function, progressively enhanced, with
//! one implementation for every server function instead of one each.
//!
//! Leptos' `ServerAction<F>` with `ActionForm` compiles, per server function `F`, the form's
//! decoding into `F` (serde_qs), its re-encoding for the request, the request itself and the
//! action's reactive plumbing: about 12 KB of unoptimised wasm for every form, most of a heavy
//! page's own code. A form already holds its request body: `PostForm` sends the form's fields as
//! they are (what the browser itself posts when scripts are off), through server_fn's own
//! browser client, and reads the answer with server_fn's decoders. Only the decoding of the
//! answer depends on the server function's output type, and most forms share `()`.

use std::marker::PhantomData;

use leptos::prelude::*;
use leptos::server_fn::codec::{Json, PostUrl};
use leptos::server_fn::{Http, ServerFn};
use serde::de::DeserializeOwned;

/// The form of server function `F`: its last answer, whether a submission is in flight, and how
/// many answers have arrived (pages refetch their data on it). `F` only fixes which function the
/// form posts to and what its answer is; the work is done by `Core`, shared by every function
/// with the same answer type.
pub struct FormAction<F: ServerFn>
where
    F::Output: 'static,
{
    core: Core<F::Output>,
    function: PhantomData<fn() -> F>,
}

impl<F: ServerFn> Clone for FormAction<F>
where
    F::Output: 'static,
{
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: ServerFn> Copy for FormAction<F> where F::Output: 'static {}

impl<F> FormAction<F>
where
    F: ServerFn<Error = ServerFnError, Protocol = Http<PostUrl, Json>>,
    F::Output: DeserializeOwned + Send + Sync + 'static,
{
    pub fn new() -> Self {
        let core = Core { path: F::PATH, value: RwSignal::new(None), pending: RwSignal::new(false), version: RwSignal::new(0) };
        FormAction { core, function: PhantomData }
    }

    /// The answer to the latest submission, once it has arrived.
    pub fn value(&self) -> RwSignal<Option<Result<F::Output, ServerFnError>>> {
        self.core.value
    }

    pub fn pending(&self) -> RwSignal<bool> {
        self.core.pending
    }

    /// Counts answers (to refetch what they changed).
    pub fn version(&self) -> RwSignal<usize> {
        self.core.version
    }
}

struct Core<O: 'static> {
    path: &'static str,
    value: RwSignal<Option<Result<O, ServerFnError>>>,
    pending: RwSignal<bool>,
    version: RwSignal<usize>,
}

impl<O: 'static> Clone for Core<O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<O: 'static> Copy for Core<O> {}

impl<O> Core<O>
where
    O: DeserializeOwned + Send + Sync + 'static,
{
    /// Sends the submitted form (from its submit event: in the browser only).
    #[cfg(feature = "hydrate")]
    fn submit(self, ev: &leptos::ev::SubmitEvent) {
        let body = browser::form_body(ev);
        let Core { path, value, pending, version } = self;
        pending.set(true);
        leptos::task::spawn_local(async move {
            let answer = match body {
                Ok(body) => browser::post(path, body).await.and_then(|bytes| browser::decode::<O>(bytes.as_ref())),
                Err(e) => Err(e),
            };
            value.try_set(Some(answer));
            pending.try_set(false);
            version.try_update(|v| *v += 1);
        });
    }

    fn view(self, children: Children) -> impl IntoView {
        let on_submit = move |ev: leptos::ev::SubmitEvent| {
            if ev.default_prevented() {
                return;
            }
            ev.prevent_default();
            #[cfg(feature = "hydrate")]
            self.submit(&ev);
        };
        view! {
            <form method="post" action=self.path on:submit=on_submit>
                {children()}
            </form>
        }
    }
}

/// A `<form method="post">` to its action's server function: sent in the background once the page
/// is interactive, posted by the browser itself before that or without scripts.
#[component]
pub fn PostForm<F>(action: FormAction<F>, children: Children) -> impl IntoView
where
    F: ServerFn<Error = ServerFnError, Protocol = Http<PostUrl, Json>>,
    F::Output: DeserializeOwned + Send + Sync + 'static,
{
    action.core.view(children)
}

#[cfg(feature = "hydrate")]
mod browser {
    //! The request and its answer, with server_fn's browser client and decoders: what a server
    //! function's own client code does, without the typed encoding of the input.

    use leptos::server_fn::client::Client;
    use leptos::server_fn::client::browser::BrowserClient;
    use leptos::server_fn::ContentType;
    use leptos::server_fn::codec::{Json, PostUrl};
    use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
    use leptos::server_fn::redirect::call_redirect_hook;
    use leptos::server_fn::request::ClientReq;
    use leptos::server_fn::request::browser::BrowserRequest;
    use leptos::server_fn::response::ClientRes;
    use leptos::prelude::ServerFnError;
    use serde::de::DeserializeOwned;

    fn request_error(message: String) -> ServerFnError {
        ServerFnError::from(ServerFnErrorErr::Request(message))
    }

    /// The form's fields, the submitting button's included, URL-encoded as the browser would.
    pub fn form_body(ev: &leptos::ev::SubmitEvent) -> Result<String, ServerFnError> {
        let data = leptos::form::form_data_from_event(ev).map_err(|e| request_error(e.to_string()))?;
        let params = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data)
            .map_err(|_| request_error("the form's fields could not be read".into()))?;
        Ok(params.to_string().as_string().unwrap_or_default())
    }

    /// Posts `body` to the server function at `path`; its answer's body, or the error it sent.
    pub async fn post(path: &str, body: String) -> Result<impl AsRef<[u8]>, ServerFnError> {
        let req = <BrowserRequest as ClientReq<ServerFnError>>::try_new_post(path, PostUrl::CONTENT_TYPE, Json::CONTENT_TYPE, body)?;
        let res = <BrowserClient as Client<ServerFnError>>::send(req).await?;
        let status = <_ as ClientRes<ServerFnError>>::status(&res);
        let location = <_ as ClientRes<ServerFnError>>::location(&res);
        let redirect = <_ as ClientRes<ServerFnError>>::has_redirect(&res);
        let bytes = <_ as ClientRes<ServerFnError>>::try_into_bytes(res).await?;
        if (400..=599).contains(&status) {
            return Err(ServerFnError::de(bytes));
        }
        if (300..=399).contains(&status) || redirect {
            call_redirect_hook(&location);
        }
        Ok(bytes)
    }

    /// The server function's JSON answer as `O`.
    pub fn decode<O: DeserializeOwned>(bytes: &[u8]) -> Result<O, ServerFnError> {
        serde_json::from_slice(bytes).map_err(|e| ServerFnError::from(ServerFnErrorErr::Deserialization(e.to_string())))
    }
}
