use crate::api::channels::list_channels;
use crate::api::deliveries::{
    deliveries_path, delivery_path, get_delivery, list_deliveries, protocol_of, DeliveryFilter,
    DeliveryPage, DeliveryRow, Redeliver, STATUSES,
};
use crate::components::pager::Pager;
use crate::components::template_editor::MessageParts;
use crate::components::{
    action_error, format_time, use_project_name, FormAlert, SettingsLayout, SettingsTab,
};
use crate::domain::EventGroup;
use crate::pages::not_found::load_error;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn StatusPill(#[prop(into)] status: String) -> impl IntoView {
    let class = match status.as_str() {
        "succeeded" => "badge badge-ok",
        "failed" => "badge badge-fail",
        "retrying" => "badge badge-warn",
        _ => "badge badge-pending",
    };
    let text = match status.as_str() {
        "succeeded" => "Succeeded",
        "failed" => "Failed",
        "retrying" => "Retrying",
        _ => "Pending",
    };
    view! { <span class=class>{text}</span> }
}

fn response_summary(code: Option<i32>, error: &Option<String>) -> String {
    match (code, error) {
        (Some(code), _) => code.to_string(),
        (None, Some(_)) => "No response".to_string(),
        (None, None) => "—".to_string(),
    }
}

#[component]
pub fn DeliveriesPage() -> impl IntoView {
    let project = use_project_name();
    let query = use_query_map();
    let filter = Signal::derive(move || {
        query.with(|q| DeliveryFilter {
            channel: q.get("channel").unwrap_or_default(),
            event_type: q.get("event_type").unwrap_or_default(),
            status: q.get("status").unwrap_or_default(),
        })
    });
    let page = Signal::derive(move || {
        query.with(|q| {
            q.get("page")
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(1)
        })
    });
    let deliveries = crate::api::resource::load(
        move || (project.get(), filter.get(), page.get()),
        |(project, filter, page)| list_deliveries(project, filter, page),
    );
    let channels = crate::api::resource::load(move || project.get(), list_channels);

    view! {
        <Title text=move || format!("Deliveries · {}", project.get())/>
        <SettingsLayout tab=SettingsTab::Deliveries>
            <div class="section-header">
                <div>
                    <h2>"Deliveries"</h2>
                    <p class="muted">"Every message Herald sent or is sending for this project, newest first."</p>
                </div>
                <a class="button" href=move || deliveries_path(&project.get())>"Refresh"</a>
            </div>
            <form method="get" class="filters" aria-label="Filter deliveries">
                <div class="field">
                    <label for="filter-channel">"Channel"</label>
                    <select id="filter-channel" name="channel">
                        <option value="">"All channels"</option>
                        <Transition>
                            {move || {
                                let current = filter.get().channel;
                                channels
                                    .get()
                                    .and_then(Result::ok)
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|c| {
                                        let selected = c.id == current;
                                        view! { <option value=c.id.clone() selected=selected>{c.name.clone()}</option> }
                                    })
                                    .collect_view()
                            }}
                        </Transition>
                    </select>
                </div>
                <div class="field">
                    <label for="filter-event">"Event"</label>
                    <select id="filter-event" name="event_type">
                        <option value="">"All events"</option>
                        {move || {
                            let current = filter.get().event_type;
                            EventGroup::ALL
                                .into_iter()
                                .map(|group| {
                                    let current = current.clone();
                                    view! {
                                        <optgroup label=group.label()>
                                            {group
                                                .event_types()
                                                .map(|t| {
                                                    view! {
                                                        <option value=t.as_str() selected=t.as_str() == current>
                                                            {t.label()}
                                                        </option>
                                                    }
                                                })
                                                .collect_view()}
                                        </optgroup>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-status">"Status"</label>
                    <select id="filter-status" name="status">
                        <option value="">"Any status"</option>
                        {move || {
                            let current = filter.get().status;
                            STATUSES
                                .iter()
                                .map(|s| {
                                    let label = match *s {
                                        "pending" => "Pending",
                                        "succeeded" => "Succeeded",
                                        _ => "Failed",
                                    };
                                    view! { <option value=*s selected=*s == current>{label}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
                <button type="submit" class="button">"Filter"</button>
            </form>
            <Transition fallback=|| view! { <p class="muted">"Loading deliveries…"</p> }>
                {move || {
                    deliveries
                        .get()
                        .map(|result| match result {
                            Err(e) => load_error(e),
                            Ok(p) if p.total == 0 => {
                                let filtered = filter.get() != DeliveryFilter::default();
                                view! {
                                    <div class="empty-state compact">
                                        <h3>{if filtered { "No deliveries match these filters" } else { "No deliveries yet" }}</h3>
                                        <p>
                                            {if filtered {
                                                "Clear a filter to see more."
                                            } else {
                                                "Deliveries appear when your platform posts an event that a routing sends to a channel. Use “Send test” on a channel to try one now."
                                            }}
                                        </p>
                                    </div>
                                }
                                    .into_any()
                            }
                            Ok(p) => view! { <DeliveryTable page=p project filter=filter.get()/> }.into_any(),
                        })
                }}
            </Transition>
        </SettingsLayout>
    }
}

fn page_href(project: &str, filter: &DeliveryFilter, page: u64) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("channel", &filter.channel),
        ("event_type", &filter.event_type),
        ("status", &filter.status),
    ] {
        if !v.is_empty() {
            query.append_pair(k, v);
        }
    }
    query.append_pair("page", &page.to_string());
    format!("{}?{}", deliveries_path(project), query.finish())
}

#[component]
fn DeliveryTable(
    page: DeliveryPage,
    project: Signal<String>,
    filter: DeliveryFilter,
) -> impl IntoView {
    let p = project.get_untracked();
    let prev = (page.page > 1).then(|| page_href(&p, &filter, page.page - 1));
    let next = (page.page < page.pages).then(|| page_href(&p, &filter, page.page + 1));
    view! {
        <table class="table">
            <thead>
                <tr>
                    <th scope="col">"Event"</th>
                    <th scope="col">"Channel"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col" class="num">"Attempts"</th>
                    <th scope="col" class="num">"Response"</th>
                    <th scope="col">"Time"</th>
                </tr>
            </thead>
            <tbody>
                {page.rows.into_iter().map(|d| view! { <DeliveryTableRow d project=p.clone()/> }).collect_view()}
            </tbody>
        </table>
        <Pager
            summary=format!("{} deliveries · page {} of {}", page.total, page.page, page.pages)
            prev
            next
        />
    }
}

#[component]
fn DeliveryTableRow(d: DeliveryRow, project: String) -> impl IntoView {
    let href = delivery_path(&project, &d.id);
    let response = response_summary(d.last_status_code, &d.last_error);
    view! {
        <tr>
            <td>
                <a class="strong" href=href>{d.event_label.clone()}</a>
                <div class="mono muted small">{d.event_type.clone()}</div>
            </td>
            <td>{d.channel_name.clone()}</td>
            <td>
                <StatusPill status=d.status.clone()/>
            </td>
            <td class="num">{d.attempts}</td>
            <td class="num mono" title=d.last_error.clone().unwrap_or_default()>{response}</td>
            <td class="muted">{format_time(d.created_at)}</td>
        </tr>
    }
}

#[component]
pub fn DeliveryPageView() -> impl IntoView {
    let project = use_project_name();
    let params = use_params_map();
    let id = Signal::derive(move || params.with(|p| p.get("id").unwrap_or_default()));
    let redeliver = ServerAction::<Redeliver>::new();
    let error = action_error(redeliver);
    let detail = crate::api::resource::load(
        move || (project.get(), id.get(), redeliver.version().get()),
        |(project, id, _)| get_delivery(project, id),
    );
    view! {
        <SettingsLayout tab=SettingsTab::Deliveries>
            <Transition fallback=|| view! { <p class="muted">"Loading delivery…"</p> }>
                {move || {
                    detail
                        .get()
                        .map(|result| match result {
                            Err(e) => load_error(e),
                            Ok(d) => {
                                let p = project.get_untracked();
                                let delivery_id = d.row.id.clone();
                                let refresh_href = delivery_path(&p, &d.row.id);
                                let protocol = protocol_of(&d.row.channel_kind);
                                view! {
                                    <Title text=format!("{} · Deliveries", d.row.event_label)/>
                                    <p class="back-link">
                                        <a href=deliveries_path(&p)>"← All deliveries"</a>
                                    </p>
                                    <div class="section-header">
                                        <div>
                                            <h2>{format!("{} → {}", d.row.event_label, d.row.channel_name)}</h2>
                                            <p class="muted mono small">{d.message_id.clone()}</p>
                                        </div>
                                        <div class="button-row">
                                            <StatusPill status=d.row.status.clone()/>
                                            <ActionForm action=redeliver attr:class="inline-form">
                                                <input type="hidden" name="project" value=project.get_untracked()/>
                                                <input type="hidden" name="id" value=delivery_id.clone()/>
                                                <button type="submit" class="button primary" disabled=move || redeliver.pending().get()>
                                                    "Redeliver"
                                                </button>
                                            </ActionForm>
                                            <a class="button" href=refresh_href>"Refresh"</a>
                                        </div>
                                    </div>
                                    <FormAlert error/>
                                    {move || {
                                        error.get().and_then(|e| e.field("id")).map(|m| view! { <div class="alert alert-error" role="alert">{m}</div> })
                                    }}
                                    <dl class="facts card">
                                        <div><dt>"Event"</dt><dd class="mono">{d.row.event_type.clone()}</dd></div>
                                        <div><dt>"Created"</dt><dd>{format_time(d.row.created_at)}</dd></div>
                                        <div><dt>"Attempts"</dt><dd>{d.row.attempts}</dd></div>
                                        <div>
                                            <dt>"Next attempt"</dt>
                                            <dd>{if d.row.status == "pending" { format_time(d.row.next_attempt_at) } else { "—".to_string() }}</dd>
                                        </div>
                                    </dl>
                                    <section class="card">
                                        <h3>"Message"</h3>
                                        {if d.email_parts.is_empty() {
                                            view! { <pre class="code">{d.payload.clone()}</pre> }.into_any()
                                        } else {
                                            view! { <MessageParts parts=d.email_parts.clone()/> }.into_any()
                                        }}
                                    </section>
                                    <h3>"Attempts"</h3>
                                    {if d.attempts.is_empty() {
                                        view! { <div class="empty-state compact"><p>"No attempt yet: the message is queued."</p></div> }.into_any()
                                    } else {
                                        d.attempts
                                            .into_iter()
                                            .map(|a| {
                                                let ok = a.response_status.is_some_and(|s| (200..300).contains(&s));
                                                view! {
                                                    <section class="card attempt">
                                                        <div class="attempt-head">
                                                            <h4>{format!("Attempt {}", a.attempt_no)}</h4>
                                                            <span class=if ok { "badge badge-ok" } else { "badge badge-fail" }>
                                                                {match (a.response_status, &a.error_kind) {
                                                                    (Some(s), _) => format!("{} {s}", protocol),
                                                                    (None, Some(kind)) => format!("Error: {kind}"),
                                                                    (None, None) => "No response".to_string(),
                                                                }}
                                                            </span>
                                                            <span class="muted small">
                                                                {format!("{} · {} ms", format_time(a.started_at), a.duration_ms)}
                                                            </span>
                                                        </div>
                                                        {a.error_message.clone().map(|m| view! { <p class="alert alert-error">{m}</p> })}
                                                        <div class="attempt-grid">
                                                            <div>
                                                                <h5>"Request headers"</h5>
                                                                <pre class="code small">{headers_text(&a.request_headers)}</pre>
                                                            </div>
                                                            <div>
                                                                <h5>"Response headers"</h5>
                                                                <pre class="code small">{headers_text(&a.response_headers)}</pre>
                                                            </div>
                                                        </div>
                                                        <h5>"Response body"</h5>
                                                        <pre class="code small">
                                                            {a.response_body.clone().filter(|b| !b.is_empty()).unwrap_or_else(|| "(empty)".into())}
                                                        </pre>
                                                    </section>
                                                }
                                            })
                                            .collect_view()
                                            .into_any()
                                    }}
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </SettingsLayout>
    }
}

/// Headers one per line; "—" when there were none (nothing was sent, or
/// no answer came).
fn headers_text(headers: &[(String, String)]) -> String {
    if headers.is_empty() {
        return "—".to_string();
    }
    headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}
