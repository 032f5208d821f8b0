use crate::api::tokens::{list_tokens, take_new_token, CreateToken, RevokeToken, TokenView};
use crate::components::{
    action_error, format_time, use_project_name, AdminOnly, FieldError, FormAlert, SettingsLayout,
    SettingsTab,
};
use crate::pages::not_found::load_error;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn TokensPage() -> impl IntoView {
    let project = use_project_name();
    let query = use_query_map();
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let create_error = action_error(create);
    let revoke_error = action_error(revoke);
    let tokens = crate::api::resource::load(
        move || {
            (
                project.get(),
                create.version().get(),
                revoke.version().get(),
            )
        },
        |(project, ..)| list_tokens(project),
    );
    // Without JavaScript the new token arrives through a one-time reveal.
    let parked = crate::api::resource::load(
        move || (project.get(), query.with(|q| q.get("created"))),
        |(project, reveal)| async move {
            match reveal {
                Some(reveal) => take_new_token(project, reveal).await.ok().flatten(),
                None => None,
            }
        },
    );
    let fresh = move || match create.value().get() {
        Some(Ok(created)) => Some(created.token),
        _ => parked.get().flatten(),
    };

    view! {
        <Title text=move || format!("API tokens · {}", project.get())/>
        <SettingsLayout tab=SettingsTab::ApiTokens>
            <div class="section-header">
                <div>
                    <h2>"API tokens"</h2>
                    <p class="muted">
                        "Your platform posts events with a project token: "
                        <code>"POST /api/v1/events"</code> " with " <code>"Authorization: Bearer hrld_…"</code> "."
                    </p>
                </div>
            </div>
            <Transition>
                {move || {
                    fresh()
                        .map(|token| {
                            view! {
                                <div class="secret-panel" role="status">
                                    <h3>"New API token"</h3>
                                    <p>"Copy it now: Herald stores only a hash and cannot show it again."</p>
                                    <label class="sr-only" for="new-token">"API token"</label>
                                    <input id="new-token" class="mono secret" type="text" readonly=true value=token/>
                                </div>
                            }
                        })
                }}
            </Transition>
            <AdminOnly>
                <section class="card" aria-labelledby="new-token-heading">
                    <h3 id="new-token-heading">"Create a token"</h3>
                    <FormAlert error=create_error/>
                    <ActionForm action=create attr:class="form-inline" attr:novalidate=true>
                        <input type="hidden" name="project" value=project.get_untracked()/>
                        <div class="field grow">
                            <label for="token-name">"Token name"</label>
                            <input
                                id="token-name"
                                name="name"
                                type="text"
                                placeholder="e.g. Training cluster"
                                autocomplete="off"
                                aria-describedby="token-name-error"
                            />
                            <FieldError error=create_error field="name" id="token-name-error"/>
                        </div>
                        <button type="submit" class="button primary" disabled=move || create.pending().get()>
                            "Create token"
                        </button>
                    </ActionForm>
                </section>
            </AdminOnly>
            <FormAlert error=revoke_error/>
            <Transition fallback=|| view! { <p class="muted">"Loading tokens…"</p> }>
                {move || {
                    tokens
                        .get()
                        .map(|result| match result {
                            Err(e) => load_error(e),
                            Ok(list) if list.is_empty() => {
                                view! {
                                    <div class="empty-state compact">
                                        <h3>"No tokens yet"</h3>
                                        <p>"Create one for each system that reports events, so you can revoke them one by one."</p>
                                    </div>
                                }
                                    .into_any()
                            }
                            Ok(list) => view! { <TokenTable list project revoke/> }.into_any(),
                        })
                }}
            </Transition>
        </SettingsLayout>
    }
}

#[component]
fn TokenTable(
    list: Vec<TokenView>,
    project: Signal<String>,
    revoke: ServerAction<RevokeToken>,
) -> impl IntoView {
    view! {
        <table class="table">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Token"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col" class="actions-col">
                        <span class="sr-only">"Actions"</span>
                    </th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|t| {
                        let revoked = t.revoked_at.is_some();
                        let id = t.id.clone();
                        let aria = format!("Revoke token {}", t.name);
                        view! {
                            <tr>
                                <td class="strong">{t.name.clone()}</td>
                                <td class="mono">{format!("{}…", t.prefix)}</td>
                                <td class="muted">{format_time(t.created_at)}</td>
                                <td class="muted">{t.last_used_at.map(format_time).unwrap_or_else(|| "Never".into())}</td>
                                <td>
                                    {if revoked {
                                        view! { <span class="badge badge-off">"Revoked"</span> }.into_any()
                                    } else {
                                        view! { <span class="badge badge-ok">"Active"</span> }.into_any()
                                    }}
                                </td>
                                <td class="row-actions">
                                    {(!revoked)
                                        .then(|| {
                                            view! {
                                                <ActionForm action=revoke attr:class="inline-form">
                                                    <input type="hidden" name="project" value=project.get_untracked()/>
                                                    <input type="hidden" name="id" value=id.clone()/>
                                                    <button type="submit" class="button small danger" aria-label=aria.clone()>
                                                        "Revoke"
                                                    </button>
                                                </ActionForm>
                                            }
                                        })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
