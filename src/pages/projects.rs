use crate::api::projects::{channels_path, list_projects, CreateProject};
use crate::components::{action_error, format_time, FieldError, FormAlert};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ProjectsPage() -> impl IntoView {
    let create = ServerAction::<CreateProject>::new();
    let error = action_error(create);
    let projects = crate::api::resource::load(move || create.version().get(), |_| list_projects());

    view! {
        <Title text="Projects"/>
        <div class="page-header">
            <div>
                <h1>"Projects"</h1>
                <p class="lead">
                    "Each project decides which events reach which channels: Slack-style webhooks, your own services, anything that speaks HTTP."
                </p>
            </div>
        </div>

        <section class="card" aria-labelledby="new-project-heading">
            <h2 id="new-project-heading">"Create a project"</h2>
            <ActionForm action=create attr:class="form-inline" attr:novalidate=true>
                <div class="field grow">
                    <label for="project-name">"Project name"</label>
                    <input
                        id="project-name"
                        name="name"
                        type="text"
                        placeholder="owner/name, e.g. demo/cool-tensorflow"
                        autocomplete="off"
                        required
                        aria-describedby="project-name-help project-name-error"
                    />
                    <p class="help" id="project-name-help">
                        "Letters, digits, '-', '_' and '.', as owner/name."
                    </p>
                    <FieldError error field="name" id="project-name-error"/>
                </div>
                <button type="submit" class="button primary" disabled=move || create.pending().get()>
                    "Create project"
                </button>
            </ActionForm>
            <FormAlert error/>
        </section>

        <Transition fallback=|| view! { <p class="muted">"Loading projects…"</p> }>
            {move || {
                projects
                    .get()
                    .map(|result| match result {
                        Err(e) => view! { <div class="alert alert-error">{e.to_string()}</div> }.into_any(),
                        Ok(list) if list.is_empty() => {
                            view! {
                                <div class="empty-state">
                                    <h2>"No projects yet"</h2>
                                    <p>
                                        "Create your first project above. Then add a channel — where messages go — and a routing that sends events to it."
                                    </p>
                                </div>
                            }
                                .into_any()
                        }
                        Ok(list) => {
                            view! {
                                <table class="table">
                                    <thead>
                                        <tr>
                                            <th scope="col">"Project"</th>
                                            <th scope="col" class="num">"Channels"</th>
                                            <th scope="col" class="num">"Routings"</th>
                                            <th scope="col">"Created"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|p| {
                                                view! {
                                                    <tr>
                                                        <td>
                                                            <a class="strong" href=channels_path(&p.name)>{p.name.clone()}</a>
                                                        </td>
                                                        <td class="num">{p.channels}</td>
                                                        <td class="num">{p.routings}</td>
                                                        <td class="muted">{format_time(p.created_at)}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}
