use crate::api::users::{
    list_sessions, ChangePassword, RevokeSession, SessionView, SignOutElsewhere,
};
use crate::components::form::reset_on_success;
use crate::components::{action_error, format_time, FieldError, FormAlert};
use crate::pages::not_found::load_error;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let revoke = ServerAction::<RevokeSession>::new();
    let elsewhere = ServerAction::<SignOutElsewhere>::new();
    let change_error = action_error(change);
    let revoke_error = action_error(revoke);
    let change_form = reset_on_success(change);
    let sessions = crate::api::resource::load(
        move || {
            (
                change.version().get(),
                revoke.version().get(),
                elsewhere.version().get(),
            )
        },
        |_| list_sessions(),
    );
    let changed = move || matches!(change.value().get(), Some(Ok(())));

    view! {
        <Title text="Your account"/>
        <div class="page-header">
            <div>
                <h1>"Your account"</h1>
                <p class="lead">"Your password and the browsers you are signed in with."</p>
            </div>
        </div>
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Change your password"</h2>
            {move || {
                changed()
                    .then(|| {
                        view! {
                            <div class="alert alert-ok" role="status">
                                "Password changed. Your other sessions were signed out."
                            </div>
                        }
                    })
            }}
            <FormAlert error=change_error/>
            <ActionForm action=change node_ref=change_form attr:class="form narrow" attr:novalidate=true>
                <div class="field">
                    <label for="current-password">"Current password"</label>
                    <input id="current-password" name="current_password" type="password" autocomplete="current-password" required aria-describedby="current-password-error"/>
                    <FieldError error=change_error field="current_password" id="current-password-error"/>
                </div>
                <div class="field">
                    <label for="new-password">"New password"</label>
                    <input id="new-password" name="new_password" type="password" autocomplete="new-password" required aria-describedby="new-password-help new-password-error"/>
                    <p class="help" id="new-password-help">"At least 10 characters."</p>
                    <FieldError error=change_error field="new_password" id="new-password-error"/>
                </div>
                <div class="field">
                    <label for="new-password-confirm">"Repeat the new password"</label>
                    <input id="new-password-confirm" name="new_password_confirm" type="password" autocomplete="new-password" required aria-describedby="new-password-confirm-error"/>
                    <FieldError error=change_error field="new_password_confirm" id="new-password-confirm-error"/>
                </div>
                <div class="button-row">
                    <button type="submit" class="button primary" disabled=move || change.pending().get()>
                        "Change password"
                    </button>
                </div>
            </ActionForm>
        </section>
        <section aria-labelledby="sessions-heading">
            <div class="section-header">
                <div>
                    <h2 id="sessions-heading">"Sessions"</h2>
                    <p class="muted">"Every browser signed in to your account. Sign out the ones you do not recognise."</p>
                </div>
                <ActionForm action=elsewhere attr:class="inline-form">
                    <button type="submit" class="button" disabled=move || elsewhere.pending().get()>
                        "Sign out everywhere else"
                    </button>
                </ActionForm>
            </div>
            <FormAlert error=revoke_error/>
            <Transition fallback=|| view! { <p class="muted">"Loading sessions…"</p> }>
                {move || {
                    sessions
                        .get()
                        .map(|result| match result {
                            Err(e) => load_error(e),
                            Ok(list) => view! { <SessionTable list revoke/> }.into_any(),
                        })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn SessionTable(list: Vec<SessionView>, revoke: ServerAction<RevokeSession>) -> impl IntoView {
    view! {
        <table class="table">
            <thead>
                <tr>
                    <th scope="col">"Browser"</th>
                    <th scope="col">"Address"</th>
                    <th scope="col">"Signed in"</th>
                    <th scope="col">"Last active"</th>
                    <th scope="col">"Ends"</th>
                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|s| {
                        let browser = s.user_agent.as_deref().map(browser_name).unwrap_or("Unknown browser");
                        view! {
                            <tr>
                                <td>
                                    <span class="strong">{browser}</span>
                                    {s.current.then(|| view! { " " <span class="badge badge-ok">"This browser"</span> })}
                                    <div class="muted small url-cell" title=s.user_agent.clone().unwrap_or_default()>
                                        {s.user_agent.clone().unwrap_or_default()}
                                    </div>
                                </td>
                                <td class="mono">{s.address.clone().unwrap_or_else(|| "—".into())}</td>
                                <td class="muted">{format_time(s.created_at)}</td>
                                <td class="muted">{format_time(s.last_seen_at)}</td>
                                <td class="muted">{format_time(s.expires_at)}</td>
                                <td class="row-actions">
                                    {(!s.current)
                                        .then(|| {
                                            view! {
                                                <ActionForm action=revoke attr:class="inline-form">
                                                    <input type="hidden" name="id" value=s.id.clone()/>
                                                    <button type="submit" class="button small danger" aria-label=format!("Sign out {browser} session")>
                                                        "Sign out"
                                                    </button>
                                                </ActionForm>
                                            }
                                        })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// A readable name for a User-Agent string.
pub fn browser_name(user_agent: &str) -> &'static str {
    // Order matters: Edge and Chrome also claim Safari; Edge also claims Chrome.
    let browsers = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("HeadlessChrome/", "Chrome (headless)"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
        ("reqwest", "Script"),
    ];
    browsers
        .iter()
        .find(|(needle, _)| user_agent.contains(needle))
        .map(|(_, name)| *name)
        .unwrap_or("Other")
}

#[cfg(test)]
mod tests {
    use super::browser_name;

    #[test]
    fn browsers_are_named() {
        assert_eq!(
            browser_name("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"),
            "Chrome"
        );
        assert_eq!(
            browser_name("Mozilla/5.0 (X11; rv:128.0) Gecko/20100101 Firefox/128.0"),
            "Firefox"
        );
        assert_eq!(
            browser_name("Mozilla/5.0 Version/17.5 Safari/605.1.15"),
            "Safari"
        );
        assert_eq!(browser_name("curl/8.5.0"), "curl");
        assert_eq!(browser_name("something"), "Other");
    }
}
