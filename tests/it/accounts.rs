//! Accounts: first-visit set-up, sign-in and its rate limits, sessions,
//! members and roles, the audit log, and `herald admin`.
use crate::instance::herald_admin;
use crate::support::{anonymous_client, TestDatabase, TestServer, ADMIN, PASSWORD};
use serde_json::Value;

const P: &str = "demo/cool-tensorflow";

fn set_cookie(reply_headers: &reqwest::header::HeaderMap) -> String {
    reply_headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("herald_session="))
        .expect("a session cookie")
}

async fn post_form(
    client: &reqwest::Client,
    s: &TestServer,
    name: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(s.url(&format!("/api/{name}")))
        .header("Accept", "application/json")
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn first_visit_sets_up_the_instance_admin_once() {
    let s = TestServer::start_empty().await;
    let browser = anonymous_client();
    let res = browser.get(s.url("/")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
    assert_eq!(
        res.headers()["location"],
        "/setup",
        "no user yet: set-up first"
    );
    let (status, html) = s.page("/setup").await;
    assert_eq!(status, 200);
    assert!(html.contains("Welcome to Herald"));

    // Bad input names its fields and creates nothing.
    let reply = s
        .call_as(
            &browser,
            "set_up",
            &[
                ("username", "Bad Name!"),
                ("password", "short"),
                ("password_confirm", "other"),
            ],
        )
        .await;
    assert_eq!(reply.status, 422);
    let errors = reply.body["Invalid"].as_array().unwrap();
    let fields: Vec<&str> = errors
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["username", "password"]);
    let reply = s
        .call_as(
            &browser,
            "set_up",
            &[
                ("username", "ops"),
                ("password", "long enough pw"),
                ("password_confirm", "different pw!"),
            ],
        )
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.body["Invalid"][0]["field"], "password_confirm");
    assert_eq!(s.query_one("SELECT COUNT(*) FROM users").await[0][0], "0");

    let res = post_form(
        &browser,
        &s,
        "set_up",
        &[
            ("username", "Ops"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
        ],
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    let cookie = set_cookie(res.headers());
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "plain http: no Secure flag ({cookie})"
    );
    let me: Value = s.call_as(&browser, "current_user", &[]).await.ok();
    assert_eq!(me["username"], "ops", "usernames are stored lower case");
    assert_eq!(me["instance_admin"], true);
    let hash = &s.query_one("SELECT password_hash FROM users").await[0][0];
    assert!(hash.as_str().unwrap().starts_with("$argon2id$"), "{hash}");

    // A second set-up is refused, and the sign-in page no longer offers it.
    let reply = s
        .call_as(
            &anonymous_client(),
            "set_up",
            &[
                ("username", "mallory"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(s.query_one("SELECT COUNT(*) FROM users").await[0][0], "1");
    let res = anonymous_client()
        .get(s.url("/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/sign-in?next=/settings");
}

#[tokio::test]
async fn cookies_are_secure_behind_https() {
    let s = TestServer::start_with(|c| c.public_url = "https://herald.example.com".into()).await;
    let res = post_form(
        &anonymous_client(),
        &s,
        "sign_in",
        &[("username", ADMIN), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(res.status().as_u16(), 200);
    assert!(set_cookie(res.headers()).contains("; Secure"));
}

#[tokio::test]
async fn wrong_passwords_are_refused_alike_and_rate_limited() {
    let s = TestServer::start().await;
    s.add_user("mira", false).await;
    let browser = anonymous_client();
    let sign_in = |user: &'static str, password: &'static str| {
        let browser = browser.clone();
        let s = &s;
        async move {
            s.call_as(
                &browser,
                "sign_in",
                &[("username", user), ("password", password)],
            )
            .await
        }
    };
    let empty = s
        .call_as(&browser, "sign_in", &[("username", ""), ("password", "")])
        .await;
    assert_eq!(empty.status, 422);
    assert_eq!(empty.body["Invalid"].as_array().unwrap().len(), 2);

    let wrong = sign_in("mira", "not her password").await;
    let unknown = sign_in("nobody", "not her password").await;
    assert_eq!(wrong.status, 422);
    assert_eq!(
        wrong.body, unknown.body,
        "an unknown user looks like a wrong password"
    );
    assert_eq!(wrong.body["Invalid"][0]["field"], "password");

    // Five failures lock the account, even for the right password.
    for _ in 0..4 {
        assert_eq!(sign_in("mira", "still wrong").await.status, 422);
    }
    let locked = sign_in("mira", PASSWORD).await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    assert!(locked.body["TooManyRequests"]
        .as_str()
        .unwrap()
        .contains("this account"));
    // Other accounts are not locked by it.
    assert_eq!(sign_in(ADMIN, PASSWORD).await.status, 200);
    // Once the lock is over, the right password works and clears the count.
    s.query_one("UPDATE login_throttles SET locked_until = 1, window_started_at = 1 WHERE key = 'user:mira'")
        .await;
    assert_eq!(sign_in("mira", PASSWORD).await.status, 200);
    let left = s
        .query_one("SELECT COUNT(*) FROM login_throttles WHERE key = 'user:mira'")
        .await;
    assert_eq!(left[0][0], "0");
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_locked() {
    let s = TestServer::start().await;
    let browser = anonymous_client();
    for i in 0..20 {
        let user = format!("guess{i}");
        let reply = s
            .call_as(
                &browser,
                "sign_in",
                &[("username", &user), ("password", "password123")],
            )
            .await;
        assert_eq!(reply.status, 422, "attempt {i}");
    }
    let reply = s
        .call_as(
            &browser,
            "sign_in",
            &[("username", ADMIN), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(reply.status, 429);
    assert!(reply.body["TooManyRequests"]
        .as_str()
        .unwrap()
        .contains("your address"));
}

#[tokio::test]
async fn sessions_are_listed_revoked_and_expire() {
    let s = TestServer::start().await;
    let laptop = s.client_for(ADMIN).await;
    let sessions: Vec<Value> = s.call("list_sessions", &[]).await.ok();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|x| x["current"] == true).count(), 1);
    let laptop_session = sessions.iter().find(|x| x["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(s.call_as(&laptop, "list_projects", &[]).await.status, 200);

    // Ending another session signs that browser out at once.
    assert_eq!(
        s.call("revoke_session", &[("id", &laptop_session)])
            .await
            .status,
        200
    );
    assert_eq!(s.call_as(&laptop, "list_projects", &[]).await.status, 401);
    // Someone else's session id is not yours to end.
    s.add_user("mira", false).await;
    let mira = s.client_for("mira").await;
    let mine: Vec<Value> = s.call("list_sessions", &[]).await.ok();
    let reply = s
        .call_as(
            &mira,
            "revoke_session",
            &[("id", mine[0]["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(reply.status, 404);
    assert_eq!(s.call("list_projects", &[]).await.status, 200);

    // An expired session no longer counts, and its page sends to sign-in.
    s.query_one("UPDATE sessions SET expires_at = 1 WHERE user_id = (SELECT id FROM users WHERE username = 'mira')")
        .await;
    assert_eq!(s.call_as(&mira, "list_projects", &[]).await.status, 401);
    let res = mira.get(s.url("/")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);

    // Signing out ends the session on the server, not just the cookie.
    let cookie_before = s.query_one("SELECT COUNT(*) FROM sessions").await[0][0].clone();
    let res = post_form(&s.client, &s, "sign_out", &[]).await;
    assert!(set_cookie(res.headers()).contains("Max-Age=0"));
    assert_eq!(s.call("list_projects", &[]).await.status, 401);
    let cookie_after = s.query_one("SELECT COUNT(*) FROM sessions").await[0][0].clone();
    assert_ne!(cookie_before, cookie_after);
}

#[tokio::test]
async fn changing_the_password_checks_the_old_one_and_ends_other_sessions() {
    let s = TestServer::start().await;
    let other = s.client_for(ADMIN).await;
    let reply = s
        .call(
            "change_password",
            &[
                ("current_password", "wrong"),
                ("new_password", "short"),
                ("new_password_confirm", "x"),
            ],
        )
        .await;
    assert_eq!(reply.status, 422);
    let fields: Vec<&str> = reply.body["Invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["current_password", "new_password"]);
    let reply = s
        .call(
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new passphrase"),
                ("new_password_confirm", "a brand new passphrase"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        s.call("list_projects", &[]).await.status,
        200,
        "this session stays"
    );
    assert_eq!(
        s.call_as(&other, "list_projects", &[]).await.status,
        401,
        "others end"
    );
    let again = anonymous_client();
    let reply = s
        .call_as(
            &again,
            "sign_in",
            &[("username", ADMIN), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(reply.status, 422);
    let reply = s
        .call_as(
            &again,
            "sign_in",
            &[("username", ADMIN), ("password", "a brand new passphrase")],
        )
        .await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn project_creators_are_admins_and_members_are_managed_by_role() {
    let s = TestServer::start().await;
    s.add_user("lead", false).await;
    s.add_user("mira", false).await;
    let lead = s.client_for("lead").await;
    let mira = s.client_for("mira").await;
    assert_eq!(
        s.call_as(&lead, "create_project", &[("name", P)])
            .await
            .status,
        200
    );
    let members: Vec<Value> = s
        .call_as(&lead, "list_members", &[("project", P)])
        .await
        .ok();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["username"], "lead");
    assert_eq!(members[0]["role"], "Admin");
    // The instance admin sees every project; mira sees none yet.
    let all: Vec<Value> = s.call("list_projects", &[]).await.ok();
    assert_eq!(all.len(), 1);
    let none: Vec<Value> = s.call_as(&mira, "list_projects", &[]).await.ok();
    assert!(none.is_empty());

    // Validation names the field and changes nothing.
    let reply = s
        .call_as(
            &lead,
            "add_member",
            &[("project", P), ("username", "ghost"), ("role", "member")],
        )
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.body["Invalid"][0]["field"], "username");
    let reply = s
        .call_as(
            &lead,
            "add_member",
            &[("project", P), ("username", "mira"), ("role", "owner")],
        )
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.body["Invalid"][0]["field"], "role");

    let reply = s
        .call_as(
            &lead,
            "add_member",
            &[("project", P), ("username", "Mira"), ("role", "member")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = s
        .call_as(
            &lead,
            "add_member",
            &[("project", P), ("username", "mira"), ("role", "admin")],
        )
        .await;
    assert_eq!(reply.status, 422, "already a member");
    let visible: Vec<Value> = s.call_as(&mira, "list_projects", &[]).await.ok();
    assert_eq!(visible[0]["name"], P);
    assert_eq!(visible[0]["role"], "Member");
    let mira_id = s
        .query_one("SELECT id FROM users WHERE username = 'mira'")
        .await[0][0]
        .as_str()
        .unwrap()
        .to_string();
    let lead_id = s
        .query_one("SELECT id FROM users WHERE username = 'lead'")
        .await[0][0]
        .as_str()
        .unwrap()
        .to_string();

    // The last admin cannot leave or be demoted: someone must hold the keys.
    let reply = s
        .call_as(
            &lead,
            "set_member_role",
            &[("project", P), ("user_id", &lead_id), ("role", "member")],
        )
        .await;
    assert_eq!(reply.status, 403);
    let reply = s
        .call_as(
            &lead,
            "remove_member",
            &[("project", P), ("user_id", &lead_id)],
        )
        .await;
    assert_eq!(reply.status, 403);
    let reply = s.call("delete_user", &[("id", &lead_id)]).await;
    assert_eq!(
        reply.status, 403,
        "the sole admin of a project is not deleted"
    );

    // Promoted, mira can act as admin; then the lead may step down.
    assert_eq!(
        s.call_as(
            &lead,
            "set_member_role",
            &[("project", P), ("user_id", &mira_id), ("role", "admin")]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        s.call_as(&mira, "create_token", &[("project", P), ("name", "ci")])
            .await
            .status,
        200
    );
    assert_eq!(
        s.call_as(
            &lead,
            "remove_member",
            &[("project", P), ("user_id", &lead_id)]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        s.call_as(&lead, "list_channels", &[("project", P)])
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn the_audit_log_records_who_changed_what() {
    let s = TestServer::start().await;
    s.create_project(P).await;
    s.add_user("mira", false).await;
    let (channel, _) = s
        .create_channel(P, "Alerts", "https://user:pw@e.com/h")
        .await;
    // A refused edit records nothing.
    let refused = s
        .call(
            "update_channel",
            &[
                ("project", P),
                ("id", &channel),
                ("channel[name]", ""),
                ("channel[url]", "x"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    let reply = s
        .call(
            "update_channel",
            &[
                ("project", P),
                ("id", &channel),
                ("channel[name]", "Team alerts"),
                ("channel[url]", "https://***:***@e.com/h"),
                ("channel[headers][0][name]", "X-Team"),
                ("channel[headers][0][value]", "ml"),
                ("channel[enabled]", "on"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    s.call("rotate_channel_secret", &[("project", P), ("id", &channel)])
        .await
        .ok::<Value>();
    s.call(
        "set_channel_enabled",
        &[("project", P), ("id", &channel), ("enabled", "false")],
    )
    .await
    .ok::<Value>();
    let routing = s
        .create_routing(P, "execution_failed", &channel)
        .await
        .ok::<Value>()["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.call(
        "set_routing_enabled",
        &[("project", P), ("id", &routing), ("enabled", "false")],
    )
    .await
    .ok::<Value>();
    s.call("delete_routing", &[("project", P), ("id", &routing)])
        .await
        .ok::<Value>();
    let token: Value = s
        .call("create_token", &[("project", P), ("name", "CI")])
        .await
        .ok();
    let token_id = token["view"]["id"].as_str().unwrap();
    s.call("revoke_token", &[("project", P), ("id", token_id)])
        .await
        .ok::<Value>();
    s.call(
        "add_member",
        &[("project", P), ("username", "mira"), ("role", "member")],
    )
    .await
    .ok::<Value>();
    let mira_id = s
        .query_one("SELECT id FROM users WHERE username = 'mira'")
        .await[0][0]
        .as_str()
        .unwrap()
        .to_string();
    s.call(
        "set_member_role",
        &[("project", P), ("user_id", &mira_id), ("role", "admin")],
    )
    .await
    .ok::<Value>();
    s.call("remove_member", &[("project", P), ("user_id", &mira_id)])
        .await
        .ok::<Value>();
    s.call("delete_channel", &[("project", P), ("id", &channel)])
        .await
        .ok::<Value>();

    let log: Value = s.call("list_audit", &[("project", P)]).await.ok();
    let entries = log["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .rev()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "ChannelCreated",
            "ChannelUpdated",
            "ChannelSecretRotated",
            "ChannelDisabled",
            "RoutingCreated",
            "RoutingDisabled",
            "RoutingDeleted",
            "TokenCreated",
            "TokenRevoked",
            "MemberAdded",
            "MemberRoleChanged",
            "MemberRemoved",
            "ChannelDeleted",
        ]
    );
    assert!(entries.iter().all(|e| e["actor"] == ADMIN));
    let by = |action: &str| {
        entries
            .iter()
            .find(|e| e["action"] == action)
            .unwrap()
            .clone()
    };
    assert_eq!(by("ChannelCreated")["subject"], "Alerts");
    let created_detail = by("ChannelCreated")["detail"].as_str().unwrap().to_string();
    assert!(
        !created_detail.contains("pw"),
        "credentials never reach the log: {created_detail}"
    );
    let updated = by("ChannelUpdated");
    assert_eq!(updated["subject"], "Team alerts");
    let detail = updated["detail"].as_str().unwrap();
    assert!(
        detail.contains("renamed from “Alerts”") && detail.contains("X-Team"),
        "{detail}"
    );
    assert!(
        !detail.contains("ml"),
        "header values never reach the log: {detail}"
    );
    assert_eq!(
        by("RoutingCreated")["subject"],
        "Execution fails → Team alerts"
    );
    assert_eq!(by("MemberRoleChanged")["detail"], "member → admin");

    // The page shows it to admins, escaped, and members are refused.
    let (status, html) = s.page(&format!("/p/{P}/settings/audit-log")).await;
    assert_eq!(status, 200);
    assert!(html.contains("rotated the signing secret of"));
    s.add_user("viewer", false).await;
    s.call(
        "add_member",
        &[("project", P), ("username", "viewer"), ("role", "member")],
    )
    .await
    .ok::<Value>();
    let viewer = s.client_for("viewer").await;
    assert_eq!(
        s.call_as(&viewer, "list_audit", &[("project", P)])
            .await
            .status,
        403
    );
}

#[tokio::test]
async fn user_text_is_escaped_in_every_page() {
    let s = TestServer::start().await;
    s.create_project(P).await;
    let evil = "<img src=x onerror=alert(1)>";
    s.create_channel(P, evil, "https://e.com/h").await;
    s.call("create_token", &[("project", P), ("name", evil)])
        .await
        .ok::<Value>();
    for path in [
        format!("/p/{P}/settings/notifications/channels"),
        format!("/p/{P}/settings/api-tokens"),
        format!("/p/{P}/settings/audit-log"),
    ] {
        let (status, html) = s.page(&path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!html.contains(evil), "{path} renders the raw tag");
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn instance_admins_manage_users() {
    let s = TestServer::start().await;
    let reply = s
        .call("create_user", &[("username", "x"), ("password", "short")])
        .await;
    assert_eq!(reply.status, 422);
    assert_eq!(reply.body["Invalid"].as_array().unwrap().len(), 2);
    let created: Value = s
        .call(
            "create_user",
            &[("username", "Mira"), ("password", PASSWORD)],
        )
        .await
        .ok();
    assert_eq!(created["username"], "mira");
    assert_eq!(created["instance_admin"], false);
    let taken = s
        .call(
            "create_user",
            &[("username", "mira"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(taken.status, 422);
    assert!(taken.body["Invalid"][0]["message"]
        .as_str()
        .unwrap()
        .contains("taken"));
    let mira = s.client_for("mira").await;
    assert_eq!(s.call_as(&mira, "list_users", &[]).await.status, 403);

    let admin_id = s
        .query_one("SELECT id FROM users WHERE username = 'admin'")
        .await[0][0]
        .as_str()
        .unwrap()
        .to_string();
    let reply = s
        .call(
            "set_instance_admin",
            &[("id", &admin_id), ("admin", "false")],
        )
        .await;
    assert_eq!(reply.status, 403, "the last instance admin stays one");
    let reply = s.call("delete_user", &[("id", &admin_id)]).await;
    assert_eq!(reply.status, 403, "nobody deletes themselves");
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        s.call("set_instance_admin", &[("id", id), ("admin", "true")])
            .await
            .status,
        200
    );
    assert_eq!(s.call_as(&mira, "list_users", &[]).await.status, 200);
    assert_eq!(s.call("delete_user", &[("id", id)]).await.status, 200);
    assert_eq!(
        s.call_as(&mira, "list_users", &[]).await.status,
        401,
        "her sessions went with her"
    );
}

#[tokio::test]
async fn herald_admin_creates_users_from_the_command_line() {
    let db = TestDatabase::create().await;
    let run = |args: &[&str], password: &str| herald_admin(&db, args, password);

    let (code, _, err) = run(&["create-user", "Bad Name", "--password-stdin"], PASSWORD);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("username"), "{err}");
    let (code, _, err) = run(&["create-user", "ops"], PASSWORD);
    assert_eq!(code, 2);
    assert!(err.contains("--password-stdin is required"), "{err}");
    let (code, _, err) = run(
        &["create-user", "ops", "--password-stdin", "--force"],
        PASSWORD,
    );
    assert_eq!(code, 2);
    assert!(err.contains("unknown option --force"), "{err}");
    let (code, _, err) = run(&["create-user", "ops", "--password-stdin"], "short");
    assert_eq!(code, 2);
    assert!(err.contains("at least 10"), "{err}");

    let (code, out, err) = run(
        &["create-user", "ops", "--password-stdin", "--instance-admin"],
        PASSWORD,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "created user ops (instance admin)");
    let (code, _, err) = run(&["create-user", "ops", "--password-stdin"], PASSWORD);
    assert_eq!(code, 1);
    assert!(err.contains("is taken"), "{err}");

    // The account works in a real Herald on the same database.
    let mut herald = crate::instance::Herald::spawn(&db, &["serve"], &[]);
    herald.wait_healthy().await;
    let client = crate::instance::signed_in_client(&herald.base, "ops", PASSWORD).await;
    let me = crate::instance::call(&client, &herald.base, "current_user", &[]).await;
    assert_eq!(me["instance_admin"], true);

    // set-password replaces the password and ends the sessions.
    let (code, _, err) = run(
        &["set-password", "ops", "--password-stdin"],
        "another long one",
    );
    assert_eq!(code, 0, "{err}");
    let res = client
        .post(format!("{}/api/list_projects", herald.base))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    crate::instance::signed_in_client(&herald.base, "ops", "another long one").await;
    let (code, _, err) = run(
        &["set-password", "nobody", "--password-stdin"],
        "another long one",
    );
    assert_eq!(code, 1);
    assert!(err.contains("not found"), "{err}");
}
