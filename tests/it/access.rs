//! Every registered server function authorizes its caller: enumerated from
//! the server-function registry, so a new function is covered the moment it
//! exists. Anonymous callers get 401; a signed-in user from another project
//! gets 404 (the project might as well not exist); a member asking for an
//! admin action gets 403; and none of them changes anything.
use crate::support::{anonymous_client, TestServer};
use serde_json::Value;
use std::collections::BTreeSet;

const VICTIM: &str = "victim/models";
const OTHER: &str = "stranger/own";

/// Answer anyone, signed in or not.
const PUBLIC: &[&str] = &[
    "current_user",
    "needs_setup",
    "sign_in",
    "set_up",
    "sign_out",
];
/// Any signed-in user, whatever their projects.
const ANY_USER: &[&str] = &[
    "list_projects",
    "create_project",
    "list_sessions",
    "revoke_session",
    "sign_out_elsewhere",
    "change_password",
];
/// Instance admins only.
const INSTANCE_ADMIN: &[&str] = &[
    "list_users",
    "create_user",
    "set_instance_admin",
    "delete_user",
];
/// Project functions a member (not admin) may call; every other project
/// function must refuse them with 403.
const MEMBER_ALLOWED: &[&str] = &[
    "get_project",
    "list_channels",
    "get_channel",
    "list_routings",
    "list_deliveries",
    "get_delivery",
    "redeliver",
    "send_channel_test",
    "send_routing_test",
    "list_members",
    "get_routing",
    "preview_template",
    "list_recent_events",
    "dry_run",
    "dry_run_send",
];

/// Every registered server function, by endpoint name.
fn registered() -> BTreeSet<String> {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| {
            path.strip_prefix("/api/")
                .unwrap_or_else(|| panic!("server function outside /api/: {path}"))
                .to_string()
        })
        .collect()
}

/// One form that every server function can decode: each argument any of
/// them takes, aimed at the victim project and its real ids. Decoding
/// happens before the function runs, so a missing field would hide the
/// authorization answer behind a 400.
/// `id` names what the function is about: a delivery, a routing or a channel.
fn superset_form<'a>(
    function: &str,
    channel: &'a str,
    routing: &'a str,
    delivery: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let id = if function.contains("deliver") {
        delivery
    } else if function.contains("routing") {
        routing
    } else {
        channel
    };
    vec![
        ("project", VICTIM),
        ("id", id),
        ("channel_id", channel),
        ("routing_id", routing),
        ("delivery_id", delivery),
        ("user_id", "00000000-0000-0000-0000-000000000000"),
        ("name", "intruder/thing"),
        ("channel[name]", "Intruder"),
        ("channel[url]", "https://attacker.example/hook"),
        ("channel[enabled]", "on"),
        ("event_type", "execution_failed"),
        ("enabled", "false"),
        ("admin", "true"),
        ("confirm", "yes"),
        ("page", "1"),
        ("token", "x"),
        ("reveal", "x"),
        ("username", "intruder"),
        ("password", "intruder-password"),
        ("password_confirm", "intruder-password"),
        ("current_password", "intruder-password"),
        ("new_password", "intruder-password-2"),
        ("new_password_confirm", "intruder-password-2"),
        ("role", "admin"),
        ("next", "/"),
        ("kind", "slack"),
        ("source", "sample:execution_failed"),
    ]
}

#[tokio::test]
async fn every_server_function_refuses_strangers() {
    let s = TestServer::start().await;
    // The victim project, with something in it to steal or break.
    s.create_project(VICTIM).await;
    let (channel, _) = s
        .create_channel(VICTIM, "Prod alerts", "https://hooks.example.com/prod")
        .await;
    let routing = s
        .create_routing(VICTIM, "execution_failed", &channel)
        .await
        .ok::<Value>()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let token = s.create_token(VICTIM).await;
    let (status, body) = s
        .post_event(
            &token,
            &serde_json::json!({"type": "execution_failed", "data": {}}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let delivery = s.deliveries(VICTIM).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // A stranger with a project of their own, and a member of the victim.
    s.add_user("stranger", false).await;
    s.add_user("mira", false).await;
    let stranger = s.client_for("stranger").await;
    let member = s.client_for("mira").await;
    s.call_as(&stranger, "create_project", &[("name", OTHER)])
        .await
        .ok::<Value>();
    s.call(
        "add_member",
        &[
            ("project", VICTIM),
            ("username", "mira"),
            ("role", "member"),
        ],
    )
    .await
    .ok::<Value>();
    let audit_before = s
        .call("list_audit", &[("project", VICTIM)])
        .await
        .ok::<Value>()["total"]
        .clone();

    let functions = registered();
    assert!(
        functions.len() >= 30,
        "the registry looks empty: {functions:?}"
    );
    for known in PUBLIC
        .iter()
        .chain(ANY_USER)
        .chain(INSTANCE_ADMIN)
        .chain(MEMBER_ALLOWED)
    {
        assert!(
            functions.contains(*known),
            "{known} is listed here but not registered"
        );
    }
    let anonymous = anonymous_client();
    for name in &functions {
        if PUBLIC.contains(&name.as_str()) {
            continue;
        }
        let form = superset_form(name, &channel, &routing, &delivery);
        let reply = s.call_as(&anonymous, name, &form).await;
        assert_eq!(reply.status, 401, "anonymous {name}: {}", reply.body);
        if ANY_USER.contains(&name.as_str()) {
            continue;
        }
        let reply = s.call_as(&stranger, name, &form).await;
        if INSTANCE_ADMIN.contains(&name.as_str()) {
            assert_eq!(reply.status, 403, "stranger {name}: {}", reply.body);
            continue;
        }
        assert_eq!(
            reply.status, 404,
            "stranger {name} on another project: {}",
            reply.body
        );
        assert_eq!(
            reply.body["NotFound"].as_str(),
            Some("Project victim/models"),
            "stranger {name}: the refusal is the same as for a project that does not exist"
        );
        let reply = s.call_as(&member, name, &form).await;
        if MEMBER_ALLOWED.contains(&name.as_str()) {
            assert!(
                ![401, 403, 404].contains(&reply.status),
                "member {name} should be allowed: {} {}",
                reply.status,
                reply.body
            );
        } else {
            assert_eq!(reply.status, 403, "member {name}: {}", reply.body);
        }
    }

    // Nothing they sent changed the victim project.
    let channels = s.channels(VICTIM).await;
    assert_eq!(channels.len(), 1);
    assert_eq!(channels[0]["name"], "Prod alerts");
    assert_eq!(channels[0]["enabled"], true);
    assert_eq!(s.routings(VICTIM).await.len(), 1);
    let tokens: Vec<Value> = s.call("list_tokens", &[("project", VICTIM)]).await.ok();
    assert_eq!(tokens.len(), 1);
    assert!(tokens[0]["revoked_at"].is_null());
    let members: Vec<Value> = s.call("list_members", &[("project", VICTIM)]).await.ok();
    let names: Vec<&str> = members
        .iter()
        .map(|m| m["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "mira"]);
    assert_eq!(members[1]["role"], "Member");
    let audit_after = s
        .call("list_audit", &[("project", VICTIM)])
        .await
        .ok::<Value>()["total"]
        .clone();
    assert_eq!(
        audit_before, audit_after,
        "refused calls leave no trace in the audit log"
    );
    let projects: Vec<Value> = s.call_as(&stranger, "list_projects", &[]).await.ok();
    let visible: Vec<&str> = projects
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(visible, [OTHER], "the stranger sees only their own project");
}

#[tokio::test]
async fn anonymous_pages_go_to_sign_in_and_keep_the_address() {
    let s = TestServer::start().await;
    s.create_project(VICTIM).await;
    let anonymous = anonymous_client();
    for path in [
        "/",
        "/p/victim/models/settings/notifications/channels",
        "/p/ghost/x/settings/members",
        "/account",
        "/admin/users",
        "/no/such/page",
    ] {
        let res = anonymous.get(s.url(path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 303, "{path}");
        let location = res.headers()["location"].to_str().unwrap();
        if path == "/" {
            assert_eq!(location, "/sign-in");
        } else {
            assert!(
                location.starts_with("/sign-in?next=%2F")
                    || location.starts_with("/sign-in?next=/"),
                "{path} → {location}"
            );
        }
    }
    // The sign-in page itself, assets and health need no account.
    let res = anonymous.get(s.url("/sign-in")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Sign in to Herald"));
    assert!(
        !html.contains(VICTIM),
        "nothing about projects leaks to the sign-in page"
    );
    assert_eq!(
        anonymous
            .get(s.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test]
async fn members_see_settings_without_admin_controls() {
    let s = TestServer::start().await;
    s.create_project(VICTIM).await;
    let (channel, _) = s.create_channel(VICTIM, "Alerts", "https://e.com/h").await;
    s.create_routing(VICTIM, "execution_failed", &channel).await;
    s.add_user("mira", false).await;
    s.call(
        "add_member",
        &[
            ("project", VICTIM),
            ("username", "mira"),
            ("role", "member"),
        ],
    )
    .await
    .ok::<Value>();
    let member = s.client_for("mira").await;
    let page = |client: reqwest::Client, path: String| async move {
        let res = client.get(path).send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    };
    let channels = s.url(&format!("/p/{VICTIM}/settings/notifications/channels"));
    let (status, admin_html) = page(s.client.clone(), channels.clone()).await;
    assert_eq!(status, 200);
    assert!(admin_html.contains("Delete channel Alerts"));
    assert!(admin_html.contains("Create a new channel"));
    assert!(admin_html.contains("API tokens"));
    let (status, member_html) = page(member.clone(), channels).await;
    assert_eq!(status, 200);
    assert!(
        member_html.contains("Alerts"),
        "members read the channel list"
    );
    assert!(
        member_html.contains("Send test to channel Alerts"),
        "members send tests"
    );
    assert!(!member_html.contains("Delete channel Alerts"));
    assert!(!member_html.contains("Disable channel Alerts"));
    assert!(!member_html.contains("Create a new channel"));
    assert!(!member_html.contains("API tokens"));
    assert!(member_html.contains("Member: read-only"));

    let routings = s.url(&format!(
        "/p/{VICTIM}/settings/notifications/project-notifications"
    ));
    let (_, member_html) = page(member.clone(), routings).await;
    assert!(member_html.contains("Execution fails"));
    assert!(!member_html.contains("Create new notification routing"));
    assert!(!member_html.contains("Delete routing"));

    // Forcing the request anyway is refused, and nothing changes.
    let reply = s
        .call_as(
            &member,
            "delete_channel",
            &[("project", VICTIM), ("id", &channel), ("confirm", "yes")],
        )
        .await;
    assert_eq!(reply.status, 403);
    assert!(reply.body["Forbidden"]
        .as_str()
        .unwrap()
        .contains("Only project admins"));
    assert_eq!(s.channels(VICTIM).await.len(), 1);
}
