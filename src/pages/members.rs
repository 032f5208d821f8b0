use crate::api::members::{list_members, AddMember, MemberView, RemoveMember, SetMemberRole};
use crate::components::form::reset_on_success;
use crate::components::{
    action_error, format_time, use_is_admin, use_project_name, AdminOnly, FieldError, FormAlert,
    SettingsLayout, SettingsTab,
};
use crate::domain::accounts::Role;
use crate::pages::not_found::load_error;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn MembersPage() -> impl IntoView {
    let project = use_project_name();
    let add = ServerAction::<AddMember>::new();
    let set_role = ServerAction::<SetMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let add_error = action_error(add);
    let role_error = action_error(set_role);
    let remove_error = action_error(remove);
    let is_admin = use_is_admin();
    let add_form = reset_on_success(add);
    let members = crate::api::resource::load(
        move || {
            (
                project.get(),
                add.version().get(),
                set_role.version().get(),
                remove.version().get(),
            )
        },
        |(project, ..)| list_members(project),
    );

    view! {
        <Title text=move || format!("Members · {}", project.get())/>
        <SettingsLayout tab=SettingsTab::Members>
            <div class="section-header">
                <div>
                    <h2>"Members"</h2>
                    <p class="muted">
                        <strong>"Admins"</strong> " change settings, API tokens and members; "
                        <strong>"members"</strong> " read settings and deliveries and send tests."
                    </p>
                </div>
            </div>
            <AdminOnly>
                <section class="card" aria-labelledby="add-member-heading">
                    <h3 id="add-member-heading">"Add a member"</h3>
                    <FormAlert error=add_error/>
                    <ActionForm action=add node_ref=add_form attr:class="form-inline" attr:novalidate=true>
                        <input type="hidden" name="project" value=project.get_untracked()/>
                        <div class="field grow">
                            <label for="member-username">"Username"</label>
                            <input id="member-username" name="username" type="text" autocomplete="off" autocapitalize="none" spellcheck="false" required aria-describedby="member-username-error"/>
                            <FieldError error=add_error field="username" id="member-username-error"/>
                        </div>
                        <div class="field">
                            <label for="member-role">"Role"</label>
                            <select id="member-role" name="role" aria-describedby="member-role-error">
                                <option value="member" selected>"Member"</option>
                                <option value="admin">"Admin"</option>
                            </select>
                            <FieldError error=add_error field="role" id="member-role-error"/>
                        </div>
                        <button type="submit" class="button primary" disabled=move || add.pending().get()>
                            "Add member"
                        </button>
                    </ActionForm>
                </section>
            </AdminOnly>
            <FormAlert error=role_error/>
            <FormAlert error=remove_error/>
            <Transition fallback=|| view! { <p class="muted">"Loading members…"</p> }>
                {move || {
                    members
                        .get()
                        .map(|result| match result {
                            Err(e) => load_error(e),
                            Ok(list) if list.is_empty() => {
                                view! {
                                    <div class="empty-state compact">
                                        <h3>"No members"</h3>
                                        <p>"Instance admins manage every project. Add people above so they can see this project."</p>
                                    </div>
                                }
                                    .into_any()
                            }
                            Ok(list) => {
                                view! { <MemberTable list project set_role remove admin=is_admin.get()/> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </SettingsLayout>
    }
}

#[component]
fn MemberTable(
    list: Vec<MemberView>,
    project: Signal<String>,
    set_role: ServerAction<SetMemberRole>,
    remove: ServerAction<RemoveMember>,
    /// Show the buttons only admins may use.
    admin: bool,
) -> impl IntoView {
    view! {
        <table class="table">
            <thead>
                <tr>
                    <th scope="col">"User"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Added"</th>
                    <th scope="col"><span class="sr-only">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|m| {
                        let other = match m.role {
                            Role::Admin => Role::Member,
                            Role::Member => Role::Admin,
                        };
                        let change_label = format!("Make {}", other.label().to_lowercase());
                        let change_aria = format!("{change_label}: {}", m.username);
                        let remove_aria = format!("Remove {}", m.username);
                        let role_user_id = m.user_id.clone();
                        let remove_user_id = m.user_id.clone();
                        view! {
                            <tr data-member=m.username.clone()>
                                <td class="strong">{m.username.clone()}</td>
                                <td>
                                    <span class=if m.role == Role::Admin { "badge badge-ok" } else { "badge badge-off" }>
                                        {m.role.label()}
                                    </span>
                                </td>
                                <td class="muted">{format_time(m.added_at)}</td>
                                <td class="row-actions">
                                    {admin
                                        .then(|| {
                                            view! {
                                        <ActionForm action=set_role attr:class="inline-form">
                                            <input type="hidden" name="project" value=project.get_untracked()/>
                                            <input type="hidden" name="user_id" value=role_user_id/>
                                            <input type="hidden" name="role" value=other.as_str()/>
                                            <button type="submit" class="button small" aria-label=change_aria>
                                                {change_label.clone()}
                                            </button>
                                        </ActionForm>
                                        <ActionForm action=remove attr:class="inline-form">
                                            <input type="hidden" name="project" value=project.get_untracked()/>
                                            <input type="hidden" name="user_id" value=remove_user_id/>
                                            <button type="submit" class="button small danger" aria-label=remove_aria>
                                                "Remove"
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
