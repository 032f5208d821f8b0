//! "← Newer · page n of m · Older →" under a long table.
use leptos::prelude::*;

#[component]
pub fn Pager(
    /// e.g. "120 deliveries · page 2 of 5".
    summary: String,
    prev: Option<String>,
    next: Option<String>,
) -> impl IntoView {
    let link = |href: Option<String>, label: &'static str, rel: &'static str| match href {
        Some(href) => view! { <a class="button small" href=href rel=rel>{label}</a> }.into_any(),
        None => view! { <span class="button small disabled" aria-disabled="true">{label}</span> }
            .into_any(),
    };
    view! {
        <nav class="pager" aria-label="Pages">
            <span class="muted">{summary}</span>
            <span class="button-row">{link(prev, "← Newer", "prev")} {link(next, "Older →", "next")}</span>
        </nav>
    }
}
