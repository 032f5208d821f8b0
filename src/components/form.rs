//! Showing what the server said about a submitted form.
use crate::api::AppError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

/// The error of an action's last run, if it failed.
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || {
        action.value().with(|v| match v {
            Some(Err(e)) => Some(e.clone()),
            _ => None,
        })
    })
}

/// The message for one field, shown under its input.
#[component]
pub fn FieldError(
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(into)] field: String,
    /// The `id` this message gets, for the input's `aria-describedby`.
    #[prop(into, optional)]
    id: Option<String>,
) -> impl IntoView {
    let message = move || error.with(|e| e.as_ref().and_then(|e| e.field(&field)));
    move || {
        message().map(|m| {
            view! {
                <p class="field-error" id=id.clone() role="alert">
                    {m}
                </p>
            }
        })
    }
}

/// Errors that belong to no single field: not found, server trouble.
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.with(|e| match e {
            Some(AppError::Invalid(_)) | Some(AppError::ConfirmDelete { .. }) | None => None,
            Some(other) => Some(view! {
                <div class="alert alert-error" role="alert">
                    {other.to_string()}
                </div>
            }),
        })
    }
}

/// A form that empties itself once `action` succeeds, ready for the next
/// entry (a failed submission keeps what was typed, to be corrected).
pub fn reset_on_success<S>(action: ServerAction<S>) -> NodeRef<leptos::html::Form>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        let succeeded = action.value().with(|v| matches!(v, Some(Ok(_))));
        if succeeded {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    form
}
