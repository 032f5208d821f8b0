use crate::api::users::{list_users, CreateUser, DeleteUser, SetInstanceAdmin, UserView};
use crate::components::form::reset_on_success;
use crate::components::{action_error, format_time, FieldError, FormAlert};
use crate::pages::not_found::load_error;
use leptos::prelude::*;
use leptos_meta::Title;

/// Instance admins create accounts here; project admins then add them to
/// projects under Members.
#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let toggle = ServerAction::<SetInstanceAdmin>::new();
    let delete = ServerAction::<DeleteUser>::new();
    let create_error = action_error(create);
    let toggle_error = action_error(toggle);
    let delete_error = action_error(delete);
    let create_form = reset_on_success(create);
    let users = crate::api::resource::load(
        move || {
            (
                create.version().get(),
                toggle.version().get(),
                delete.version().get(),
            )
        },
        |_| list_users(),
    );
    let created = move || match create.value().get() {
        Some(Ok(user)) => Some(user.username),
        _ => None,
    };

    view! {
        <Title text="Users"/>
        <div class="page-header">
            <div>
                <h1>"Users"</h1>
                <p class="lead">
                    "Everyone who can sign in to this Herald. Project admins add users to their projects under Members."
                </p>
            </div>
        </div>
        <section class="card" aria-labelledby="new-user-heading">
            <h2 id="new-user-heading">"Create a user"</h2>
            {move || {
                created()
                    .map(|name| {
                        view! {
                            <div class="alert alert-ok" role="status">
                                {format!("Created {name}. Give them the password through a safe channel; they can change it under Account.")}
                            </div>
                        }
                    })
            }}
            <FormAlert error=create_error/>
            <ActionForm action=create node_ref=create_form attr:class="form-inline" attr:novalidate=true>
                <div class="field grow">
                    <label for="new-user-name">"Username"</label>
                    <input id="new-user-name" name="username" type="text" autocomplete="off" autocapitalize="none" spellcheck="false" required aria-describedby="new-user-name-error"/>
                    <FieldError error=create_error field="username" id="new-user-name-error"/>
                </div>
                <div class="field grow">
                    <label for="new-user-password">"First password"</label>
                    <input id="new-user-password" name="password" type="password" autocomplete="new-password" required aria-describedby="new-user-password-help new-user-password-error"/>
                    <p class="help" id="new-user-password-help">"At least 10 characters."</p>
                    <FieldError error=create_error field="password" id="new-user-password-error"/>
                </div>
                <div class="field checkbox inline-check">
                    <input id="new-user-admin" name="instance_admin" type="checkbox" value="on"/>
                    <label for="new-user-admin">"Instance admin"</label>
                </div>
                <button type="submit" class="button primary" disabled=move || create.pending().get()>
                    "Create user"
                </button>
            </ActionForm>
        </section>
        <FormAlert error=toggle_error/>
        <FormAlert error=delete_error/>
        <Transition fallback=|| view! { <p class="muted">"Loading users…"</p> }>
            {move || {
                users
                    .get()
                    .map(|result| match result {
                        Err(e) => load_error(e),
                        Ok(list) => view! { <UserTable list toggle delete/> }.into_any(),
                    })
            }}
        </Transition>
    }
}

#[component]
fn UserTable(
    list: Vec<UserView>,
    toggle: ServerAction<SetInstanceAdmin>,
    delete: ServerAction<DeleteUser>,
) -> impl IntoView {
    view! {
        <table class="table">
            <thead>
                <tr>
                    <th scope="col">"Username"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col" class="num">"Projects"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|u| {
                        let toggle_label = if u.instance_admin { "Remove instance admin" } else { "Make instance admin" };
                        let toggle_aria = format!("{toggle_label}: {}", u.username);
                        let delete_aria = format!("Delete user {}", u.username);
                        let delete_id = u.id.clone();
                        view! {
                            <tr data-user=u.username.clone()>
                                <td class="strong">{u.username.clone()}</td>
                                <td>
                                    {if u.instance_admin {
                                        view! { <span class="badge badge-ok">"Instance admin"</span> }.into_any()
                                    } else {
                                        view! { <span class="muted">"User"</span> }.into_any()
                                    }}
                                </td>
                                <td class="num">{u.projects}</td>
                                <td class="muted">{format_time(u.created_at)}</td>
                                <td class="row-actions">
                                    <ActionForm action=toggle attr:class="inline-form">
                                        <input type="hidden" name="id" value=u.id.clone()/>
                                        <input type="hidden" name="admin" value=(!u.instance_admin).to_string()/>
                                        <button type="submit" class="button small" aria-label=toggle_aria>
                                            {toggle_label}
                                        </button>
                                    </ActionForm>
                                    <ActionForm action=delete attr:class="inline-form">
                                        <input type="hidden" name="id" value=delete_id/>
                                        <button type="submit" class="button small danger" aria-label=delete_aria>
                                            "Delete"
                                        </button>
                                    </ActionForm>
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
