//! "Page 2 of 5" with links to the neighbouring pages, keeping the page's other query parameters.

use leptos::prelude::*;

#[component]
pub fn Pager(page: u32, pages: u32, path: &'static str, params: Vec<(String, String)>) -> impl IntoView {
    let link = move |p: u32| {
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter().filter(|(_, v)| !v.is_empty()))
            .append_pair("page", &p.to_string())
            .finish();
        format!("{path}?{query}")
    };
    (pages > 1).then(|| {
        view! {
            <nav class="pager" aria-label="Pages">
                {(page > 1).then(|| view! { <a href=link(page - 1) rel="prev">"Previous"</a> })}
                <span>{format!("Page {page} of {pages}")}</span>
                {(page < pages).then(|| view! { <a href=link(page + 1) rel="next">"Next"</a> })}
            </nav>
        }
    })
}
