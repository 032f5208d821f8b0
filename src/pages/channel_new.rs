use crate::api::channels::{channel_path, CreateChannel};
use crate::api::projects::{channels_path, get_project, routings_path};
use crate::components::channel_form::{ChannelDefaults, ChannelFields, SecretReveal};
use crate::components::{
    action_error, use_project_name, FormAlert, MemberOnly, SettingsLayout, SettingsTab,
};
use crate::pages::not_found::load_error;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ChannelNewPage() -> impl IntoView {
    let project = use_project_name();
    let create = ServerAction::<CreateChannel>::new();
    let error = action_error(create);
    let exists = Resource::new(move || project.get(), get_project);
    let defaults = StoredValue::new(ChannelDefaults {
        enabled: true,
        ..Default::default()
    });

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
            {move || match create.value().get() {
                Some(Ok(created)) => {
                    view! {
                        <div class="section-header">
                            <h2>{format!("Channel “{}” created", created.name)}</h2>
                        </div>
                        <SecretReveal secret=created.secret.clone()/>
                        <div class="button-row">
                            <a class="button primary" href=routings_path(&project.get())>
                                "Route events to it"
                            </a>
                            <a class="button" href=channel_path(&project.get(), &created.id)>"View channel"</a>
                            <a class="button" href=channels_path(&project.get())>"Back to channels"</a>
                        </div>
                    }
                        .into_any()
                }
                _ => {
                    view! {
                        <div class="section-header">
                            <div>
                                <h2>"Create a new channel"</h2>
                                <p class="muted">"Where Herald should send this project's notifications."</p>
                            </div>
                        </div>
                        <FormAlert error/>
                        <ActionForm action=create attr:class="form card" attr:novalidate=true>
                            <input type="hidden" name="project" value=project.get_untracked()/>
                            <ChannelFields defaults=defaults.get_value() error/>
                            <div class="button-row">
                                <button type="submit" class="button primary" disabled=move || create.pending().get()>
                                    "Create channel"
                                </button>
                                <a class="button" href=channels_path(&project.get_untracked())>"Cancel"</a>
                            </div>
                        </ActionForm>
                    }
                        .into_any()
                }
            }}
        </SettingsLayout>
    }
}
