//! Project → Settings → Notifications → Dry run: pick a past event or a
//! sample, see which routings match (and why the others do not) and the
//! exact request each match would make; then send it for real if wanted.
use crate::api::deliveries::deliveries_path;
use crate::api::dry_run::{
    dry_run, dry_run_path, list_recent_events, DryRunReport, DryRunRouting, DryRunSend,
};
use crate::api::projects::{channels_path, routings_path};
use crate::api::routings::routing_path;
use crate::components::template_editor::MessageParts;
use crate::components::{
    action_error, format_time, use_project_name, FormAlert, SettingsLayout, SettingsTab,
};
use crate::domain::EventGroup;
use crate::pages::channels::kind_label;
use crate::pages::not_found::load_error;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

#[component]
pub fn DryRunPage() -> impl IntoView {
    let project = use_project_name();
    let query = use_query_map();
    let source = Signal::derive(move || query.with(|q| q.get("source").unwrap_or_default()));
    let events = crate::api::resource::load(move || project.get(), list_recent_events);
    let report = crate::api::resource::load(
        move || (project.get(), source.get()),
        |(project, source)| async move {
            if source.is_empty() {
                None
            } else {
                Some(dry_run(project, source).await)
            }
        },
    );
    let send = ServerAction::<DryRunSend>::new();
    let send_error = action_error(send);

    view! {
        <Title text=move || format!("Dry run · {}", project.get())/>
        <SettingsLayout tab=SettingsTab::DryRun>
            <div class="section-header">
                <div>
                    <h2>"Dry run"</h2>
                    <p class="muted">
                        "See which routings an event would reach, why the others would not, and exactly what each channel would be sent. Nothing is sent until you say so."
                    </p>
                </div>
            </div>
            <Form method="GET" action=move || dry_run_path(&project.get()) attr:class="filters card dry-run-form">
                <div class="field grow">
                    <label for="dry-run-source">"Event"</label>
                    <select id="dry-run-source" name="source">
                        <Transition>
                            {move || {
                                let current = source.get();
                                let list = events.get().and_then(Result::ok).unwrap_or_default();
                                (!list.is_empty())
                                    .then(|| {
                                        view! {
                                            <optgroup label="Recent events">
                                                {list
                                                    .into_iter()
                                                    .map(|e| {
                                                        let value = format!("event:{}", e.id);
                                                        let selected = value == current;
                                                        view! {
                                                            <option value=value selected=selected>
                                                                {format!("{} — {}", format_time(e.created_at), e.title)}
                                                            </option>
                                                        }
                                                    })
                                                    .collect_view()}
                                            </optgroup>
                                        }
                                    })
                            }}
                        </Transition>
                        {move || {
                            let current = source.get();
                            EventGroup::ALL
                                .into_iter()
                                .map(|group| {
                                    let current = current.clone();
                                    view! {
                                        <optgroup label=format!("Samples: {}", group.label())>
                                            {group
                                                .event_types()
                                                .map(|t| {
                                                    let value = format!("sample:{}", t.as_str());
                                                    let selected = value == current;
                                                    view! { <option value=value selected=selected>{format!("Sample: {}", t.label())}</option> }
                                                })
                                                .collect_view()}
                                        </optgroup>
                                    }
                                })
                                .collect_view()
                        }}
                    </select>
                    <p class="help">"A past event of this project (the latest 50), or a realistic sample of any event type."</p>
                </div>
                <button type="submit" class="button primary">"Run dry run"</button>
            </Form>
            <Transition fallback=|| view! { <p class="muted">"Running…"</p> }>
                {move || {
                    report
                        .get()
                        .map(|result| match result {
                            None => {
                                view! {
                                    <div class="empty-state compact">
                                        <h3>"Pick an event and run"</h3>
                                        <p>"Herald evaluates every routing of this project, conditions included, and renders each match exactly as it would be delivered, signatures computed and secrets masked."</p>
                                    </div>
                                }
                                    .into_any()
                            }
                            Some(Err(e)) => load_error(e),
                            Some(Ok(r)) => view! { <Report report=r project send send_error/> }.into_any(),
                        })
                }}
            </Transition>
        </SettingsLayout>
    }
}

#[component]
fn Report(
    report: DryRunReport,
    project: Signal<String>,
    send: ServerAction<DryRunSend>,
    send_error: Signal<Option<crate::api::AppError>>,
) -> impl IntoView {
    let p = project.get_untracked();
    let matched = report.matched();
    let total = report.routings.len();
    let source = report.source.clone();
    let deliveries = deliveries_path(&p);
    let empty_links = (routings_path(&p), channels_path(&p));
    let rows: Vec<_> = report
        .routings
        .into_iter()
        .map(|r| view! { <RoutingResult r project=p.clone()/> })
        .collect();
    view! {
        <section class="card dry-run-event">
            <p class="muted small">{report.origin.clone()} " · " <span class="mono">{report.event_type.clone()}</span></p>
            <h3>{report.title.clone()}</h3>
            <details>
                <summary>"Event data"</summary>
                <pre class="code small">{report.data.clone()}</pre>
            </details>
        </section>
        <div class="section-header">
            <div>
                <h3 data-testid="dry-run-summary">
                    {if total == 0 {
                        "This project has no routings yet".to_string()
                    } else {
                        format!("Would send to {matched} of {total} routing{}", if total == 1 { "" } else { "s" })
                    }}
                </h3>
                <p class="muted small">
                    "Sending for real posts it as a new event: every matching routing gets a delivery with its own message id, timestamp and signature."
                </p>
            </div>
            <ActionForm action=send attr:class="inline-form">
                <input type="hidden" name="project" value=p.clone()/>
                <input type="hidden" name="source" value=source/>
                <button type="submit" class="button primary" disabled=move || send.pending().get() || matched == 0>
                    "Send for real"
                </button>
            </ActionForm>
        </div>
        <FormAlert error=send_error/>
        {move || {
            send.value()
                .get()
                .and_then(Result::ok)
                .map(|sent| {
                    view! {
                        <div class="alert alert-ok" role="status">
                            {format!(
                                "Sent: {} deliver{} queued. ",
                                sent.deliveries,
                                if sent.deliveries == 1 { "y" } else { "ies" },
                            )}
                            <a href=deliveries.clone()>"See Deliveries →"</a>
                        </div>
                    }
                })
        }}
        {if total == 0 {
            view! {
                <div class="empty-state compact">
                    <p>"Create a channel and route events to it; then try again."</p>
                    <a class="button" href=empty_links.0.clone()>"Project Notifications"</a>
                    " "
                    <a class="button" href=empty_links.1.clone()>"Channels"</a>
                </div>
            }
                .into_any()
        } else {
            rows.collect_view().into_any()
        }}
    }
}

#[component]
fn RoutingResult(r: DryRunRouting, project: String) -> impl IntoView {
    let heading = format!("{} → {}", r.event_label, r.channel_name);
    let exact_len = r.request.as_ref().map(|q| q.exact.len()).unwrap_or(0);
    view! {
        <section class=if r.matched { "card dry-run-routing matched" } else { "card dry-run-routing skipped" } data-routing=heading.clone()>
            <div class="attempt-head">
                <h4>
                    <a href=routing_path(&project, &r.routing_id)>{heading.clone()}</a>
                </h4>
                <span class="pill">{kind_label(&r.channel_kind)}</span>
                {if r.matched {
                    view! { <span class="badge badge-ok">"Would send"</span> }.into_any()
                } else {
                    view! { <span class="badge badge-off">"Not sent"</span> }.into_any()
                }}
            </div>
            {(!r.filters_words.is_empty()).then(|| view! { <p class="small muted">"Conditions: " {r.filters_words.clone()}</p> })}
            {r.reason.clone().map(|why| view! { <p class="reason">{why}</p> })}
            {r.request
                .map(|q| {
                    view! {
                        {q.template_error
                            .clone()
                            .map(|e| {
                                view! {
                                    <p class="alert alert-error">
                                        "The channel's template fails on this event, so Herald's default message would be sent: " {e}
                                    </p>
                                }
                            })}
                        <p class="mono small target">{q.target.clone()}</p>
                        <div class="attempt-grid">
                            <div>
                                <h5>"Headers"</h5>
                                <pre class="code small" data-part="headers">
                                    {q.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("\n")}
                                </pre>
                            </div>
                            <div>
                                <MessageParts parts=q.parts.clone()/>
                            </div>
                        </div>
                        <details>
                            <summary>{format!("Exact bytes sent ({exact_len} bytes)")}</summary>
                            <pre class="code small" data-part="exact">{q.exact.clone()}</pre>
                        </details>
                    }
                })}
        </section>
    }
}
