//! Project → Settings: Notifications (with its sub-pages as tabs), Members,
//! API tokens and the audit log, and what the caller's role lets them see.
use crate::api::audit::audit_path;
use crate::api::deliveries::deliveries_path;
use crate::api::dry_run::dry_run_path;
use crate::api::members::members_path;
use crate::api::projects::{channels_path, get_project, routings_path, ProjectSummary};
use crate::api::tokens::tokens_path;
use crate::api::AppError;
use crate::domain::accounts::Role;
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_params_map};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SettingsTab {
    Channels,
    ProjectNotifications,
    Deliveries,
    DryRun,
    Members,
    ApiTokens,
    AuditLog,
}

impl SettingsTab {
    fn is_notifications(self) -> bool {
        matches!(
            self,
            SettingsTab::Channels
                | SettingsTab::ProjectNotifications
                | SettingsTab::Deliveries
                | SettingsTab::DryRun
        )
    }
}

/// The project of the current settings page, with the caller's role.
#[derive(Clone, Copy)]
struct CurrentProject(crate::api::resource::Loaded<Result<ProjectSummary, AppError>>);

/// The project of the route, loaded once per page: the first caller (the
/// page, or else `SettingsLayout`) loads it for everything below.
fn use_current_project() -> CurrentProject {
    use_context::<CurrentProject>().unwrap_or_else(|| {
        let project = use_project_name();
        let current = CurrentProject(crate::api::resource::load(
            move || project.get(),
            get_project,
        ));
        provide_context(current);
        current
    })
}

fn use_role_is(role: Role) -> Signal<bool> {
    let current = use_current_project();
    Signal::derive(move || {
        current
            .0
            .get()
            .and_then(Result::ok)
            .is_some_and(|p| p.role == role)
    })
}

/// True once it is known that the caller is an admin of the project of the
/// current settings page. Read it inside a `Transition`.
pub fn use_is_admin() -> Signal<bool> {
    use_role_is(Role::Admin)
}

/// Shows its children only to the project's admins. The server refuses
/// their actions to anyone else anyway; this keeps buttons that would only
/// fail out of a member's way.
#[component]
pub fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    let is_admin = use_is_admin();
    view! { <Transition fallback=|| ()>{move || is_admin.get().then(|| children())}</Transition> }
}

/// Shows its children only to members who are not admins.
#[component]
pub fn MemberOnly(children: ChildrenFn) -> impl IntoView {
    let is_member = use_role_is(Role::Member);
    view! { <Transition fallback=|| ()>{move || is_member.get().then(|| children())}</Transition> }
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
    use_current_project();
    let tab_class = move |t: SettingsTab| {
        if t == tab {
            "subnav-link active"
        } else {
            "subnav-link"
        }
    };
    let current = move |t: SettingsTab| if t == tab { Some("page") } else { None };
    let side_class = move |t: SettingsTab| {
        if t == tab {
            "side-link active"
        } else {
            "side-link"
        }
    };
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumb">
            <A href="/">"Projects"</A>
            <span aria-hidden="true">"/"</span>
            <span class="crumb-project">{move || project.get()}</span>
        </nav>
        <div class="project-header">
            <h1 class="project-title">{move || project.get()}</h1>
            <MemberOnly>
                <span class="badge badge-off" title="Members read settings and deliveries and send tests; admins change them.">
                    "Member: read-only"
                </span>
            </MemberOnly>
        </div>
        <nav class="tabs" aria-label="Project settings">
            <span class="tab active" aria-current="page">"Settings"</span>
        </nav>
        <div class="settings">
            <aside class="settings-side">
                <div class="side-heading">"Settings"</div>
                <a
                    class=if tab.is_notifications() { "side-link active" } else { "side-link" }
                    href=move || channels_path(&project.get())
                >
                    "Notifications"
                </a>
                <a
                    class=side_class(SettingsTab::Members)
                    aria-current=current(SettingsTab::Members)
                    href=move || members_path(&project.get())
                >
                    "Members"
                </a>
                <AdminOnly>
                    <a
                        class=side_class(SettingsTab::ApiTokens)
                        aria-current=current(SettingsTab::ApiTokens)
                        href=move || tokens_path(&project.get())
                    >
                        "API tokens"
                    </a>
                    <a
                        class=side_class(SettingsTab::AuditLog)
                        aria-current=current(SettingsTab::AuditLog)
                        href=move || audit_path(&project.get())
                    >
                        "Audit log"
                    </a>
                </AdminOnly>
            </aside>
            <section class="settings-main">
                <nav class="subnav" aria-label="Notifications" hidden=!tab.is_notifications()>
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
