//! The HTML shell and the route table.
use crate::pages::{
    channel_edit::ChannelEditPage,
    channel_new::ChannelNewPage,
    channels::ChannelsPage,
    deliveries::{DeliveriesPage, DeliveryPageView},
    dry_run::DryRunPage,
    not_found::NotFound,
    projects::ProjectsPage,
    routing_edit::RoutingEditPage,
    routings::RoutingsPage,
    tokens::TokensPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Redirect, Route, Router, Routes, A},
    hooks::use_params_map,
    path, SsrMode,
};

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser: the marker tells tests (and scripts)
    // that the page is interactive.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/herald.css"/>
        <Title formatter=|title: String| {
            if title.is_empty() { "Herald".to_string() } else { format!("{title} · Herald") }
        }/>
        <Router>
            <header class="topbar">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"H"</span>
                    <span class="brand-name">"Herald"</span>
                </A>
                <nav class="topnav" aria-label="Main">
                    <A href="/">"Projects"</A>
                </nav>
            </header>
            <main class="content">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=ProjectsPage ssr=SsrMode::Async/>
                    <Route path=path!("/p/:owner/:name") view=ProjectHome/>
                    <Route path=path!("/p/:owner/:name/settings") view=ProjectHome/>
                    <Route path=path!("/p/:owner/:name/settings/notifications") view=ProjectHome/>
                    <Route
                        path=path!("/p/:owner/:name/settings/notifications/channels")
                        view=ChannelsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/p/:owner/:name/settings/notifications/channels/new")
                        view=ChannelNewPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/p/:owner/:name/settings/notifications/channels/:id")
                        view=ChannelEditPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/p/:owner/:name/settings/notifications/deliveries")
                        view=DeliveriesPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/p/:owner/:name/settings/notifications/deliveries/:id")
                        view=DeliveryPageView
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/p/:owner/:name/settings/api-tokens")
                        view=TokensPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/p/:owner/:name/settings/notifications/project-notifications")
                        view=RoutingsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/p/:owner/:name/settings/notifications/project-notifications/:id")
                        view=RoutingEditPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/p/:owner/:name/settings/notifications/dry-run")
                        view=DryRunPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
            <footer class="footer">"Herald " {env!("CARGO_PKG_VERSION")}</footer>
        </Router>
    }
}

/// A project's own URL opens its notification settings.
#[component]
fn ProjectHome() -> impl IntoView {
    let params = use_params_map();
    let target = move || {
        params.with(|p| {
            crate::api::projects::channels_path(&format!(
                "{}/{}",
                p.get("owner").unwrap_or_default(),
                p.get("name").unwrap_or_default()
            ))
        })
    };
    view! { <Redirect path=target()/> }
}
