//! Project → Settings → Notifications, with its sub-pages as tabs.
use crate::api::deliveries::deliveries_path;
use crate::api::dry_run::dry_run_path;
use crate::api::projects::{channels_path, routings_path};
use crate::api::tokens::tokens_path;
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SettingsTab {
    Channels,
    ProjectNotifications,
    Deliveries,
    DryRun,
    ApiTokens,
}

/// `owner/name` from the route parameters.
pub fn use_project_name() -> Signal<String> {
    let params = use_params_map();
    Signal::derive(move || {
        params.with(|p| {
            format!(
                "{}/{}",
                p.get("owner").unwrap_or_default(),
                p.get("name").unwrap_or_default()
            )
        })
    })
}

#[component]
pub fn SettingsLayout(tab: SettingsTab, children: Children) -> impl IntoView {
    let project = use_project_name();
    let tab_class = move |t: SettingsTab| {
        if t == tab {
            "subnav-link active"
        } else {
            "subnav-link"
        }
    };
    let current = move |t: SettingsTab| if t == tab { Some("page") } else { None };
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <A href="/">"Projects"</A>
            <span aria-hidden="true">"/"</span>
            <span class="crumb-project">{move || project.get()}</span>
        </nav>
        <div class="project-header">
            <h1 class="project-title">{move || project.get()}</h1>
        </div>
        <nav class="tabs" aria-label="Project settings">
            <span class="tab active" aria-current="page">"Settings"</span>
        </nav>
        <div class="settings">
            <aside class="settings-side">
                <div class="side-heading">"Settings"</div>
                <a
                    class=if tab == SettingsTab::ApiTokens { "side-link" } else { "side-link active" }
                    href=move || channels_path(&project.get())
                >
                    "Notifications"
                </a>
                <a
                    class=if tab == SettingsTab::ApiTokens { "side-link active" } else { "side-link" }
                    aria-current=current(SettingsTab::ApiTokens)
                    href=move || tokens_path(&project.get())
                >
                    "API tokens"
                </a>
            </aside>
            <section class="settings-main">
                <nav class="subnav" aria-label="Notifications" hidden=tab == SettingsTab::ApiTokens>
                    <a
                        class=tab_class(SettingsTab::Channels)
                        aria-current=current(SettingsTab::Channels)
                        href=move || channels_path(&project.get())
                    >
                        "Channels"
                    </a>
                    <a
                        class=tab_class(SettingsTab::ProjectNotifications)
                        aria-current=current(SettingsTab::ProjectNotifications)
                        href=move || routings_path(&project.get())
                    >
                        "Project Notifications"
                    </a>
                    <a
                        class=tab_class(SettingsTab::Deliveries)
                        aria-current=current(SettingsTab::Deliveries)
                        href=move || deliveries_path(&project.get())
                    >
                        "Deliveries"
                    </a>
                    <a
                        class=tab_class(SettingsTab::DryRun)
                        aria-current=current(SettingsTab::DryRun)
                        href=move || dry_run_path(&project.get())
                    >
                        "Dry run"
                    </a>
                </nav>
                {children()}
            </section>
        </div>
    }
}
