use crate::api::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(axum::http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Not found"/>
        <div class="empty-state">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <a class="button" href="/">"Back to projects"</a>
        </div>
    }
}

/// Shown in place of a page whose project or item does not exist.
#[component]
pub fn Missing(#[prop(into)] what: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
            resp.set_status(axum::http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <div class="empty-state">
            <h2>{what}</h2>
            <p>"It may have been deleted, or the address is mistyped."</p>
            <a class="button" href="/">"Back to projects"</a>
        </div>
    }
}

/// What a page shows when its data could not be loaded.
pub fn load_error(error: AppError) -> AnyView {
    match error {
        AppError::NotFound(_) => view! { <Missing what=error.to_string()/> }.into_any(),
        AppError::Unauthorized => view! {
            <div class="alert alert-error" role="alert">
                "Your session has ended. " <a href="/sign-in" rel="external">"Sign in again"</a> "."
            </div>
        }
        .into_any(),
        other => view! { <div class="alert alert-error" role="alert">{other.to_string()}</div> }
            .into_any(),
    }
}
