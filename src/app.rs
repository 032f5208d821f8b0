//! The HTML shell and the route table.
use crate::api::session::{current_user, SignOut};
use crate::api::users::{ACCOUNT_PATH, USERS_PATH};
use crate::pages::{
    account::AccountPage,
    audit::AuditLogPage,
    channel_edit::ChannelEditPage,
    channel_new::ChannelNewPage,
    channels::ChannelsPage,
    deliveries::{DeliveriesPage, DeliveryPageView},
    dry_run::DryRunPage,
    members::MembersPage,
    not_found::NotFound,
    projects::ProjectsPage,
    routing_edit::RoutingEditPage,
    routings::RoutingsPage,
    sign_in::{SetupPage, SignInPage},
    tokens::TokensPage,
    users::UsersPage,
};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{Redirect, Route, Router, Routes, A},
    hooks::{use_location, use_params_map},
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
                // The stylesheet's name carries its content hash when the
                // build hashes file names; only the server knows that name.
                <HashedStylesheet id="leptos" options=options.clone()/>
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
        <Title formatter=|title: String| {
            if title.is_empty() { "Herald".to_string() } else { format!("{title} · Herald") }
        }/>
        <Router>
            <header class="topbar">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"H"</span>
                    <span class="brand-name">"Herald"</span>
                </A>
                <UserMenu/>
            </header>
            <main class="content">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=ProjectsPage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in") view=SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view=UsersPage ssr=SsrMode::Async/>
                    <Route
                        path=path!("/p/:owner/:name/settings/members")
                        view=MembersPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/p/:owner/:name/settings/audit-log")
                        view=AuditLogPage
                        ssr=SsrMode::Async
                    />
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

/// The navigation of a signed-in user: projects, account, users (instance
/// admins), sign out. Nothing on the sign-in and set-up pages.
#[component]
fn UserMenu() -> impl IntoView {
    let location = use_location();
    // Keyed on leaving the sign-in pages, so signing in or out refreshes it.
    let on_auth_page = Memo::new(move |_| {
        let path = location.pathname.get();
        path == "/sign-in" || path == "/setup"
    });
    let viewer = crate::api::resource::load(move || on_auth_page.get(), |_| current_user());
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <Transition fallback=|| ()>
            {move || {
                viewer
                    .get()
                    .and_then(Result::ok)
                    .flatten()
                    .map(|v| {
                        view! {
                            <nav class="topnav" aria-label="Main">
                                <A href="/">"Projects"</A>
                                {v.instance_admin.then(|| view! { <A href=USERS_PATH>"Users"</A> })}
                            </nav>
                            <div class="user-menu">
                                <A href=ACCOUNT_PATH attr:class="user-name" attr:title="Your account">
                                    <span class="avatar" aria-hidden="true">
                                        {v.username.chars().next().map(|c| c.to_ascii_uppercase()).unwrap_or('?').to_string()}
                                    </span>
                                    {v.username.clone()}
                                </A>
                                <ActionForm action=sign_out attr:class="inline-form">
                                    <button type="submit" class="button small ghost">"Sign out"</button>
                                </ActionForm>
                            </div>
                        }
                    })
            }}
        </Transition>
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
