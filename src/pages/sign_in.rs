use crate::api::session::{needs_setup, SetUp, SignIn};
use crate::components::{action_error, FieldError, FormAlert};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SignInPage() -> impl IntoView {
    let sign_in = ServerAction::<SignIn>::new();
    let error = action_error(sign_in);
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    let setup = crate::api::resource::load(|| (), |_| needs_setup());

    view! {
        <Title text="Sign in"/>
        <div class="auth-page">
            <section class="card auth-card" aria-labelledby="sign-in-heading">
                <h1 id="sign-in-heading">"Sign in to Herald"</h1>
                <Transition fallback=|| ()>
                    {move || {
                        (setup.get() == Some(Ok(true)))
                            .then(|| {
                                view! {
                                    <div class="alert alert-ok" role="status">
                                        "Herald has no accounts yet. " <a href="/setup">"Create the first one"</a> "."
                                    </div>
                                }
                            })
                    }}
                </Transition>
                <FormAlert error/>
                <ActionForm action=sign_in attr:class="form" attr:novalidate=true>
                    <input type="hidden" name="next" value=next/>
                    <div class="field">
                        <label for="sign-in-username">"Username"</label>
                        <input
                            id="sign-in-username"
                            name="username"
                            type="text"
                            autocomplete="username"
                            autocapitalize="none"
                            spellcheck="false"
                            required
                            autofocus
                            aria-describedby="sign-in-username-error"
                        />
                        <FieldError error field="username" id="sign-in-username-error"/>
                    </div>
                    <div class="field">
                        <label for="sign-in-password">"Password"</label>
                        <input
                            id="sign-in-password"
                            name="password"
                            type="password"
                            autocomplete="current-password"
                            required
                            aria-describedby="sign-in-password-error"
                        />
                        <FieldError error field="password" id="sign-in-password-error"/>
                    </div>
                    <button type="submit" class="button primary wide" disabled=move || sign_in.pending().get()>
                        "Sign in"
                    </button>
                </ActionForm>
                <p class="help">
                    "No account? Ask an instance admin of this Herald to create one. Forgot your password? An admin can set a new one with "
                    <code>"herald admin set-password"</code> "."
                </p>
            </section>
        </div>
    }
}

/// First visit: no account exists yet, so the visitor creates the first
/// one, an instance admin.
#[component]
pub fn SetupPage() -> impl IntoView {
    let set_up = ServerAction::<SetUp>::new();
    let error = action_error(set_up);
    let setup = crate::api::resource::load(|| (), |_| needs_setup());

    view! {
        <Title text="Set up Herald"/>
        <div class="auth-page">
            <section class="card auth-card" aria-labelledby="setup-heading">
                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || {
                        setup
                            .get()
                            .map(|needed| match needed {
                                Ok(false) => {
                                    view! {
                                        <h1 id="setup-heading">"Herald is set up"</h1>
                                        <p>"Accounts exist already. Sign in with yours."</p>
                                        <a class="button primary" href="/sign-in">"Sign in"</a>
                                    }
                                        .into_any()
                                }
                                _ => {
                                    view! {
                                        <h1 id="setup-heading">"Welcome to Herald"</h1>
                                        <p class="muted">
                                            "Create the first account. It becomes the instance admin: it can create projects, add people and manage every project."
                                        </p>
                                        <FormAlert error/>
                                        <ActionForm action=set_up attr:class="form" attr:novalidate=true>
                                            <div class="field">
                                                <label for="setup-username">"Username"</label>
                                                <input
                                                    id="setup-username"
                                                    name="username"
                                                    type="text"
                                                    autocomplete="username"
                                                    autocapitalize="none"
                                                    spellcheck="false"
                                                    required
                                                    autofocus
                                                    aria-describedby="setup-username-help setup-username-error"
                                                />
                                                <p class="help" id="setup-username-help">
                                                    "Lower-case letters, digits, '.', '_' and '-'."
                                                </p>
                                                <FieldError error field="username" id="setup-username-error"/>
                                            </div>
                                            <div class="field">
                                                <label for="setup-password">"Password"</label>
                                                <input
                                                    id="setup-password"
                                                    name="password"
                                                    type="password"
                                                    autocomplete="new-password"
                                                    required
                                                    aria-describedby="setup-password-help setup-password-error"
                                                />
                                                <p class="help" id="setup-password-help">"At least 10 characters."</p>
                                                <FieldError error field="password" id="setup-password-error"/>
                                            </div>
                                            <div class="field">
                                                <label for="setup-password-confirm">"Repeat the password"</label>
                                                <input
                                                    id="setup-password-confirm"
                                                    name="password_confirm"
                                                    type="password"
                                                    autocomplete="new-password"
                                                    required
                                                    aria-describedby="setup-password-confirm-error"
                                                />
                                                <FieldError error field="password_confirm" id="setup-password-confirm-error"/>
                                            </div>
                                            <button type="submit" class="button primary wide" disabled=move || set_up.pending().get()>
                                                "Create account and sign in"
                                            </button>
                                        </ActionForm>
                                    }
                                        .into_any()
                                }
                            })
                    }}
                </Transition>
            </section>
        </div>
    }
}
