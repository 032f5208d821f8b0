use crate::api::channels::channel_path;
use crate::api::dry_run::dry_run_path;
use crate::api::projects::routings_path;
use crate::api::routings::{get_routing, UpdateRoutingFilters};
use crate::components::conditions::ConditionRows;
use crate::components::{
    action_error, use_is_admin, use_project_name, FormAlert, MemberOnly, SettingsLayout,
    SettingsTab,
};
use crate::pages::channels::kind_label;
use crate::pages::not_found::load_error;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// One routing: what it sends where, and the conditions it applies.
#[component]
pub fn RoutingEditPage() -> impl IntoView {
    let project = use_project_name();
    let params = use_params_map();
    let query = use_query_map();
    let id = Signal::derive(move || params.with(|p| p.get("id").unwrap_or_default()));
    let update = ServerAction::<UpdateRoutingFilters>::new();
    let is_admin = use_is_admin();
    let error = action_error(update);
    let saved = Signal::derive(move || query.with(|q| q.get("saved").is_some()));
    // Reload after a successful save only: a refused one keeps what was typed.
    let saves = RwSignal::new(0u64);
    Effect::new(move |_| {
        if update.value().with(|v| matches!(v, Some(Ok(_)))) {
            saves.update(|n| *n += 1);
        }
    });
    let routing = crate::api::resource::load(
        move || (project.get(), id.get(), saves.get()),
        |(project, id, _)| get_routing(project, id),
    );
    view! {
        <SettingsLayout tab=SettingsTab::ProjectNotifications>
            <Transition fallback=|| view! { <p class="muted">"Loading routing…"</p> }>
                {move || {
                    routing
                        .get()
                        .map(|result| match result {
                            Err(e) => load_error(e),
                            Ok(r) => {
                                let p = project.get_untracked();
                                let admin = is_admin.get();
                                let heading = format!("{} → {}", r.event_label, r.channel_name);
                                view! {
                                    <Title text=format!("{heading} · {p}")/>
                                    <p class="back-link">
                                        <a href=routings_path(&p)>"← All routings"</a>
                                    </p>
                                    <div class="section-header">
                                        <div>
                                            <h2>{heading.clone()}</h2>
                                            <p class="muted">
                                                <span class="mono">{r.event_type.clone()}</span>
                                                " to "
                                                <a href=channel_path(&p, &r.channel_id)>{r.channel_name.clone()}</a>
                                                " "
                                                <span class="pill">{kind_label(&r.channel_kind)}</span>
                                            </p>
                                        </div>
                                        {if r.enabled {
                                            view! { <span class="badge badge-ok">"Enabled"</span> }.into_any()
                                        } else {
                                            view! { <span class="badge badge-off">"Disabled"</span> }.into_any()
                                        }}
                                    </div>
                                    {move || {
                                        (saved.get() && error.get().is_none())
                                            .then(|| view! { <div class="alert alert-ok" role="status">"Conditions saved."</div> })
                                    }}
                                    <FormAlert error/>
                                    <section class="card">
                                        <h3>"Conditions"</h3>
                                        <p class="muted" data-testid="conditions-words">
                                            {if r.filters_words.is_empty() {
                                                "Sends every “".to_string() + &r.event_label + "” event."
                                            } else {
                                                format!("Sends “{}” events {}.", r.event_label, r.filters_words)
                                            }}
                                        </p>
                                        <MemberOnly>
                                            <div class="alert alert-info" role="status">
                                                "Only project admins can change a routing's conditions."
                                            </div>
                                        </MemberOnly>
                                        <ActionForm action=update attr:class="form" attr:novalidate=true>
                                            <input type="hidden" name="project" value=p.clone()/>
                                            <input type="hidden" name="id" value=r.id.clone()/>
                                            <fieldset class="plain" disabled=!admin>
                                                <ConditionRows existing=r.filters.clone() error/>
                                            </fieldset>
                                            <div class="button-row">
                                                {admin
                                                    .then(|| {
                                                        view! {
                                                            <button type="submit" class="button primary" disabled=move || update.pending().get()>
                                                                "Save conditions"
                                                            </button>
                                                        }
                                                    })}
                                                <a class="button" href=dry_run_path(&p)>"Try it in a dry run"</a>
                                            </div>
                                        </ActionForm>
                                    </section>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </SettingsLayout>
    }
}
