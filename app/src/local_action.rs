//! `LocalAction`: an action whose work exists only in the browser (WebAuthn ceremonies, the
//! clipboard), where the future holds JavaScript values and is not `Send`. Leptos's
//! `Action::new_local` keeps such a future in a `SendWrapper` that the server may drop on another
//! thread of its runtime, which panics (leptos-rs/leptos#3746, #4402). This one keeps only signals
//! and a `Send` factory in the reactive graph; the future is made and run in the event handler,
//! which runs in the browser only.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use leptos::prelude::*;

type Factory<I, O> = Arc<dyn Fn(&I) -> Pin<Box<dyn Future<Output = O>>> + Send + Sync>;

pub struct LocalAction<I: 'static, O: 'static> {
    run: StoredValue<Factory<I, O>>,
    value: RwSignal<Option<O>>,
    pending: RwSignal<bool>,
    version: RwSignal<usize>,
}

impl<I: 'static, O: 'static> Clone for LocalAction<I, O> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<I: 'static, O: 'static> Copy for LocalAction<I, O> {}

impl<I, O> LocalAction<I, O>
where
    I: 'static,
    O: Send + Sync + 'static,
{
    pub fn new<F, Fut>(f: F) -> Self
    where
        F: Fn(&I) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = O> + 'static,
    {
        let run: Factory<I, O> = Arc::new(move |input: &I| Box::pin(f(input)));
        LocalAction { run: StoredValue::new(run), value: RwSignal::new(None), pending: RwSignal::new(false), version: RwSignal::new(0) }
    }

    /// Starts the work (from an event handler: in the browser).
    pub fn dispatch(&self, input: I) {
        let Some(run) = self.run.try_get_value() else { return };
        let future = run(&input);
        let (value, pending, version) = (self.value, self.pending, self.version);
        pending.set(true);
        leptos::task::spawn_local(async move {
            let out = future.await;
            value.try_set(Some(out));
            pending.try_set(false);
            version.try_update(|v| *v += 1);
        });
    }

    /// The result of the latest run, if one finished.
    pub fn value(&self) -> RwSignal<Option<O>> {
        self.value
    }

    pub fn pending(&self) -> RwSignal<bool> {
        self.pending
    }

    /// Counts finished runs (to refetch what they changed).
    pub fn version(&self) -> RwSignal<usize> {
        self.version
    }
}
