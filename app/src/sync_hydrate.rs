//! `into_any_sync`: a type-erased view that hydrates synchronously.
//!
//! Pages are lazy routes, so the app hydrates with `hydrate_from_async`: the router must wait for
//! a page's module before it can hydrate the page. Below that point nothing waits for code (the
//! page data is in the HTML already), but every view type still had its asynchronous hydration
//! compiled next to the synchronous one: `AnyView` keeps both, and a page's view tree compiled to
//! one async state machine per level (37 KB for the account page's body alone). Views erased with
//! `into_any_sync` hydrate with the synchronous path only, what a Leptos app without lazy routes
//! uses for the whole page; rendering on the server is unchanged.

use std::future::Future;

use leptos::prelude::*;
use leptos::tachys::html::attribute::Attribute;
use leptos::tachys::html::attribute::any_attribute::AnyAttribute;
use leptos::tachys::hydration::Cursor;
use leptos::tachys::ssr::StreamBuilder;
use leptos::tachys::view::add_attr::AddAnyAttr;
use leptos::tachys::view::{Position, PositionState, Render, RenderHtml};

/// Erases a view's type, as `into_any`, keeping only its synchronous hydration.
pub trait IntoAnySync {
    fn into_any_sync(self) -> AnyView;
}

impl<V> IntoAnySync for V
where
    V: RenderHtml + Send + 'static,
{
    fn into_any_sync(self) -> AnyView {
        SyncHydrate(self).into_any()
    }
}

/// `V`, whose asynchronous hydration is its synchronous one (`RenderHtml::hydrate_async`'s
/// default); everything else is `V`'s own.
pub struct SyncHydrate<V>(V);

impl<V: Render> Render for SyncHydrate<V> {
    type State = V::State;

    fn build(self) -> Self::State {
        self.0.build()
    }

    fn rebuild(self, state: &mut Self::State) {
        self.0.rebuild(state)
    }
}

impl<V: RenderHtml> AddAnyAttr for SyncHydrate<V> {
    type Output<SomeNewAttr: Attribute> = SyncHydrate<V::Output<SomeNewAttr>>;

    fn add_any_attr<NewAttr: Attribute>(self, attr: NewAttr) -> Self::Output<NewAttr>
    where
        Self::Output<NewAttr>: RenderHtml,
    {
        SyncHydrate(self.0.add_any_attr(attr))
    }
}

impl<V: RenderHtml> RenderHtml for SyncHydrate<V> {
    type AsyncOutput = SyncHydrate<V::AsyncOutput>;
    type Owned = SyncHydrate<V::Owned>;

    const MIN_LENGTH: usize = V::MIN_LENGTH;
    const EXISTS: bool = V::EXISTS;

    fn dry_resolve(&mut self) {
        self.0.dry_resolve()
    }

    fn resolve(self) -> impl Future<Output = Self::AsyncOutput> + Send {
        let inner = self.0.resolve();
        async move { SyncHydrate(inner.await) }
    }

    fn html_len(&self) -> usize {
        self.0.html_len()
    }

    fn to_html_with_buf(self, buf: &mut String, position: &mut Position, escape: bool, mark_branches: bool, extra_attrs: Vec<AnyAttribute>) {
        self.0.to_html_with_buf(buf, position, escape, mark_branches, extra_attrs)
    }

    fn to_html_async_with_buf<const OUT_OF_ORDER: bool>(
        self,
        buf: &mut StreamBuilder,
        position: &mut Position,
        escape: bool,
        mark_branches: bool,
        extra_attrs: Vec<AnyAttribute>,
    ) where
        Self: Sized,
    {
        self.0.to_html_async_with_buf::<OUT_OF_ORDER>(buf, position, escape, mark_branches, extra_attrs)
    }

    fn hydrate<const FROM_SERVER: bool>(self, cursor: &Cursor, position: &PositionState) -> Self::State {
        self.0.hydrate::<FROM_SERVER>(cursor, position)
    }

    fn into_owned(self) -> Self::Owned {
        SyncHydrate(self.0.into_owned())
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    fn sample(n: u32) -> impl IntoView {
        view! {
            <section class="card" aria-labelledby="t">
                <h2 id="t">"Title"</h2>
                <p>"a " {n} " b"</p>
                {(n > 1).then(|| view! { <em>"many"</em> })}
                <ul>{(0..n).map(|i| view! { <li>{i}</li> }).collect_view()}</ul>
            </section>
        }
    }

    #[test]
    fn the_server_renders_what_it_rendered_before() {
        for n in [0, 1, 3] {
            let plain = sample(n).into_view().into_any().to_html();
            let wrapped = sample(n).into_view().into_any_sync().to_html();
            assert_eq!(wrapped, plain);
            assert!(plain.contains("<h2 id=\"t\">Title</h2>"), "{plain}");
        }
    }
}
