//! Rows of routing conditions: a data field, how to compare, a value.
use crate::api::AppError;
use crate::components::FieldError;
use crate::domain::filters::{Condition, Op, CONDITIONS_MAX};
use crate::domain::render::sample_data;
use crate::domain::EventType;
use leptos::prelude::*;

/// Every data key the sample events use, for the key field's suggestions.
fn known_keys() -> Vec<String> {
    let mut keys: Vec<String> = EventType::ALL
        .iter()
        .flat_map(|t| sample_data(*t, "", "").keys().cloned().collect::<Vec<_>>())
        .filter(|k| k.starts_with("valohai."))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// `filters[i][key|op|value]` rows: the stored conditions plus blank rows
/// (two without JavaScript; *Add condition* adds more when hydrated).
#[component]
pub fn ConditionRows(
    existing: Vec<Condition>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let rows = RwSignal::new((existing.len() + 2).min(CONDITIONS_MAX));
    let existing = StoredValue::new(existing);
    view! {
        <datalist id="data-keys">
            {known_keys().into_iter().map(|k| view! { <option value=k></option> }).collect_view()}
        </datalist>
        <FieldError error field="filters"/>
        <div class="condition-rows">
            {move || {
                (0..rows.get())
                    .map(|i| {
                        let current = existing.with_value(|e| e.get(i).cloned());
                        let op = current.as_ref().map(|c| c.op).unwrap_or(Op::Eq);
                        let key_id = format!("filter-{i}-key");
                        let op_id = format!("filter-{i}-op");
                        let value_id = format!("filter-{i}-value");
                        view! {
                            <div class="condition-row">
                                <div class="field">
                                    <label for=key_id.clone()>{format!("Condition {} field", i + 1)}</label>
                                    <input
                                        id=key_id
                                        type="text"
                                        list="data-keys"
                                        name=format!("filters[{i}][key]")
                                        value=current.as_ref().map(|c| c.key.clone()).unwrap_or_default()
                                        placeholder=if i == 0 { "valohai.execution-step" } else { "data field" }
                                        autocomplete="off"
                                        spellcheck="false"
                                    />
                                    <FieldError error field=format!("filters[{i}][key]")/>
                                </div>
                                <div class="field">
                                    <label for=op_id.clone()>{format!("Condition {} comparison", i + 1)}</label>
                                    <select id=op_id name=format!("filters[{i}][op]")>
                                        {Op::ALL
                                            .into_iter()
                                            .map(|o| view! { <option value=o.as_str() selected=o == op>{o.label()}</option> })
                                            .collect_view()}
                                    </select>
                                    <FieldError error field=format!("filters[{i}][op]")/>
                                </div>
                                <div class="field">
                                    <label for=value_id.clone()>{format!("Condition {} value", i + 1)}</label>
                                    <input
                                        id=value_id
                                        type="text"
                                        name=format!("filters[{i}][value]")
                                        value=current.as_ref().map(|c| c.value.clone()).unwrap_or_default()
                                        placeholder=if i == 0 { "train*" } else { "value" }
                                        autocomplete="off"
                                    />
                                    <FieldError error field=format!("filters[{i}][value]")/>
                                </div>
                            </div>
                        }
                    })
                    .collect_view()
            }}
        </div>
        <button
            type="button"
            class="button small"
            disabled=move || { rows.get() >= CONDITIONS_MAX }
            on:click=move |_| rows.update(|n| *n = (*n + 1).min(CONDITIONS_MAX))
        >
            "Add condition"
        </button>
        <p class="help">
            "All conditions must hold. A field is a key of the event's data; a glob takes * (anything), ? (one character) and [a-z]. Greater and less than compare numbers, e.g. valohai.execution-duration greater than 600 (seconds). Rows left blank are ignored."
        </p>
    }
}
