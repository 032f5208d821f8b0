//! The fields of *Create a new channel* and of a channel's edit page.
use crate::api::AppError;
use crate::components::FieldError;
use leptos::prelude::*;

/// Values the form starts with.
#[derive(Clone, Debug, Default)]
pub struct ChannelDefaults {
    pub name: String,
    pub url: String,
    pub header_names: Vec<String>,
    pub enabled: bool,
    /// On edit, a blank header value keeps the stored one.
    pub editing: bool,
}

#[component]
pub fn ChannelFields(
    defaults: ChannelDefaults,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    // Existing headers plus two blank rows, so the form works without JavaScript.
    let initial_rows = defaults.header_names.len() + 2;
    let rows = RwSignal::new(initial_rows);
    let names = StoredValue::new(defaults.header_names.clone());
    let editing = defaults.editing;

    view! {
        <div class="field">
            <label for="channel-type">"Type"</label>
            <select id="channel-type" name="channel[kind]" disabled=true>
                <option value="webhook" selected=true>"Webhook"</option>
            </select>
            <p class="help">"Herald POSTs the Valohai-compatible JSON message, signed per Standard Webhooks."</p>
        </div>
        <div class="field">
            <label for="channel-name">"Name"</label>
            <input
                id="channel-name"
                name="channel[name]"
                type="text"
                maxlength="200"
                value=defaults.name
                placeholder="e.g. Training alerts"
                aria-describedby="channel-name-error"
            />
            <FieldError error field="channel[name]" id="channel-name-error"/>
        </div>
        <div class="field">
            <label for="channel-url">"URL"</label>
            <input
                id="channel-url"
                name="channel[url]"
                type="url"
                inputmode="url"
                value=defaults.url
                placeholder="https://example.com/hooks/herald"
                aria-describedby="channel-url-help channel-url-error"
            />
            <p class="help" id="channel-url-help">"An http or https address that accepts POST requests."</p>
            <FieldError error field="channel[url]" id="channel-url-error"/>
        </div>
        <fieldset class="field headers">
            <legend>"Custom headers " <span class="muted">"(optional)"</span></legend>
            <p class="help">
                {if editing {
                    "Sent with every request, e.g. an API key. Stored values are never shown again: leave a value blank to keep it."
                } else {
                    "Sent with every request, e.g. an API key for your receiver."
                }}
            </p>
            <FieldError error field="channel[headers]"/>
            <div class="header-rows">
                {move || {
                    (0..rows.get())
                        .map(|i| {
                            let name = names.with_value(|n| n.get(i).cloned()).unwrap_or_default();
                            let stored = editing && !name.is_empty();
                            let name_id = format!("header-{i}-name");
                            let value_id = format!("header-{i}-value");
                            view! {
                                <div class="header-row">
                                    <div class="field">
                                        <label for=name_id.clone()>{format!("Header {} name", i + 1)}</label>
                                        <input
                                            id=name_id
                                            type="text"
                                            name=format!("channel[headers][{i}][name]")
                                            value=name
                                            placeholder="X-Api-Key"
                                            autocomplete="off"
                                        />
                                        <FieldError error field=format!("channel[headers][{i}][name]")/>
                                    </div>
                                    <div class="field">
                                        <label for=value_id.clone()>{format!("Header {} value", i + 1)}</label>
                                        <input
                                            id=value_id
                                            type="text"
                                            name=format!("channel[headers][{i}][value]")
                                            placeholder=if stored { "•••••• (unchanged)" } else { "value" }
                                            autocomplete="off"
                                        />
                                        <FieldError error field=format!("channel[headers][{i}][value]")/>
                                    </div>
                                </div>
                            }
                        })
                        .collect_view()
                }}
            </div>
            <button type="button" class="button small" on:click=move |_| rows.update(|n| *n += 1)>
                "Add header"
            </button>
        </fieldset>
        <div class="field checkbox">
            <input id="channel-enabled" type="checkbox" name="channel[enabled]" checked=defaults.enabled/>
            <label for="channel-enabled">"Enabled — deliver messages to this channel"</label>
        </div>
    }
}

/// The signing secret, shown once right after creation.
#[component]
pub fn SecretReveal(secret: String) -> impl IntoView {
    view! {
        <div class="secret-panel" role="status">
            <h3>"Signing secret"</h3>
            <p>
                "Copy it now: Herald will not show it again. Your receiver uses it to verify the "
                <code>"webhook-signature"</code> " header of every message."
            </p>
            <label class="sr-only" for="new-secret">"Signing secret"</label>
            <input id="new-secret" class="mono secret" type="text" readonly=true value=secret/>
        </div>
    }
}
