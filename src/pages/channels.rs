use crate::api::channels::{
    channel_path, list_channels, ChannelView, DeleteChannel, SetChannelEnabled,
};
use crate::api::deliveries::SendChannelTest;
use crate::api::projects::routings_path;
use crate::api::AppError;
use crate::components::test_result::TestOutcome;
use crate::components::{
    action_error, use_is_admin, use_project_name, AdminOnly, FormAlert, SettingsLayout, SettingsTab,
};
use crate::pages::not_found::load_error;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ChannelsPage() -> impl IntoView {
    let project = use_project_name();
    let toggle = ServerAction::<SetChannelEnabled>::new();
    let delete = ServerAction::<DeleteChannel>::new();
    let test = ServerAction::<SendChannelTest>::new();
    let channels = crate::api::resource::load(
        move || {
            (
                project.get(),
                toggle.version().get(),
                delete.version().get(),
            )
        },
        |(project, _, _)| list_channels(project),
    );
    let toggle_error = action_error(toggle);
    let delete_error = action_error(delete);
    let is_admin = use_is_admin();

    view! {
        <Title text=move || format!("Channels · {}", project.get())/>
        <SettingsLayout tab=SettingsTab::Channels>
            <div class="section-header">
                <div>
                    <h2>"Channels"</h2>
                    <p class="muted">
                        "A channel is a destination for notifications: a webhook, a Slack, Discord or Teams channel, or an e-mail list."
                    </p>
                </div>
                <AdminOnly>
                    <a class="button primary" href=move || format!("{}/new", crate::api::projects::channels_path(&project.get()))>
                        "Create a new channel"
                    </a>
                </AdminOnly>
            </div>
            <FormAlert error=toggle_error/>
            <FormAlert error=delete_error/>
            <ConfirmDeletePanel delete project/>
            <Transition fallback=|| view! { <p class="muted">"Loading channels…"</p> }>
                {move || {
                    channels
                        .get()
                        .map(|result| match result {
                            Err(e) => load_error(e),
                            Ok(list) if list.is_empty() => view! { <NoChannels project/> }.into_any(),
                            Ok(list) => {
                                view! { <ChannelTable list project toggle delete test admin=is_admin.get()/> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </SettingsLayout>
    }
}

#[component]
fn NoChannels(project: Signal<String>) -> impl IntoView {
    view! {
        <div class="empty-state">
            <h3>"No channels yet"</h3>
            <p>
                "Create a channel for each place that should hear about this project: your own service (signed webhooks), Slack, Discord, Microsoft Teams or e-mail. Then route events to it under Project Notifications."
            </p>
            <AdminOnly>
                <a class="button primary" href=move || format!("{}/new", crate::api::projects::channels_path(&project.get()))>
                    "Create a new channel"
                </a>
            </AdminOnly>
        </div>
    }
}

#[component]
fn ChannelTable(
    list: Vec<ChannelView>,
    project: Signal<String>,
    toggle: ServerAction<SetChannelEnabled>,
    delete: ServerAction<DeleteChannel>,
    test: ServerAction<SendChannelTest>,
    /// Show the buttons only admins may use.
    admin: bool,
) -> impl IntoView {
    let test_result = Signal::derive(move || test.value().get());
    view! {
        <table class="table fixed">
            <thead>
                <tr>
                    <th scope="col" class="col-name">"Name and destination"</th>
                    <th scope="col" class="col-type">"Type"</th>
                    <th scope="col" class="col-status">"Status"</th>
                    <th scope="col" class="num col-count">"Routings"</th>
                    <th scope="col" class="col-actions">
                        <span class="sr-only">"Actions"</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|c| {
                        let edit_href = channel_path(&project.get_untracked(), &c.id);
                        let toggle_label = if c.enabled { "Disable" } else { "Enable" };
                        let toggle_aria = format!("{toggle_label} channel {}", c.name);
                        let delete_aria = format!("Delete channel {}", c.name);
                        let next_enabled = (!c.enabled).to_string();
                        let toggle_id = c.id.clone();
                        let delete_id = c.id.clone();
                        let test_id = c.id.clone();
                        let test_aria = format!("Send test to channel {}", c.name);
                        let project_name = project.get_untracked();
                        view! {
                            <tr data-channel=c.name.clone()>
                                <td>
                                    <a class="strong" href=edit_href>{c.name.clone()}</a>
                                    <div class="mono muted small url-line" title=c.destination.clone()>
                                        {c.destination.clone()}
                                    </div>
                                    {(!c.header_names.is_empty())
                                        .then(|| {
                                            view! {
                                                <div class="muted small">
                                                    "Headers: " {c.header_names.join(", ")}
                                                </div>
                                            }
                                        })}
                                </td>
                                <td>
                                    <span class=format!("pill kind-pill kind-{}", c.kind)>{short_kind_label(&c.kind)}</span>
                                    {c.template.is_some().then(|| view! { <div class="muted small">"Custom template"</div> })}
                                </td>
                                <td>
                                    <StatusBadge enabled=c.enabled reason=c.disabled_reason.clone()/>
                                    {(c.consecutive_failures > 0)
                                        .then(|| {
                                            view! {
                                                <div class="muted small">
                                                    {format!(
                                                        "{} failed deliver{} in a row",
                                                        c.consecutive_failures,
                                                        if c.consecutive_failures == 1 { "y" } else { "ies" },
                                                    )}
                                                </div>
                                            }
                                        })}
                                </td>
                                <td class="num">{c.routing_count}</td>
                                <td class="row-actions">
                                    <ActionForm action=test attr:class="inline-form">
                                        <input type="hidden" name="project" value=project.get_untracked()/>
                                        <input type="hidden" name="id" value=test_id.clone()/>
                                        <button
                                            type="submit"
                                            class="button small"
                                            aria-label=test_aria.clone()
                                            disabled=move || test.pending().get() || !c.enabled
                                        >
                                            "Send test"
                                        </button>
                                    </ActionForm>
                                    {admin
                                        .then(|| {
                                            view! {
                                        <ActionForm action=toggle attr:class="inline-form">
                                            <input type="hidden" name="project" value=project.get_untracked()/>
                                            <input type="hidden" name="id" value=toggle_id.clone()/>
                                            <input type="hidden" name="enabled" value=next_enabled.clone()/>
                                            <button type="submit" class="button small" aria-label=toggle_aria.clone()>
                                                {toggle_label}
                                            </button>
                                        </ActionForm>
                                        <ActionForm action=delete attr:class="inline-form">
                                            <input type="hidden" name="project" value=project.get_untracked()/>
                                            <input type="hidden" name="id" value=delete_id.clone()/>
                                            <button type="submit" class="button small danger" aria-label=delete_aria.clone()>
                                                "Delete"
                                            </button>
                                        </ActionForm>
                                            }
                                        })}
                                    <TestOutcome result=test_result subject_id=c.id.clone() project=project_name/>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// For narrow places: "Teams" rather than "Microsoft Teams".
pub fn short_kind_label(kind: &str) -> &'static str {
    match kind {
        "teams" => "Teams",
        other => kind_label(other),
    }
}

pub fn kind_label(kind: &str) -> &'static str {
    crate::domain::ChannelKind::parse(kind)
        .map(|k| k.label())
        .unwrap_or("Other")
}

#[component]
pub fn StatusBadge(enabled: bool, reason: Option<String>) -> impl IntoView {
    match (enabled, reason) {
        (true, _) => view! { <span class="badge badge-ok">"Enabled"</span> }.into_any(),
        (false, Some(reason)) => view! {
            <span class="badge badge-warn">"Disabled automatically"</span>
            <div class="muted small">{reason}</div>
        }
        .into_any(),
        (false, None) => view! { <span class="badge badge-off">"Disabled"</span> }.into_any(),
    }
}

/// Asks before deleting a channel that routings still use, naming them.
#[component]
pub fn ConfirmDeletePanel(
    delete: ServerAction<DeleteChannel>,
    project: Signal<String>,
) -> impl IntoView {
    move || match delete.value().get() {
        Some(Err(AppError::ConfirmDelete {
            channel_id,
            channel,
            routings,
        })) => {
            let count = routings.len();
            let confirm_label = format!(
                "Delete channel and {count} routing{}",
                if count == 1 { "" } else { "s" }
            );
            let items = routings
                .iter()
                .map(|r| view! { <li>{r.event_label.clone()} " → " {channel.clone()}</li> })
                .collect_view();
            Some(view! {
                <div class="confirm-panel" role="alertdialog" aria-labelledby="confirm-delete-title">
                    <h3 id="confirm-delete-title">{format!("Delete channel “{channel}”?")}</h3>
                    <p>
                        {format!(
                            "{count} routing{} send{} events to this channel. Deleting the channel deletes {} too:",
                            if count == 1 { "" } else { "s" },
                            if count == 1 { "s" } else { "" },
                            if count == 1 { "it" } else { "them" },
                        )}
                    </p>
                    <ul class="confirm-list">{items}</ul>
                    <div class="button-row">
                        <ActionForm action=delete attr:class="inline-form">
                            <input type="hidden" name="project" value=project.get_untracked()/>
                            <input type="hidden" name="id" value=channel_id.clone()/>
                            <input type="hidden" name="confirm" value="yes"/>
                            <button type="submit" class="button danger">
                                {confirm_label.clone()}
                            </button>
                        </ActionForm>
                        <a class="button" href=routings_path(&project.get_untracked())>"Review routings"</a>
                        <a
                            class="button"
                            href=crate::api::projects::channels_path(&project.get_untracked())
                            on:click=move |_| delete.value().set(None)
                        >
                            "Cancel"
                        </a>
                    </div>
                </div>
            })
        }
        _ => None,
    }
}
