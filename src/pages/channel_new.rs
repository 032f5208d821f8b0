use crate::api::channels::{channel_path, CreateChannel};
use crate::api::projects::{channels_path, get_project, routings_path};
use crate::components::channel_form::{ChannelDefaults, ChannelFields, KindPicker, SecretReveal};
use crate::components::{
    action_error, use_project_name, FormAlert, MemberOnly, SettingsLayout, SettingsTab,
};
use crate::domain::ChannelKind;
use crate::pages::not_found::load_error;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn ChannelNewPage() -> impl IntoView {
    let project = use_project_name();
    let query = use_query_map();
    // `?type=slack`: the picker's links carry the choice, with or without JavaScript.
    let kind = Signal::derive(move || {
        query.with(|q| {
            q.get("type")
                .and_then(|t| ChannelKind::parse(&t))
                .unwrap_or_default()
        })
    });
    let create = ServerAction::<CreateChannel>::new();
    let error = action_error(create);
    let exists = crate::api::resource::load(move || project.get(), get_project);
    let succeeded = Memo::new(move |_| create.value().with(|v| matches!(v, Some(Ok(_)))));

    view! {
        <Title text=move || format!("New channel · {}", project.get())/>
        <SettingsLayout tab=SettingsTab::Channels>
            <Transition>
                {move || exists.get().and_then(|r| r.err()).map(load_error)}
            </Transition>
            <MemberOnly>
                <div class="alert alert-error" role="alert">
                    "Only project admins can create channels. Ask an admin of this project, listed under Members."
                </div>
            </MemberOnly>
            // Only success swaps the form out: a refused submission keeps
            // everything the user typed.
            <Show
                when=move || succeeded.get()
                fallback=move || {
                    view! {
                        <div class="section-header">
                            <div>
                                <h2>"Create a new channel"</h2>
                                <p class="muted">"Where Herald should send this project's notifications."</p>
                            </div>
                        </div>
                        <KindPicker current=kind/>
                        <FormAlert error/>
                        {move || {
                            let kind = kind.get();
                            view! {
                                <ActionForm action=create attr:class="form card" attr:novalidate=true attr:data-kind=kind.as_str()>
                                    <input type="hidden" name="project" value=project.get_untracked()/>
                                    <ChannelFields
                                        kind
                                        defaults=ChannelDefaults { enabled: true, ..Default::default() }
                                        error
                                        project
                                    />
                                    <div class="button-row">
                                        <button type="submit" class="button primary" disabled=move || create.pending().get()>
                                            "Create channel"
                                        </button>
                                        <a class="button" href=channels_path(&project.get_untracked())>"Cancel"</a>
                                    </div>
                                </ActionForm>
                            }
                        }}
                    }
                }
            >
                {move || {
                    create
                        .value()
                        .get()
                        .and_then(Result::ok)
                        .map(|created| {
                            let kind_label = ChannelKind::parse(&created.kind).unwrap_or_default().label();
                            view! {
                                <div class="section-header">
                                    <div>
                                        <h2>{format!("Channel “{}” created", created.name)}</h2>
                                        <p class="muted">{format!("A {kind_label} channel. Route events to it to start receiving messages.")}</p>
                                    </div>
                                </div>
                                {created.secret.clone().map(|secret| view! { <SecretReveal secret/> })}
                                <div class="button-row">
                                    <a class="button primary" href=routings_path(&project.get())>
                                        "Route events to it"
                                    </a>
                                    <a class="button" href=channel_path(&project.get(), &created.id)>"View channel"</a>
                                    <a class="button" href=channels_path(&project.get())>"Back to channels"</a>
                                </div>
                            }
                        })
                }}
            </Show>
        </SettingsLayout>
    }
}
