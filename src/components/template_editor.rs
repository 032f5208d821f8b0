//! The message template editor: a text area per part, and beside it a live
//! preview that the server renders (debounced while the user types) for a
//! sample event of the user's choice.
use crate::api::templates::{preview_template, PreviewPart};
use crate::api::AppError;
use crate::components::FieldError;
use crate::domain::template::{example, ChannelTemplate, Part, VARIABLES};
use crate::domain::{ChannelKind, EventGroup, EventType};
use leptos::prelude::*;
use std::time::Duration;

/// How long typing must pause before the preview is asked for.
const DEBOUNCE: Duration = Duration::from_millis(300);

fn set_part(t: &mut ChannelTemplate, part: Part, value: String) {
    match part {
        Part::Body => t.body = value,
        Part::Subject => t.subject = value,
        Part::Text => t.text = value,
        Part::Html => t.html = value,
    }
}

#[component]
pub fn TemplateEditor(
    kind: ChannelKind,
    initial: ChannelTemplate,
    #[prop(into)] project: Signal<String>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let first_event = EventType::ExecutionCompleted;
    let draft = RwSignal::new(initial.clone());
    let event = RwSignal::new(first_event);
    let settled = RwSignal::new((initial.clone(), first_event));
    let generation = StoredValue::new(0u64);
    // Each keystroke starts a timer; only the last one asks the server.
    let schedule = move || {
        generation.update_value(|g| *g += 1);
        let mine = generation.get_value();
        set_timeout(
            move || {
                if generation.get_value() == mine {
                    settled.set((draft.get_untracked(), event.get_untracked()));
                }
            },
            DEBOUNCE,
        );
    };
    let preview = crate::api::resource::load(
        move || (project.get(), settled.get()),
        move |(project, (template, event))| {
            preview_template(
                project,
                kind.as_str().to_string(),
                event.as_str().to_string(),
                template,
            )
        },
    );
    let saved_custom = !initial.is_default_for(kind);
    let custom = move || !draft.with(|t| t.is_default_for(kind));
    let parts = Part::for_kind(kind);

    view! {
        <section class="template-section" aria-labelledby="template-heading">
            <div class="template-head">
                <div>
                    <h3 id="template-heading">"Message"</h3>
                    <p class="help">
                        {if saved_custom {
                            "This channel sends your template. Clear a part to send Herald's default for it."
                        } else {
                            "This channel sends Herald's default message, previewed on the right. Write a template to send your own; blank parts keep the default."
                        }}
                    </p>
                </div>
                <span class=move || if custom() { "badge badge-ok" } else { "badge badge-off" }>
                    {move || if custom() { "Custom template" } else { "Default message" }}
                </span>
            </div>
            <div class="template-grid">
                <div class="template-edit">
                    {parts
                        .iter()
                        .map(|&part| {
                            let field = part.field();
                            let id = format!("template-{}", part.as_str());
                            let help_id = format!("{id}-error");
                            let source = initial.get(part).to_string();
                            let on_input = move |ev| {
                                let value = event_target_value(&ev);
                                draft.update(|t| set_part(t, part, value));
                                schedule();
                            };
                            let use_example = move |_| {
                                draft.update(|t| set_part(t, part, example(kind, part).to_string()));
                                schedule();
                            };
                            let current = move || draft.with(|t| t.get(part).to_string());
                            let input = if part == Part::Subject {
                                view! {
                                    <input
                                        id=id.clone()
                                        name=field.clone()
                                        type="text"
                                        class="code-input"
                                        value=source
                                        prop:value=current
                                        spellcheck="false"
                                        autocomplete="off"
                                        placeholder="{{ title }}"
                                        aria-describedby=help_id.clone()
                                        on:input=on_input
                                    />
                                }
                                    .into_any()
                            } else {
                                view! {
                                    <textarea
                                        id=id.clone()
                                        name=field.clone()
                                        class="code-input"
                                        rows=if part == Part::Body { "14" } else { "8" }
                                        spellcheck="false"
                                        prop:value=current
                                        placeholder="Blank: Herald's default"
                                        aria-describedby=help_id.clone()
                                        on:input=on_input
                                    >
                                        {source}
                                    </textarea>
                                }
                                    .into_any()
                            };
                            view! {
                                <div class="field">
                                    <div class="label-row">
                                        <label for=id>{part.label()}</label>
                                        <button type="button" class="link-button" on:click=use_example>
                                            "Start from an example"
                                        </button>
                                    </div>
                                    {input}
                                    <FieldError error field=field id=help_id/>
                                </div>
                            }
                        })
                        .collect_view()}
                    <details class="variables">
                        <summary>"Variables and syntax"</summary>
                        <p class="help">
                            "Templates use Jinja syntax: " <code>"{{ title }}"</code> ", "
                            <code>"{% for f in facts %}…{% endfor %}"</code> ", "
                            <code>"{{ data[\"valohai.execution-step\"]|default(\"\") }}"</code> ", "
                            <code>"{{ data[\"valohai.execution-duration\"]|duration }}"</code> "."
                            {if kind.is_http() {
                                " In a JSON body every value is written as JSON, quotes included: write "
                            } else {
                                ""
                            }}
                            {kind.is_http().then(|| view! { <code>"\"text\": {{ title }}"</code> })}
                            {if kind.is_http() { ", not " } else { "" }}
                            {kind.is_http().then(|| view! { <code>"\"text\": \"{{ title }}\""</code> })}
                            {if kind.is_http() { "." } else { " HTML parts escape every value; body_html is ready-made markup." }}
                        </p>
                        <dl class="variable-list">
                            {VARIABLES
                                .iter()
                                .map(|(name, meaning)| view! { <dt><code>{*name}</code></dt> <dd>{*meaning}</dd> })
                                .collect_view()}
                        </dl>
                        <p class="help">
                            "A template is checked against a sample of every event type when you save, and never saved broken. Each render is limited in steps and output size; templates cannot read files or other templates."
                        </p>
                    </details>
                </div>
                <div class="template-preview">
                    <div class="preview-head">
                        <label for="preview-event">"Preview with a sample of"</label>
                        <select
                            id="preview-event"
                            on:change=move |ev| {
                                if let Some(t) = EventType::parse(&event_target_value(&ev)) {
                                    event.set(t);
                                    settled.set((draft.get_untracked(), t));
                                }
                            }
                        >
                            {EventGroup::ALL
                                .into_iter()
                                .map(|group| {
                                    view! {
                                        <optgroup label=group.label()>
                                            {group
                                                .event_types()
                                                .map(|t| view! { <option value=t.as_str() selected=t == first_event>{t.label()}</option> })
                                                .collect_view()}
                                        </optgroup>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </div>
                    <div class="preview-body" aria-live="polite" data-testid="template-preview">
                        <Transition fallback=|| view! { <p class="muted">"Rendering…"</p> }>
                            {move || {
                                preview
                                    .get()
                                    .map(|result| match result {
                                        Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
                                        Ok(p) => {
                                            let problems = p
                                                .problems
                                                .iter()
                                                .map(|problem| {
                                                    view! {
                                                        <div class="alert alert-error preview-problem" role="alert">
                                                            <strong>{problem.label.clone()}</strong>
                                                            " — "
                                                            {problem.describe()}
                                                        </div>
                                                    }
                                                })
                                                .collect_view();
                                            view! {
                                                {problems}
                                                <MessageParts parts=p.parts/>
                                            }
                                                .into_any()
                                        }
                                    })
                            }}
                        </Transition>
                    </div>
                </div>
            </div>
        </section>
    }
}

/// What a channel sends, part by part: JSON and text as code, HTML in a
/// sandboxed frame (no scripts, no same-origin access).
#[component]
pub fn MessageParts(parts: Vec<PreviewPart>) -> impl IntoView {
    parts
        .into_iter()
        .map(|part| {
            let label = view! {
                <h5>
                    {part.label.clone()}
                    {part.custom.then(|| view! { <span class="pill pill-accent">"template"</span> })}
                </h5>
            };
            if part.is_html {
                view! {
                    {label}
                    <HtmlFrame html=part.content.clone() title=format!("{} preview", part.label)/>
                }
                    .into_any()
            } else if part.part == "subject" {
                view! {
                    {label}
                    <p class="subject-line" data-part="subject">{part.content.clone()}</p>
                }
                    .into_any()
            } else {
                view! {
                    {label}
                    <pre class="code small" data-part=part.part.clone()>{part.content.clone()}</pre>
                }
                    .into_any()
            }
        })
        .collect_view()
}

/// HTML in a sandboxed frame: no scripts, no access to Herald's origin.
/// Keyed by its content, so the frame is created afresh when the content
/// changes and left alone when it does not: reusing a frame and rewriting
/// its attributes makes it reload, and overlapping reloads can leave it blank.
#[component]
fn HtmlFrame(html: String, title: String) -> impl IntoView {
    let frames = vec![(html, title)];
    view! {
        <For each=move || frames.clone() key=|(html, _)| html.clone() let:frame>
            <iframe class="html-frame" sandbox="" srcdoc=frame.0 title=frame.1></iframe>
        </For>
    }
}
