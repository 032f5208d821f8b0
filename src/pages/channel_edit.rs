use crate::api::channels::{
    get_channel, take_new_secret, DeleteChannel, RotateChannelSecret, UpdateChannel,
};
use crate::api::projects::{channels_path, routings_path};
use crate::components::channel_form::{ChannelDefaults, ChannelFields, SecretReveal};
use crate::components::{
    action_error, format_time, use_is_admin, use_project_name, FormAlert, MemberOnly,
    SettingsLayout, SettingsTab,
};
use crate::pages::channels::{ConfirmDeletePanel, StatusBadge};
use crate::pages::not_found::load_error;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ChannelEditPage() -> impl IntoView {
    let project = use_project_name();
    let params = use_params_map();
    let query = use_query_map();
    let id = Signal::derive(move || params.with(|p| p.get("id").unwrap_or_default()));
    let update = ServerAction::<UpdateChannel>::new();
    let delete = ServerAction::<DeleteChannel>::new();
    let update_error = action_error(update);
    let delete_error = action_error(delete);
    let rotate = ServerAction::<RotateChannelSecret>::new();
    let rotate_error = action_error(rotate);
    // Reload after a successful save only: a refused one keeps what was typed.
    let saves = RwSignal::new(0u64);
    Effect::new(move |_| {
        if update.value().with(|v| matches!(v, Some(Ok(_)))) {
            saves.update(|n| *n += 1);
        }
    });
    let channel = crate::api::resource::load(
        move || (project.get(), id.get(), saves.get(), rotate.version().get()),
        |(project, id, ..)| get_channel(project, id),
    );
    // A browser without JavaScript lands here after creating the channel or
    // rotating its secret, with a token to pick the new secret up once.
    let reveal = Signal::derive(move || {
        query.with(|q| {
            q.get("created")
                .map(|t| (t, "Channel created."))
                .or_else(|| q.get("rotated").map(|t| (t, "Secret rotated.")))
        })
    });
    let new_secret = crate::api::resource::load(
        move || (project.get(), id.get(), reveal.get()),
        |(project, id, reveal)| async move {
            match reveal {
                Some((token, said)) => take_new_secret(project, id, token)
                    .await
                    .ok()
                    .flatten()
                    .map(|secret| (secret, said.to_string())),
                None => None,
            }
        },
    );
    let rotated = move || match rotate.value().get() {
        Some(Ok(done)) => done.secret.map(|s| (s, "Secret rotated.".to_string())),
        _ => new_secret.get().flatten(),
    };
    let saved = Signal::derive(move || query.with(|q| q.get("saved").is_some()));
    let created = Signal::derive(move || query.with(|q| q.get("new").is_some()));
    let is_admin = use_is_admin();

    view! {
        <SettingsLayout tab=SettingsTab::Channels>
            <Transition fallback=|| view! { <p class="muted">"Loading channel…"</p> }>
                {move || {
                    channel
                        .get()
                        .map(|result| match result {
                            Err(e) => load_error(e),
                            Ok(c) => {
                                let kind = c.channel_kind();
                                let admin = is_admin.get();
                                let defaults = ChannelDefaults {
                                    name: c.name.clone(),
                                    url: c.url_masked.clone(),
                                    header_names: c.header_names.clone(),
                                    enabled: c.enabled,
                                    editing: true,
                                    email: c.email.clone(),
                                    template: c.template.clone(),
                                };
                                let title = format!("{} · {}", c.name, project.get_untracked());
                                let update_id = c.id.clone();
                                let rotate_id = c.id.clone();
                                let delete_id = c.id.clone();
                                view! {
                                    <Title text=title/>
                                    <p class="back-link">
                                        <a href=channels_path(&project.get_untracked())>"← All channels"</a>
                                    </p>
                                    <div class="section-header">
                                        <div>
                                            <h2>{c.name.clone()}</h2>
                                            <p class="muted">
                                                <span class="pill">{kind.label()}</span>
                                                " · created " {format_time(c.created_at)} " · "
                                                {format!("{} routing{}", c.routing_count, if c.routing_count == 1 { "" } else { "s" })}
                                            </p>
                                        </div>
                                        <StatusBadge enabled=c.enabled reason=c.disabled_reason.clone()/>
                                    </div>
                                    <Transition>
                                        {move || {
                                            rotated()
                                                .map(|(secret, said)| {
                                                    view! {
                                                        <div class="alert alert-ok" role="status">{said}</div>
                                                        <SecretReveal secret/>
                                                    }
                                                })
                                        }}
                                    </Transition>
                                    {move || {
                                        (saved.get() && update_error.get().is_none())
                                            .then(|| view! { <div class="alert alert-ok" role="status">"Changes saved."</div> })
                                    }}
                                    {move || {
                                        created
                                            .get()
                                            .then(|| view! { <div class="alert alert-ok" role="status">"Channel created."</div> })
                                    }}
                                    <FormAlert error=update_error/>
                                    <MemberOnly>
                                        <div class="alert alert-info" role="status">
                                            "You are a member of this project: you can see this channel and send tests; only admins can change it."
                                        </div>
                                    </MemberOnly>
                                    <ActionForm action=update attr:class="form card" attr:novalidate=true>
                                        <input type="hidden" name="project" value=project.get_untracked()/>
                                        <input type="hidden" name="id" value=update_id.clone()/>
                                        <fieldset class="plain" disabled=!admin>
                                            <ChannelFields kind defaults=defaults.clone() error=update_error project/>
                                            {admin.then(|| view! {
                                                <div class="button-row">
                                                    <button type="submit" class="button primary" disabled=move || update.pending().get()>
                                                        "Save changes"
                                                    </button>
                                                    <a class="button" href=channels_path(&project.get_untracked())>"Cancel"</a>
                                                </div>
                                            })}
                                        </fieldset>
                                    </ActionForm>
                                    {kind.is_signed().then(|| view! {
                                    <section class="card">
                                        <h3>"Signing secret"</h3>
                                        <p class="muted">
                                            "Every message carries " <code>"webhook-id"</code> ", " <code>"webhook-timestamp"</code>
                                            " and " <code>"webhook-signature"</code>
                                            " headers (Standard Webhooks). A secret is shown once: when the channel is created or the secret rotated."
                                        </p>
                                        <p class="mono secret-masked">"whsec_••••••••••••••••••••••••"</p>
                                        {c.previous_secret_until
                                            .map(|until| {
                                                view! {
                                                    <p class="alert alert-ok">
                                                        "Rotation in progress: the previous secret also signs every message until "
                                                        {format_time(until)} "."
                                                    </p>
                                                }
                                            })}
                                        <FormAlert error=rotate_error/>
                                        {admin.then(|| view! {
                                        <ActionForm action=rotate attr:class="inline-form">
                                            <input type="hidden" name="project" value=project.get_untracked()/>
                                            <input type="hidden" name="id" value=rotate_id.clone()/>
                                            <button type="submit" class="button" disabled=move || rotate.pending().get()>
                                                "Rotate secret"
                                            </button>
                                        </ActionForm>
                                        })}
                                        <p class="help">"The old secret keeps signing alongside the new one for 24 hours, so receivers can switch without missing a message."</p>
                                    </section>
                                    })}
                                    {admin.then(|| view! {
                                    <section class="card danger-zone">
                                        <h3>"Delete this channel"</h3>
                                        <p class="muted">
                                            {if c.routing_count > 0 {
                                                format!(
                                                    "{} routing{} use this channel; you will be asked to confirm deleting {} too.",
                                                    c.routing_count,
                                                    if c.routing_count == 1 { "" } else { "s" },
                                                    if c.routing_count == 1 { "it" } else { "them" },
                                                )
                                            } else {
                                                "No routings use this channel.".to_string()
                                            }}
                                        </p>
                                        <FormAlert error=delete_error/>
                                        <ConfirmDeletePanel delete project/>
                                        <ActionForm action=delete attr:class="inline-form">
                                            <input type="hidden" name="project" value=project.get_untracked()/>
                                            <input type="hidden" name="id" value=delete_id.clone()/>
                                            <button type="submit" class="button danger">"Delete channel"</button>
                                        </ActionForm>
                                        " "
                                        <a class="button" href=routings_path(&project.get_untracked())>"See routings"</a>
                                    </section>
                                    })}
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </SettingsLayout>
    }
}
