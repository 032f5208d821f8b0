//! The fields of *Create a new channel* and of a channel's edit page: the
//! ones the channel's type needs, then its optional message template.
use crate::api::channels::EmailView;
use crate::api::AppError;
use crate::components::template_editor::TemplateEditor;
use crate::components::FieldError;
use crate::domain::smtp::Security;
use crate::domain::template::ChannelTemplate;
use crate::domain::ChannelKind;
use leptos::prelude::*;

/// Values the form starts with.
#[derive(Clone, Debug, Default)]
pub struct ChannelDefaults {
    pub name: String,
    pub url: String,
    pub header_names: Vec<String>,
    pub enabled: bool,
    /// On edit, a blank header value or password keeps the stored one.
    pub editing: bool,
    pub email: Option<EmailView>,
    pub template: Option<ChannelTemplate>,
}

/// The icon-like mark each type shows in pickers and lists.
pub fn kind_mark(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Webhook => "{ }",
        ChannelKind::Slack => "#",
        ChannelKind::Discord => "D",
        ChannelKind::Teams => "T",
        ChannelKind::Email => "@",
    }
}

/// The type chooser of *Create a new channel*: links, so it works without
/// JavaScript; hydrated, the router switches the form in place.
#[component]
pub fn KindPicker(#[prop(into)] current: Signal<ChannelKind>) -> impl IntoView {
    view! {
        <nav class="kind-picker" aria-label="Channel type">
            {ChannelKind::ALL
                .into_iter()
                .map(|kind| {
                    let href = format!("?type={}", kind.as_str());
                    let active = move || current.get() == kind;
                    view! {
                        <a
                            href=href
                            class=move || if active() { "kind-tile active" } else { "kind-tile" }
                            aria-current=move || active().then_some("true")
                            data-kind=kind.as_str()
                        >
                            <span class=format!("kind-mark kind-{}", kind.as_str()) aria-hidden="true">
                                {kind_mark(kind)}
                            </span>
                            <span class="kind-text">
                                <span class="kind-label">{kind.label()}</span>
                                <span class="kind-summary">{kind.summary()}</span>
                            </span>
                        </a>
                    }
                })
                .collect_view()}
        </nav>
    }
}

fn url_copy(kind: ChannelKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        ChannelKind::Slack => (
            "Incoming-webhook URL",
            "https://hooks.slack.com/services/T…/B…/…",
            "From your Slack app: Features → Incoming Webhooks → Add New Webhook to Workspace. Herald sends a message with a header, the linked text and key fields.",
        ),
        ChannelKind::Discord => (
            "Webhook URL",
            "https://discord.com/api/webhooks/…/…",
            "In Discord: Server Settings → Integrations → Webhooks → New Webhook → Copy Webhook URL. Herald posts an embed coloured by outcome; mentions are switched off.",
        ),
        ChannelKind::Teams => (
            "Workflow URL",
            "https://prod-00.westeurope.logic.azure.com/workflows/…",
            "In Teams: a channel's ⋯ → Workflows → “Post to a channel when a webhook request is received”; copy the URL it shows. Herald posts an Adaptive Card.",
        ),
        _ => (
            "URL",
            "https://example.com/hooks/herald",
            "An http or https address that accepts POST requests.",
        ),
    }
}

#[component]
pub fn ChannelFields(
    kind: ChannelKind,
    defaults: ChannelDefaults,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(into)] project: Signal<String>,
) -> impl IntoView {
    let editing = defaults.editing;
    let (url_label, url_placeholder, url_help) = url_copy(kind);
    let destination = match kind {
        ChannelKind::Webhook => view! {
            <div class="field">
                <label for="channel-url">{url_label}</label>
                <input
                    id="channel-url"
                    name="channel[url]"
                    type="url"
                    inputmode="url"
                    value=defaults.url.clone()
                    placeholder=url_placeholder
                    aria-describedby="channel-url-help channel-url-error"
                />
                <p class="help" id="channel-url-help">{url_help}</p>
                <FieldError error field="channel[url]" id="channel-url-error"/>
            </div>
            <HeaderFields names=defaults.header_names.clone() editing error/>
        }
        .into_any(),
        ChannelKind::Email => view! { <SmtpFields email=defaults.email.clone() editing error/> }.into_any(),
        _ => view! {
            <div class="field">
                <label for="channel-url">{url_label}</label>
                <input
                    id="channel-url"
                    name="channel[url]"
                    type="url"
                    inputmode="url"
                    value=defaults.url.clone()
                    placeholder=url_placeholder
                    autocomplete="off"
                    aria-describedby="channel-url-help channel-url-error"
                />
                <p class="help" id="channel-url-help">
                    {url_help}
                    {editing.then_some(" The secret part of the URL is shown as ***; leave it so to keep it.")}
                </p>
                <FieldError error field="channel[url]" id="channel-url-error"/>
            </div>
        }
        .into_any(),
    };

    view! {
        <input type="hidden" name="channel[kind]" value=kind.as_str()/>
        <FieldError error field="channel[kind]"/>
        <div class="field">
            <label for="channel-name">"Name"</label>
            <input
                id="channel-name"
                name="channel[name]"
                type="text"
                maxlength="200"
                value=defaults.name.clone()
                placeholder=match kind {
                    ChannelKind::Email => "e.g. ML team mailbox",
                    ChannelKind::Webhook => "e.g. Training alerts",
                    _ => "e.g. #ml-alerts",
                }
                aria-describedby="channel-name-error"
            />
            <FieldError error field="channel[name]" id="channel-name-error"/>
        </div>
        {destination}
        <div class="field checkbox">
            <input id="channel-enabled" type="checkbox" name="channel[enabled]" checked=defaults.enabled/>
            <label for="channel-enabled">"Enabled — deliver messages to this channel"</label>
        </div>
        <TemplateEditor kind initial=defaults.template.clone().unwrap_or_default() project error/>
    }
}

#[component]
fn HeaderFields(
    names: Vec<String>,
    editing: bool,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    // Existing headers plus two blank rows, so the form works without JavaScript.
    let rows = RwSignal::new(names.len() + 2);
    let names = StoredValue::new(names);
    view! {
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
    }
}

#[component]
fn SmtpFields(
    email: Option<EmailView>,
    editing: bool,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let e = email.clone();
    let security = e
        .as_ref()
        .and_then(|e| Security::parse(&e.security))
        .unwrap_or_default();
    let has_password = e.as_ref().is_some_and(|e| e.has_password);
    let text = |f: fn(&EmailView) -> String| e.as_ref().map(f).unwrap_or_default();
    let port = e.as_ref().map(|e| e.port.to_string()).unwrap_or_default();
    view! {
        <fieldset class="field smtp">
            <legend>"SMTP server"</legend>
            <div class="grid-3">
                <div class="field span-2">
                    <label for="smtp-host">"Host"</label>
                    <input
                        id="smtp-host"
                        name="channel[smtp][host]"
                        type="text"
                        value=text(|e| e.host.clone())
                        placeholder="smtp.example.com"
                        autocomplete="off"
                        aria-describedby="smtp-host-error"
                    />
                    <FieldError error field="channel[smtp][host]" id="smtp-host-error"/>
                </div>
                <div class="field">
                    <label for="smtp-port">"Port"</label>
                    <input
                        id="smtp-port"
                        name="channel[smtp][port]"
                        type="text"
                        inputmode="numeric"
                        value=port
                        placeholder="587"
                        aria-describedby="smtp-port-help smtp-port-error"
                    />
                    <p class="help" id="smtp-port-help">"Blank: the usual port for the security chosen."</p>
                    <FieldError error field="channel[smtp][port]" id="smtp-port-error"/>
                </div>
            </div>
            <div class="field">
                <label for="smtp-security">"Security"</label>
                <select id="smtp-security" name="channel[smtp][security]" aria-describedby="smtp-security-error">
                    {Security::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.as_str() selected=s == security>{s.label()}</option> })
                        .collect_view()}
                </select>
                <FieldError error field="channel[smtp][security]" id="smtp-security-error"/>
            </div>
            <div class="grid-2">
                <div class="field">
                    <label for="smtp-user">"User name " <span class="muted">"(optional)"</span></label>
                    <input
                        id="smtp-user"
                        name="channel[smtp][user]"
                        type="text"
                        value=text(|e| e.user.clone())
                        autocomplete="off"
                        aria-describedby="smtp-user-error"
                    />
                    <FieldError error field="channel[smtp][user]" id="smtp-user-error"/>
                </div>
                <div class="field">
                    <label for="smtp-password">"Password"</label>
                    <input
                        id="smtp-password"
                        name="channel[smtp][password]"
                        type="password"
                        autocomplete="new-password"
                        placeholder=if editing && has_password { "•••••• (unchanged)" } else { "" }
                        aria-describedby="smtp-password-help smtp-password-error"
                    />
                    <p class="help" id="smtp-password-help">
                        {if editing && has_password {
                            "Stored encrypted and never shown again: leave blank to keep it."
                        } else {
                            "Stored encrypted; never shown again."
                        }}
                    </p>
                    <FieldError error field="channel[smtp][password]" id="smtp-password-error"/>
                </div>
            </div>
        </fieldset>
        <div class="field">
            <label for="smtp-from">"From"</label>
            <input
                id="smtp-from"
                name="channel[smtp][from]"
                type="text"
                value=text(|e| e.from.clone())
                placeholder="Herald <herald@example.com>"
                aria-describedby="smtp-from-error"
            />
            <FieldError error field="channel[smtp][from]" id="smtp-from-error"/>
        </div>
        <div class="field">
            <label for="smtp-to">"To"</label>
            <textarea
                id="smtp-to"
                name="channel[smtp][to]"
                rows="2"
                placeholder="ml-team@example.com, oncall@example.com"
                aria-describedby="smtp-to-help smtp-to-error"
            >
                {text(|e| e.to.join(", "))}
            </textarea>
            <p class="help" id="smtp-to-help">"Up to 20 addresses, separated by commas or line breaks. Each message has a plain-text and an HTML part."</p>
            <FieldError error field="channel[smtp][to]" id="smtp-to-error"/>
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
