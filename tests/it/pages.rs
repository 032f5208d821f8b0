//! Server-rendered pages: what a browser without JavaScript receives.
use crate::support::TestServer;

const P: &str = "demo/cool-tensorflow";

#[tokio::test]
async fn pages_render_with_their_data() {
    let s = TestServer::start().await;
    let (status, html) = s.page("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("No projects yet"));

    s.create_project(P).await;
    let (id, _) = s.create_channel(P, "Alerts <b>", "https://e.com/h").await;
    s.create_routing(P, "execution_failed", &id).await;

    let (_, html) = s.page("/").await;
    assert!(html.contains(P));

    let (status, html) = s
        .page(&format!("/p/{P}/settings/notifications/channels"))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Alerts &lt;b&gt;"), "names are escaped");
    assert!(html.contains("https://e.com/h"));

    let (_, html) = s
        .page(&format!(
            "/p/{P}/settings/notifications/project-notifications"
        ))
        .await;
    assert!(html.contains("Execution fails"));
    assert!(html.contains("Create new notification routing"));

    let (status, html) = s
        .page(&format!("/p/{P}/settings/notifications/channels/{id}"))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Save changes"));
}

#[tokio::test]
async fn unknown_pages_and_projects_are_404() {
    let s = TestServer::start().await;
    let (status, _) = s.page("/no/such/page").await;
    assert_eq!(status, 404);
    let (status, html) = s.page("/p/ghost/x/settings/notifications/channels").await;
    assert_eq!(status, 404);
    assert!(html.contains("Project ghost/x was not found."));
}

#[tokio::test]
async fn channel_types_templates_conditions_and_dry_run_work_without_javascript() {
    let s = TestServer::start().await;
    s.create_project(P).await;
    let new = format!("/p/{P}/settings/notifications/channels/new");

    // The type picker is links; each type's form and default preview render on the server.
    let (status, html) = s.page(&format!("{new}?type=email")).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"name="channel[kind]" value="email""#));
    assert!(html.contains("SMTP server") && html.contains(r#"name="channel[smtp][to]""#));
    assert!(
        html.contains("srcdoc=\"&lt;!DOCTYPE html&gt;"),
        "the HTML part previews in a frame"
    );
    assert!(html.contains(r#"sandbox="""#), "sandboxed");
    let (_, html) = s.page(&format!("{new}?type=slack")).await;
    assert!(html.contains("Incoming-webhook URL"));
    assert!(
        html.contains("&quot;blocks&quot;") || html.contains("\"blocks\""),
        "default Slack body previewed"
    );
    for kind in ["webhook", "slack", "discord", "teams", "email"] {
        assert!(
            html.contains(&format!("href=\"?type={kind}\"")),
            "{kind} in the picker"
        );
    }

    // A refused plain post comes back to the same type with its errors.
    let referer = format!("{new}?type=email");
    let res = s
        .post_plain(
            "create_channel",
            &referer,
            &[
                ("project", P),
                ("channel[kind]", "email"),
                ("channel[name]", "Mail"),
                ("channel[smtp][host]", "smtp://x"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.contains("type=email") && location.contains("__err="),
        "{location}"
    );
    let (_, html) = s
        .page(location.trim_start_matches(&format!("http://{}", s.addr)))
        .await;
    assert!(
        html.contains("without smtp:// or a port"),
        "host error shown"
    );
    assert!(html.contains("Enter at least one recipient address."));

    // An accepted one lands on the channel's page.
    let res = s
        .post_plain(
            "create_channel",
            &format!("{new}?type=slack"),
            &[
                ("project", P),
                ("channel[kind]", "slack"),
                ("channel[name]", "Slack"),
                ("channel[url]", "https://hooks.slack.com/services/T1/B2/tok"),
                ("channel[enabled]", "on"),
                ("channel[template][body]", "{\"text\": {{ title }}}"),
            ],
        )
        .await;
    assert_eq!(res.status().as_u16(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    assert!(location.ends_with("?new=1"), "{location}");
    let (_, html) = s.page(&location).await;
    assert!(html.contains("Channel created."));
    assert!(html.contains("Custom template"));
    assert!(
        !html.contains("Rotate secret"),
        "chat channels have no signing secret"
    );
    let id = s.channels(P).await[0]["id"].as_str().unwrap().to_string();

    // Conditions from a plain form, shown in words; the routing's own page edits them.
    let res = s
        .post_plain(
            "create_routing",
            &format!("/p/{P}/settings/notifications/project-notifications"),
            &[
                ("project", P),
                ("event_type", "execution_completed"),
                ("channel_id", &id),
                ("filters[0][key]", "valohai.execution-step"),
                ("filters[0][op]", "glob"),
                ("filters[0][value]", "Train*"),
                ("filters[1][key]", ""),
                ("filters[1][op]", "eq"),
                ("filters[1][value]", ""),
            ],
        )
        .await;
    assert!(res.status().as_u16() < 400);
    let (_, html) = s
        .page(&format!(
            "/p/{P}/settings/notifications/project-notifications"
        ))
        .await;
    assert!(html.contains("only when step matches Train*"));
    let routing = s.routings(P).await[0]["id"].as_str().unwrap().to_string();
    let (status, html) = s
        .page(&format!(
            "/p/{P}/settings/notifications/project-notifications/{routing}"
        ))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Save conditions") && html.contains(r#"value="Train*""#));

    // The dry run is a GET form; its report renders on the server.
    let (status, html) = s
        .page(&format!(
            "/p/{P}/settings/notifications/dry-run?source=sample%3Aexecution_completed"
        ))
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Would send to 1 of 1 routing"),
        "{}",
        &html[..html.len().min(400)]
    );
    assert!(html.contains("POST https://hooks.slack.com/services/T1/B2/***"));
    assert!(!html.contains("/T1/B2/tok"), "the token is masked");
}

/// Listing the app's routes suppresses resource loading process-wide; a
/// page whose resources first poll meanwhile used to wait forever. Servers
/// starting while another one renders pages (as in this suite) must not
/// stall it. Two worker threads: the starts and the renders run at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_while_other_servers_start() {
    let s = TestServer::start().await;
    s.create_project(P).await;
    let (id, _) = s.create_channel(P, "Alerts", "https://e.com/h").await;
    let path = format!("/p/{P}/settings/notifications/channels/{id}");
    let starting = tokio::spawn(async {
        let mut servers = Vec::new();
        for _ in 0..6 {
            servers.push(TestServer::start_empty().await);
        }
        servers.len()
    });
    let mut rendered = 0;
    while !starting.is_finished() || rendered < 20 {
        let res = tokio::time::timeout(std::time::Duration::from_secs(15), s.page(&path)).await;
        let (status, html) = res.expect("a page stalled while other servers started");
        assert_eq!(status, 200);
        assert!(html.contains("Save changes"));
        rendered += 1;
    }
    assert_eq!(starting.await.unwrap(), 6);
}
