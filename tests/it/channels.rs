use crate::support::TestServer;
use serde_json::Value;

const P: &str = "demo/cool-tensorflow";

/// Form fields, the field expected to be refused, and words of its message.
type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);

async fn server_with_project() -> TestServer {
    let s = TestServer::start().await;
    s.create_project(P).await;
    s
}

#[tokio::test]
async fn create_channel_returns_secret_once_and_lists_it() {
    let s = server_with_project().await;
    let reply = s
        .call(
            "create_channel",
            &[
                ("project", P),
                ("channel[name]", "Alerts"),
                ("channel[url]", "https://user:pw@hooks.example.com/h?x=1"),
                ("channel[headers][0][name]", "X-Api-Key"),
                ("channel[headers][0][value]", "k-123"),
                ("channel[headers][1][name]", ""),
                ("channel[headers][1][value]", ""),
                ("channel[enabled]", "on"),
            ],
        )
        .await;
    assert!(
        reply.location.is_none(),
        "a hydrated caller gets no redirect"
    );
    let created: Value = reply.ok();
    let secret = created["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));

    let list = s.channels(P).await;
    assert_eq!(list.len(), 1);
    let c = &list[0];
    assert_eq!(c["name"], "Alerts");
    assert_eq!(c["kind"], "webhook");
    assert_eq!(c["url_masked"], "https://***:***@hooks.example.com/h?x=1");
    assert_eq!(c["enabled"], true);
    assert_eq!(c["header_names"], serde_json::json!(["X-Api-Key"]));
    let text = serde_json::to_string(&list).unwrap();
    assert!(!text.contains("whsec_"), "secret leaked in list");
    assert!(!text.contains("k-123"), "header value leaked in list");
    assert!(!text.contains(":pw@"), "URL password leaked in list");

    let one: Value = s
        .call(
            "get_channel",
            &[("project", P), ("id", c["id"].as_str().unwrap())],
        )
        .await
        .ok();
    assert!(!serde_json::to_string(&one).unwrap().contains("whsec_"));
}

#[tokio::test]
async fn channel_validation_errors_name_fields_and_change_nothing() {
    let s = server_with_project().await;
    let long_name = "n".repeat(101);
    let long_url = format!("https://example.com/{}", "a".repeat(2100));
    let cases: Vec<Case> = vec![
        (
            vec![("channel[name]", ""), ("channel[url]", "https://e.com")],
            "channel[name]",
            "Enter a name",
        ),
        (
            vec![
                ("channel[name]", &long_name),
                ("channel[url]", "https://e.com"),
            ],
            "channel[name]",
            "at most 100",
        ),
        (
            vec![("channel[name]", "a"), ("channel[url]", "")],
            "channel[url]",
            "Enter the URL",
        ),
        (
            vec![("channel[name]", "a"), ("channel[url]", "ftp://e.com/x")],
            "channel[url]",
            "ftp",
        ),
        (
            vec![("channel[name]", "a"), ("channel[url]", "http://")],
            "channel[url]",
            "no host",
        ),
        (
            vec![
                ("channel[name]", "a"),
                ("channel[url]", "https://ex ample.com"),
            ],
            "channel[url]",
            "spaces",
        ),
        (
            vec![("channel[name]", "a"), ("channel[url]", "example.com")],
            "channel[url]",
            "absolute",
        ),
        (
            vec![("channel[name]", "a"), ("channel[url]", &long_url)],
            "channel[url]",
            "at most 2048",
        ),
        (
            vec![
                ("channel[name]", "a"),
                ("channel[url]", "https://e.com"),
                ("channel[headers][0][name]", "Bad Header"),
                ("channel[headers][0][value]", "v"),
            ],
            "channel[headers][0][name]",
            "header name",
        ),
        (
            vec![
                ("channel[name]", "a"),
                ("channel[url]", "https://e.com"),
                ("channel[headers][0][name]", "X-Ok"),
                ("channel[headers][0][value]", "line\r\nInjected: yes"),
            ],
            "channel[headers][0][value]",
            "printable ASCII",
        ),
        (
            vec![
                ("channel[name]", "a"),
                ("channel[url]", "https://e.com"),
                ("channel[headers][0][name]", "Content-Type"),
                ("channel[headers][0][value]", "text/plain"),
            ],
            "channel[headers][0][name]",
            "itself",
        ),
    ];
    for (fields, field, expect) in cases {
        let mut form = vec![("project", P)];
        form.extend(fields);
        let reply = s.call("create_channel", &form).await;
        let message = reply.field(field);
        assert!(message.contains(expect), "{field}: {message}");
    }
    assert!(s.channels(P).await.is_empty());
}

#[tokio::test]
async fn every_bad_field_is_reported_at_once() {
    let s = server_with_project().await;
    let reply = s
        .call(
            "create_channel",
            &[
                ("project", P),
                ("channel[name]", ""),
                ("channel[url]", "nope"),
            ],
        )
        .await;
    let fields: Vec<String> = reply.field_errors().into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["channel[name]", "channel[url]"]);
}

#[tokio::test]
async fn duplicate_channel_name_in_project_is_refused() {
    let s = server_with_project().await;
    s.create_channel(P, "Alerts", "https://a.example.com").await;
    let reply = s
        .call(
            "create_channel",
            &[
                ("project", P),
                ("channel[name]", "Alerts"),
                ("channel[url]", "https://b.example.com"),
            ],
        )
        .await;
    assert!(reply
        .field("channel[name]")
        .contains("already has a channel"));
    assert_eq!(s.channels(P).await.len(), 1);

    // The same name in another project is fine.
    s.create_project("demo/other").await;
    s.create_channel("demo/other", "Alerts", "https://a.example.com")
        .await;
}

#[tokio::test]
async fn unknown_project_or_channel_is_not_found() {
    let s = server_with_project().await;
    let reply = s
        .call(
            "create_channel",
            &[
                ("project", "ghost/x"),
                ("channel[name]", "a"),
                ("channel[url]", "https://e.com"),
            ],
        )
        .await;
    assert_eq!(reply.status, 404);
    for fun in ["get_channel", "delete_channel"] {
        let reply = s
            .call(
                fun,
                &[
                    ("project", P),
                    ("id", "00000000-0000-0000-0000-000000000000"),
                ],
            )
            .await;
        assert_eq!(reply.status, 404, "{fun}");
    }
    let reply = s
        .call(
            "set_channel_enabled",
            &[("project", P), ("id", "nope"), ("enabled", "false")],
        )
        .await;
    assert_eq!(reply.status, 404);

    // A channel of another project is not reachable through this one.
    s.create_project("demo/other").await;
    let (other_id, _) = s
        .create_channel("demo/other", "Theirs", "https://e.com")
        .await;
    let reply = s
        .call("get_channel", &[("project", P), ("id", &other_id)])
        .await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn edit_keeps_masked_credentials_and_header_values() {
    let s = server_with_project().await;
    let reply = s
        .call(
            "create_channel",
            &[
                ("project", P),
                ("channel[name]", "Alerts"),
                ("channel[url]", "https://user:pw@hooks.example.com/h"),
                ("channel[headers][0][name]", "X-Token"),
                ("channel[headers][0][value]", "t0p"),
                ("channel[enabled]", "on"),
            ],
        )
        .await;
    let id = reply.ok::<Value>()["id"].as_str().unwrap().to_string();
    let reply = s
        .call(
            "update_channel",
            &[
                ("project", P),
                ("id", &id),
                ("channel[name]", "Renamed"),
                ("channel[url]", "https://***:***@hooks.example.com/h"),
                ("channel[headers][0][name]", "X-Token"),
                ("channel[headers][0][value]", ""),
                ("channel[headers][1][name]", "X-New"),
                ("channel[headers][1][value]", "fresh"),
            ],
        )
        .await;
    let updated: Value = reply.ok();
    assert_eq!(updated["name"], "Renamed");
    assert_eq!(updated["enabled"], false, "unchecked box disables");
    let rows = s
        .query_one(&format!(
            "SELECT url, headers, secret FROM channels WHERE id = '{id}'"
        ))
        .await;
    assert_eq!(rows[0][0], "https://user:pw@hooks.example.com/h");
    // Header values and the signing secret are encrypted at rest.
    let raw = rows[0][1].as_str().unwrap();
    let headers: Vec<(String, String)> = serde_json::from_str(raw).unwrap();
    let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["X-Token", "X-New"]);
    assert!(
        headers.iter().all(|(_, v)| v.starts_with("enc:v1:")),
        "{raw}"
    );
    assert!(!raw.contains("t0p") && !raw.contains("fresh"));
    let secret = rows[0][2].as_str().unwrap();
    assert!(secret.starts_with("enc:v1:") && !secret.contains("whsec_"));
}

#[tokio::test]
async fn edit_validates_and_refuses_duplicate_names() {
    let s = server_with_project().await;
    let (a, _) = s.create_channel(P, "A", "https://a.example.com").await;
    s.create_channel(P, "B", "https://b.example.com").await;
    let reply = s
        .call(
            "update_channel",
            &[
                ("project", P),
                ("id", &a),
                ("channel[name]", "B"),
                ("channel[url]", "https://a.example.com"),
            ],
        )
        .await;
    assert!(reply.field("channel[name]").contains("already has"));
    let reply = s
        .call(
            "update_channel",
            &[
                ("project", P),
                ("id", &a),
                ("channel[name]", "A"),
                ("channel[url]", "ftp://x"),
            ],
        )
        .await;
    assert!(reply.field("channel[url]").contains("ftp"));
    let names: Vec<String> = s
        .channels(P)
        .await
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["A", "B"]);
}

#[tokio::test]
async fn enable_and_disable() {
    let s = server_with_project().await;
    let (id, _) = s.create_channel(P, "A", "https://a.example.com").await;
    let reply = s
        .call(
            "set_channel_enabled",
            &[("project", P), ("id", &id), ("enabled", "false")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(s.channels(P).await[0]["enabled"], false);
    s.call(
        "set_channel_enabled",
        &[("project", P), ("id", &id), ("enabled", "true")],
    )
    .await;
    assert_eq!(s.channels(P).await[0]["enabled"], true);
    let reply = s
        .call(
            "set_channel_enabled",
            &[("project", P), ("id", &id), ("enabled", "maybe")],
        )
        .await;
    assert_eq!(reply.status, 400);
}

#[tokio::test]
async fn deleting_an_in_use_channel_asks_then_deletes_routings() {
    let s = server_with_project().await;
    let (id, _) = s.create_channel(P, "A", "https://a.example.com").await;
    let (other, _) = s.create_channel(P, "B", "https://b.example.com").await;
    s.create_routing(P, "execution_completed", &id)
        .await
        .ok::<Value>();
    s.create_routing(P, "execution_failed", &id)
        .await
        .ok::<Value>();
    s.create_routing(P, "execution_failed", &other)
        .await
        .ok::<Value>();

    let reply = s
        .call("delete_channel", &[("project", P), ("id", &id)])
        .await;
    assert_eq!(reply.status, 409);
    let (variant, payload) = reply.err();
    assert_eq!(variant, "ConfirmDelete");
    assert_eq!(payload["channel"], "A");
    let labels: Vec<&str> = payload["routings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["event_label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Execution completes", "Execution fails"]);
    assert_eq!(
        s.channels(P).await.len(),
        2,
        "nothing deleted before confirming"
    );
    assert_eq!(s.routings(P).await.len(), 3);

    let reply = s
        .call(
            "delete_channel",
            &[("project", P), ("id", &id), ("confirm", "yes")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let channels = s.channels(P).await;
    assert_eq!(channels.len(), 1);
    assert_eq!(channels[0]["name"], "B");
    let routings = s.routings(P).await;
    assert_eq!(routings.len(), 1);
    assert_eq!(routings[0]["channel_name"], "B");
}

#[tokio::test]
async fn unused_channel_deletes_without_confirmation() {
    let s = server_with_project().await;
    let (id, _) = s.create_channel(P, "A", "https://a.example.com").await;
    let reply = s
        .call("delete_channel", &[("project", P), ("id", &id)])
        .await;
    assert_eq!(reply.status, 200);
    assert!(s.channels(P).await.is_empty());
}

#[tokio::test]
async fn without_javascript_create_redirects_and_shows_secret_once() {
    let s = server_with_project().await;
    let referer = format!("/p/{P}/settings/notifications/channels/new");
    let res = s
        .post_plain(
            "create_channel",
            &referer,
            &[
                ("project", P),
                ("channel[name]", "Plain"),
                ("channel[url]", "https://e.com/h"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let channel_id = s.channels(P).await[0]["id"].as_str().unwrap().to_string();
    assert!(location.starts_with(&format!(
        "/p/{P}/settings/notifications/channels/{channel_id}?created="
    )));
    let (status, html) = s.page(&location).await;
    assert_eq!(status, 200);
    let start = html.find("whsec_").expect("secret shown after redirect");
    let secret: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "_+/=".contains(*c))
        .collect();
    assert!(secret.len() > 40, "{secret}");
    let (_, again) = s.page(&location).await;
    assert!(!again.contains(&secret), "secret shown only once");
    let stored = s.query_one("SELECT secret FROM channels").await[0][0].clone();
    assert!(
        !stored.as_str().unwrap().contains(&secret),
        "stored encrypted"
    );
}

#[tokio::test]
async fn without_javascript_errors_come_back_in_the_redirect() {
    let s = server_with_project().await;
    let referer = format!("/p/{P}/settings/notifications/channels/new");
    let res = s
        .post_plain(
            "create_channel",
            &referer,
            &[
                ("project", P),
                ("channel[name]", ""),
                ("channel[url]", "ftp://x"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("__err="), "{location}");
    let (_, html) = s
        .page(location.trim_start_matches(&format!("http://{}", s.addr)))
        .await;
    assert!(
        html.contains("Enter a name for the channel."),
        "field error rendered"
    );
    assert!(
        html.contains("Only http and https URLs are supported"),
        "url error rendered"
    );
    assert!(s.channels(P).await.is_empty());
}
