use crate::api::channels::{list_channels, ChannelView};
use crate::api::deliveries::SendRoutingTest;
use crate::api::projects::channels_path;
use crate::api::routings::{
    list_routings, routing_path, CreateRouting, DeleteRouting, RoutingView, SetRoutingEnabled,
};
use crate::api::AppError;
use crate::components::conditions::ConditionRows;
use crate::components::test_result::TestOutcome;
use crate::components::{
    action_error, use_is_admin, use_project_name, AdminOnly, FieldError, FormAlert, SettingsLayout,
    SettingsTab,
};
use crate::domain::EventGroup;
use crate::pages::not_found::load_error;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn RoutingsPage() -> impl IntoView {
    let project = use_project_name();
    let create = ServerAction::<CreateRouting>::new();
    let toggle = ServerAction::<SetRoutingEnabled>::new();
    let delete = ServerAction::<DeleteRouting>::new();
    let test = ServerAction::<SendRoutingTest>::new();
    let create_error = action_error(create);
    let toggle_error = action_error(toggle);
    let delete_error = action_error(delete);
    let is_admin = use_is_admin();
    let routings = crate::api::resource::load(
        move || {
            (
                project.get(),
                create.version().get(),
                toggle.version().get(),
                delete.version().get(),
            )
        },
        |(project, ..)| list_routings(project),
    );
    let channels = crate::api::resource::load(move || project.get(), list_channels);

    view! {
        <Title text=move || format!("Project Notifications · {}", project.get())/>
        <SettingsLayout tab=SettingsTab::ProjectNotifications>
            <div class="section-header">
                <div>
                    <h2>"Project Notifications"</h2>
                    <p class="muted">
                        "A routing sends one kind of event to one channel, optionally only when the event's data meets conditions. Every enabled routing that matches an event produces a delivery."
                    </p>
                </div>
            </div>
            <FormAlert error=toggle_error/>
            <FormAlert error=delete_error/>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    channels
                        .get()
                        .map(|result| match result {
                            Err(e) => load_error(e),
                            Ok(list) if list.is_empty() => {
                                view! {
                                    <div class="empty-state">
                                        <h3>"Create a channel first"</h3>
                                        <p>"A routing needs a channel to send to. Channels are where messages go: a webhook, Slack, Discord, Teams or e-mail."</p>
                                        <a class="button primary" href=format!("{}/new", channels_path(&project.get_untracked()))>
                                            "Create a new channel"
                                        </a>
                                    </div>
                                }
                                    .into_any()
                            }
                            Ok(list) => {
                                let channels = StoredValue::new(list);
                                view! {
                                    <AdminOnly>
                                        <CreateRoutingForm channels=channels.get_value() create project error=create_error/>
                                    </AdminOnly>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
            <Transition fallback=|| ()>
                {move || {
                    routings
                        .get()
                        .map(|result| match result {
                            Err(_) => ().into_any(),
                            Ok(list) if list.is_empty() => {
                                view! {
                                    <div class="empty-state compact">
                                        <h3>"No routings yet"</h3>
                                        <p>"Choose an event and a channel above, then save. For example: “Execution fails” → your team's alert hook."</p>
                                    </div>
                                }
                                    .into_any()
                            }
                            Ok(list) => {
                                view! { <RoutingTable list project toggle delete test admin=is_admin.get()/> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </SettingsLayout>
    }
}

#[component]
fn CreateRoutingForm(
    channels: Vec<ChannelView>,
    create: ServerAction<CreateRouting>,
    project: Signal<String>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let saved = RwSignal::new(0u64);
    Effect::new(move |_| {
        if create.value().with(|v| matches!(v, Some(Ok(_)))) {
            saved.update(|n| *n += 1);
        }
    });
    view! {
        <section class="card" aria-labelledby="new-routing-heading">
            <h3 id="new-routing-heading">"Create new notification routing"</h3>
            <FormAlert error/>
            <ActionForm action=create attr:class="form-inline" attr:novalidate=true>
                <input type="hidden" name="project" value=project.get_untracked()/>
                <div class="field grow">
                    <label for="routing-event">"Event"</label>
                    <select id="routing-event" name="event_type" aria-describedby="routing-event-error">
                        <option value="">"Choose an event…"</option>
                        {EventGroup::ALL
                            .into_iter()
                            .map(|group| {
                                view! {
                                    <optgroup label=group.label()>
                                        {group
                                            .event_types()
                                            .map(|t| view! { <option value=t.as_str()>{t.label()}</option> })
                                            .collect_view()}
                                    </optgroup>
                                }
                            })
                            .collect_view()}
                    </select>
                    <FieldError error field="event_type" id="routing-event-error"/>
                </div>
                <div class="field grow">
                    <label for="routing-channel">"Channel"</label>
                    <select id="routing-channel" name="channel_id" aria-describedby="routing-channel-error">
                        <option value="">"Choose a channel…"</option>
                        {channels
                            .into_iter()
                            .map(|c| {
                                let label = if c.enabled { c.name.clone() } else { format!("{} (disabled)", c.name) };
                                view! { <option value=c.id.clone()>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                    <FieldError error field="channel_id" id="routing-channel-error"/>
                </div>
                <button type="submit" class="button primary" disabled=move || create.pending().get()>
                    "Save routing"
                </button>
                <details class="conditions grow-all" open=move || error.with(|e| e.as_ref().is_some_and(|e| e.field_errors().is_some_and(|f| f.0.iter().any(|x| x.field.starts_with("filters"))))) >
                    <summary>"Only when… " <span class="muted">"(optional conditions on the event's data)"</span></summary>
                    // Fresh, blank rows after each routing saved, so the next one
                    // does not inherit conditions hidden in a closed section.
                    {move || {
                        saved.track();
                        view! { <ConditionRows existing=Vec::new() error/> }
                    }}
                </details>
            </ActionForm>
        </section>
    }
}

#[component]
fn RoutingTable(
    list: Vec<RoutingView>,
    project: Signal<String>,
    toggle: ServerAction<SetRoutingEnabled>,
    delete: ServerAction<DeleteRouting>,
    test: ServerAction<SendRoutingTest>,
    /// Show the buttons only admins may use.
    admin: bool,
) -> impl IntoView {
    let test_result = Signal::derive(move || test.value().get());
    view! {
        <table class="table">
            <thead>
                <tr>
                    <th scope="col">"Event"</th>
                    <th scope="col">"Channel"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col" class="actions-col">
                        <span class="sr-only">"Actions"</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|r| {
                        let toggle_label = if r.enabled { "Disable" } else { "Enable" };
                        let describe = format!("{} → {}", r.event_label, r.channel_name);
                        let toggle_aria = format!("{toggle_label} routing {describe}");
                        let delete_aria = format!("Delete routing {describe}");
                        let href = crate::api::channels::channel_path(&project.get_untracked(), &r.channel_id);
                        let toggle_id = r.id.clone();
                        let delete_id = r.id.clone();
                        let next_enabled = (!r.enabled).to_string();
                        let test_id = r.id.clone();
                        let test_aria = format!("Send test for routing {describe}");
                        let channel_enabled = r.channel_enabled;
                        view! {
                            <tr data-routing=describe.clone()>
                                <td>
                                    <div class="strong">{r.event_label.clone()}</div>
                                    <div class="mono muted small">{r.event_type.clone()}</div>
                                    <div class="conditions-words small">
                                        {if r.filters_words.is_empty() {
                                            view! { <span class="muted">"every event"</span> }.into_any()
                                        } else {
                                            view! { <span>{r.filters_words.clone()}</span> }.into_any()
                                        }}
                                        " · "
                                        <a href=routing_path(&project.get_untracked(), &r.id) aria-label=format!("Edit conditions of routing {describe}")>
                                            {if r.filters.is_empty() { "add conditions" } else { "edit" }}
                                        </a>
                                    </div>
                                </td>
                                <td>
                                    <a href=href>{r.channel_name.clone()}</a>
                                    {(!r.channel_enabled)
                                        .then(|| view! { <div class="muted small">"Channel is disabled"</div> })}
                                </td>
                                <td>
                                    {if r.enabled {
                                        view! { <span class="badge badge-ok">"Enabled"</span> }.into_any()
                                    } else {
                                        view! { <span class="badge badge-off">"Disabled"</span> }.into_any()
                                    }}
                                </td>
                                <td class="row-actions">
                                    <ActionForm action=test attr:class="inline-form">
                                        <input type="hidden" name="project" value=project.get_untracked()/>
                                        <input type="hidden" name="id" value=test_id.clone()/>
                                        <button
                                            type="submit"
                                            class="button small"
                                            aria-label=test_aria.clone()
                                            disabled=move || test.pending().get() || !channel_enabled
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
                                    <TestOutcome result=test_result subject_id=r.id.clone() project=project.get_untracked()/>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
