use crate::api::audit::{audit_path, list_audit, AuditEntry};
use crate::components::pager::Pager;
use crate::components::{format_time, use_project_name, SettingsLayout, SettingsTab};
use crate::pages::not_found::load_error;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let project = use_project_name();
    let query = use_query_map();
    let page = Signal::derive(move || {
        query.with(|q| {
            q.get("page")
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(1)
        })
    });
    let log = crate::api::resource::load(
        move || (project.get(), page.get()),
        |(p, n)| list_audit(p, n),
    );

    view! {
        <Title text=move || format!("Audit log · {}", project.get())/>
        <SettingsLayout tab=SettingsTab::AuditLog>
            <div class="section-header">
                <div>
                    <h2>"Audit log"</h2>
                    <p class="muted">"Who created, changed or deleted this project's channels, routings, API tokens and members, and when."</p>
                </div>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Loading the log…"</p> }>
                {move || {
                    log.get()
                        .map(|result| match result {
                            Err(e) => load_error(e),
                            Ok(p) if p.entries.is_empty() => {
                                view! {
                                    <div class="empty-state compact">
                                        <h3>"Nothing recorded yet"</h3>
                                        <p>"Changes to channels, routings, API tokens and members appear here."</p>
                                    </div>
                                }
                                    .into_any()
                            }
                            Ok(p) => {
                                let base = audit_path(&project.get_untracked());
                                view! {
                                    <table class="table">
                                        <thead>
                                            <tr>
                                                <th scope="col" class="col-time">"When"</th>
                                                <th scope="col" class="col-what">"What happened"</th>
                                                <th scope="col">"Details"</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {p.entries.into_iter().map(|e| view! { <AuditRow entry=e/> }).collect_view()}
                                        </tbody>
                                    </table>
                                    <Pager
                                        summary=format!("{} entries · page {} of {}", p.total, p.page, p.pages)
                                        prev=(p.page > 1).then(|| format!("{base}?page={}", p.page - 1))
                                        next=(p.page < p.pages).then(|| format!("{base}?page={}", p.page + 1))
                                    />
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </SettingsLayout>
    }
}

#[component]
fn AuditRow(entry: AuditEntry) -> impl IntoView {
    view! {
        <tr data-action=entry.action.as_str()>
            <td class="muted nowrap">{format_time(entry.at)}</td>
            <td>
                <span class="strong">{entry.actor.clone()}</span>
                {entry.actor_deleted.then(|| view! { <span class="muted">" (deleted)"</span> })}
                " " {entry.action.verb()} " " {entry.action.subject_kind()} " "
                <span class="strong">{format!("“{}”", entry.subject)}</span>
            </td>
            <td class="muted">{entry.detail.clone().unwrap_or_default()}</td>
        </tr>
    }
}
