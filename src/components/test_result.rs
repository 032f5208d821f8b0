//! The outcome of *Send test*, shown next to the button that sent it.
use crate::api::deliveries::{delivery_path, TestResult};
use crate::api::AppError;
use leptos::prelude::*;

#[component]
pub fn TestOutcome(
    #[prop(into)] result: Signal<Option<Result<TestResult, AppError>>>,
    /// The channel or routing this row shows.
    #[prop(into)]
    subject_id: String,
    #[prop(into)] project: String,
) -> impl IntoView {
    move || {
        result.get().and_then(|r| match r {
            Ok(r) if r.subject_id == subject_id => {
                let href = delivery_path(&project, &r.delivery_id);
                let ok = r.status == "succeeded";
                let text = match (&r.response_status, &r.error) {
                    (Some(code), _) => format!("{} {code}", r.protocol),
                    (None, Some(e)) => e.clone(),
                    (None, None) => "still pending".to_string(),
                };
                let took = r.duration_ms.map(|ms| format!(" in {ms} ms")).unwrap_or_default();
                Some(
                    view! {
                        <div class=if ok { "test-outcome ok" } else { "test-outcome fail" } role="status">
                            {if ok { "Test delivered: " } else { "Test failed: " }}
                            {text}
                            {took}
                            " · "
                            <a href=href>"details"</a>
                        </div>
                    }
                    .into_any(),
                )
            }
            Err(e) => Some(view! { <div class="test-outcome fail" role="alert">{e.to_string()}</div> }.into_any()),
            _ => None,
        })
    }
}
