//! Slack, Discord, Teams and e-mail channels: created and validated through
//! the server functions, delivered to real receivers on loopback (an HTTP
//! receiver, an SMTP sink) and checked as those receivers see them.
use crate::receiver::Receiver;
use crate::smtp_sink::SmtpSink;
use crate::support::TestServer;
use herald::server::dispatch::ssrf::AllowList;
use mail_parser::MessageParser;
use serde_json::{json, Value};
use std::time::Duration;

const P: &str = "demo/cool-tensorflow";
const LIMIT: Duration = Duration::from_secs(10);
const SLACK: &str = "https://hooks.slack.com/services/T0001/B0002/sl4ckT0ken";
const DISCORD: &str = "https://discord.com/api/webhooks/123456789/d1sc0rdT0ken";
const TEAMS: &str = "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=t3amsS1g";

/// A server whose chat channels may point at loopback receivers, as an
/// operator's `HERALD_EXTRA_CHAT_HOSTS=127.0.0.1` allows.
pub async fn chat_server() -> TestServer {
    let s =
        TestServer::start_with(|c| c.delivery.extra_chat_hosts = vec!["127.0.0.1".into()]).await;
    s.create_project(P).await;
    s
}

pub async fn create(s: &TestServer, fields: &[(&str, &str)]) -> crate::support::Reply {
    let mut form = vec![("project", P), ("channel[enabled]", "on")];
    form.extend_from_slice(fields);
    s.call("create_channel", &form).await
}

fn email_fields<'a>(name: &'a str, host: &'a str, port: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("channel[kind]", "email"),
        ("channel[name]", name),
        ("channel[smtp][host]", host),
        ("channel[smtp][port]", port),
        ("channel[smtp][security]", "none"),
        ("channel[smtp][from]", "Herald <herald@example.com>"),
        (
            "channel[smtp][to]",
            "ml-team@example.com, oncall@example.com",
        ),
    ]
}

fn completed() -> Value {
    json!({
        "type": "execution_completed",
        "data": {
            "valohai.execution-counter": 736,
            "valohai.execution-id": "0178f482-8686-fb28-8af1-3d36af38079d",
            "valohai.execution-status": "complete",
            "valohai.execution-duration": 660.0186445713043,
            "valohai.execution-step": "Train model (MNIST)",
            "valohai.project-name": "demo/cool-tensorflow",
            "valohai.creator-name": "demouser"
        }
    })
}

const TITLE: &str = "Execution finished: demo/cool-tensorflow/#736 (completed)";
const LINK: &str =
    "http://herald.test/p/demo/cool-tensorflow/execution/0178f482-8686-fb28-8af1-3d36af38079d/";

#[tokio::test]
async fn every_type_is_created_listed_and_keeps_its_secrets() {
    let s = TestServer::start().await;
    s.create_project(P).await;
    let slack: Value = create(
        &s,
        &[
            ("channel[kind]", "slack"),
            ("channel[name]", "Slack"),
            ("channel[url]", SLACK),
        ],
    )
    .await
    .ok();
    assert_eq!(slack["kind"], "slack");
    assert_eq!(
        slack["secret"],
        Value::Null,
        "only webhooks have a signing secret"
    );
    create(
        &s,
        &[
            ("channel[kind]", "discord"),
            ("channel[name]", "Discord"),
            ("channel[url]", DISCORD),
        ],
    )
    .await
    .ok::<Value>();
    create(
        &s,
        &[
            ("channel[kind]", "teams"),
            ("channel[name]", "Teams"),
            ("channel[url]", TEAMS),
        ],
    )
    .await
    .ok::<Value>();
    let mut mail = email_fields("Mail", "smtp.example.com", "");
    mail[4] = ("channel[smtp][security]", "starttls");
    mail.push(("channel[smtp][user]", "herald"));
    mail.push(("channel[smtp][password]", "sm7p-Passw0rd"));
    create(&s, &mail).await.ok::<Value>();
    let (_, secret) = s
        .create_channel(P, "Webhook", "https://example.com/hook")
        .await;
    assert!(secret.starts_with("whsec_"));

    let list = s.channels(P).await;
    let by_name = |n: &str| list.iter().find(|c| c["name"] == n).unwrap().clone();
    assert_eq!(
        list.iter()
            .map(|c| c["kind"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["discord", "email", "slack", "teams", "webhook"]
    );
    assert_eq!(
        by_name("Slack")["destination"],
        "https://hooks.slack.com/services/T0001/B0002/***"
    );
    assert_eq!(
        by_name("Discord")["destination"],
        "https://discord.com/api/webhooks/123456789/***"
    );
    assert!(by_name("Teams")["destination"]
        .as_str()
        .unwrap()
        .contains("sig=***"));
    let email = by_name("Mail");
    assert_eq!(
        email["destination"],
        "ml-team@example.com, oncall@example.com via smtp.example.com:587"
    );
    assert_eq!(
        email["email"]["port"], 587,
        "STARTTLS's usual port when blank"
    );
    assert_eq!(email["email"]["has_password"], true);
    let text = serde_json::to_string(&list).unwrap();
    for secret in ["sl4ckT0ken", "d1sc0rdT0ken", "t3amsS1g", "sm7p-Passw0rd"] {
        assert!(!text.contains(secret), "{secret} leaked to the browser");
    }
    let stored = s
        .query_one("SELECT config FROM channels WHERE kind = 'email'")
        .await;
    assert!(
        !stored[0][0].as_str().unwrap().contains("sm7p-Passw0rd"),
        "password encrypted at rest"
    );

    // Editing with the masked URL and a blank password keeps both.
    let slack_id = by_name("Slack")["id"].as_str().unwrap().to_string();
    let reply = s
        .call(
            "update_channel",
            &[
                ("project", P),
                ("id", &slack_id),
                ("channel[name]", "Slack alerts"),
                (
                    "channel[url]",
                    "https://hooks.slack.com/services/T0001/B0002/***",
                ),
                ("channel[enabled]", "on"),
            ],
        )
        .await;
    assert!(reply.status < 400, "{}", reply.body);
    let url = s
        .query_one(&format!("SELECT url FROM channels WHERE id = '{slack_id}'"))
        .await;
    assert_eq!(url[0][0], SLACK);
    let email_id = email["id"].as_str().unwrap().to_string();
    let mut edit = email_fields("Mail", "smtp.example.com", "2525");
    edit[4] = ("channel[smtp][security]", "tls");
    edit.push(("channel[smtp][user]", "herald"));
    let mut form = vec![
        ("project", P),
        ("id", email_id.as_str()),
        ("channel[enabled]", "on"),
    ];
    form.extend(edit.iter().cloned());
    let reply = s.call("update_channel", &form).await;
    assert!(
        reply.status < 400,
        "blank password keeps the stored one: {}",
        reply.body
    );
    let got: Value = s
        .call("get_channel", &[("project", P), ("id", &email_id)])
        .await
        .ok();
    assert_eq!(got["email"]["security"], "tls");
    assert_eq!(got["email"]["port"], 2525);
    assert_eq!(got["email"]["has_password"], true);
    // Another user needs their own password.
    let mut form = form.clone();
    form.retain(|(k, _)| *k != "channel[smtp][user]");
    form.push(("channel[smtp][user]", "someone-else"));
    let reply = s.call("update_channel", &form).await;
    assert!(reply
        .field("channel[smtp][password]")
        .contains("someone-else"));

    // The audit log says what changed, briefly, and never a secret.
    let audit: Value = s.call("list_audit", &[("project", P)]).await.ok();
    let details: Vec<String> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["subject"].as_str().unwrap(),
                e["detail"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert!(
        details.contains(&"Slack Slack, hooks.slack.com".to_string()),
        "{details:#?}"
    );
    assert!(
        details.contains(
            &"Mail Email, ml-team@example.com, oncall@example.com via smtp.example.com:587"
                .to_string()
        ),
        "{details:#?}"
    );
    assert!(
        details
            .iter()
            .any(|d| d.starts_with("Mail SMTP settings → ") && d.contains(":2525")),
        "{details:#?}"
    );
    let text = audit.to_string();
    for secret in ["sl4ckT0ken", "d1sc0rdT0ken", "t3amsS1g", "sm7p-Passw0rd"] {
        assert!(!text.contains(secret), "{secret} in the audit log");
    }

    // Rotating makes sense for webhooks only.
    let reply = s
        .call(
            "rotate_channel_secret",
            &[("project", P), ("id", &slack_id)],
        )
        .await;
    assert!(reply.field("id").contains("Only webhook channels"));
}

/// Form fields, the field expected to be refused, and words of its message.
type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);

#[tokio::test]
async fn each_type_validates_its_own_fields() {
    let s = TestServer::start().await;
    s.create_project(P).await;
    let many: String = (0..21)
        .map(|i| format!("u{i}@example.com"))
        .collect::<Vec<_>>()
        .join(",");
    let cases: Vec<Case> = vec![
        (
            vec![("channel[kind]", "pager"), ("channel[name]", "x")],
            "channel[kind]",
            "not a channel type",
        ),
        (
            vec![
                ("channel[kind]", "slack"),
                ("channel[name]", "x"),
                ("channel[url]", "https://example.com/hook"),
            ],
            "channel[url]",
            "https://hooks.slack.com/services/",
        ),
        (
            vec![
                ("channel[kind]", "slack"),
                ("channel[name]", "x"),
                ("channel[url]", ""),
            ],
            "channel[url]",
            "Enter the Slack incoming-webhook URL",
        ),
        (
            vec![
                ("channel[kind]", "discord"),
                ("channel[name]", "x"),
                ("channel[url]", SLACK),
            ],
            "channel[url]",
            "discord.com/api/webhooks",
        ),
        (
            vec![
                ("channel[kind]", "discord"),
                ("channel[name]", "x"),
                ("channel[url]", "https://discord.com/api/webhooks/abc/def"),
            ],
            "channel[url]",
            "<number>/<token>",
        ),
        (
            vec![
                ("channel[kind]", "teams"),
                ("channel[name]", "x"),
                ("channel[url]", "http://prod-1.westeurope.logic.azure.com/w"),
            ],
            "channel[url]",
            "logic.azure.com",
        ),
        (
            vec![
                ("channel[kind]", "teams"),
                ("channel[name]", ""),
                ("channel[url]", TEAMS),
            ],
            "channel[name]",
            "Enter a name",
        ),
        (
            vec![
                ("channel[kind]", "email"),
                ("channel[name]", "m"),
                ("channel[smtp][from]", "h@example.com"),
                ("channel[smtp][to]", "a@example.com"),
            ],
            "channel[smtp][host]",
            "Enter the SMTP server's host name",
        ),
        (
            vec![
                ("channel[kind]", "email"),
                ("channel[name]", "m"),
                ("channel[smtp][host]", "smtp.example.com:587"),
                ("channel[smtp][from]", "h@example.com"),
                ("channel[smtp][to]", "a@example.com"),
            ],
            "channel[smtp][host]",
            "Port field",
        ),
        (
            vec![
                ("channel[kind]", "email"),
                ("channel[name]", "m"),
                ("channel[smtp][host]", "smtp.example.com"),
                ("channel[smtp][port]", "0"),
                ("channel[smtp][from]", "h@example.com"),
                ("channel[smtp][to]", "a@example.com"),
            ],
            "channel[smtp][port]",
            "1 to 65535",
        ),
        (
            vec![
                ("channel[kind]", "email"),
                ("channel[name]", "m"),
                ("channel[smtp][host]", "smtp.example.com"),
                ("channel[smtp][security]", "ssl3"),
                ("channel[smtp][from]", "h@example.com"),
                ("channel[smtp][to]", "a@example.com"),
            ],
            "channel[smtp][security]",
            "STARTTLS, TLS or none",
        ),
        (
            vec![
                ("channel[kind]", "email"),
                ("channel[name]", "m"),
                ("channel[smtp][host]", "smtp.example.com"),
                ("channel[smtp][security]", "none"),
                ("channel[smtp][user]", "u"),
                ("channel[smtp][password]", "p"),
                ("channel[smtp][from]", "h@example.com"),
                ("channel[smtp][to]", "a@example.com"),
            ],
            "channel[smtp][security]",
            "clear text",
        ),
        (
            vec![
                ("channel[kind]", "email"),
                ("channel[name]", "m"),
                ("channel[smtp][host]", "smtp.example.com"),
                ("channel[smtp][user]", "u"),
                ("channel[smtp][from]", "h@example.com"),
                ("channel[smtp][to]", "a@example.com"),
            ],
            "channel[smtp][password]",
            "Enter the password for u",
        ),
        (
            vec![
                ("channel[kind]", "email"),
                ("channel[name]", "m"),
                ("channel[smtp][host]", "smtp.example.com"),
                ("channel[smtp][from]", "Herald herald@example.com"),
                ("channel[smtp][to]", "a@example.com"),
            ],
            "channel[smtp][from]",
            "not an e-mail address",
        ),
        (
            vec![
                ("channel[kind]", "email"),
                ("channel[name]", "m"),
                ("channel[smtp][host]", "smtp.example.com"),
                ("channel[smtp][from]", "h@example.com"),
                ("channel[smtp][to]", "a@example.com, bob"),
            ],
            "channel[smtp][to]",
            "“bob”",
        ),
        (
            vec![
                ("channel[kind]", "email"),
                ("channel[name]", "m"),
                ("channel[smtp][host]", "smtp.example.com"),
                ("channel[smtp][from]", "h@example.com"),
                ("channel[smtp][to]", &many),
            ],
            "channel[smtp][to]",
            "at most 20",
        ),
    ];
    for (fields, field, words) in cases {
        let reply = create(&s, &fields).await;
        let message = reply.field(field);
        assert!(
            message.contains(words),
            "{field}: “{message}” lacks “{words}”"
        );
    }
    assert!(
        s.channels(P).await.is_empty(),
        "a refused form creates nothing"
    );
}

#[tokio::test]
async fn chat_messages_arrive_in_each_services_shape() {
    let s = chat_server().await;
    let token = s.create_token(P).await;
    let (slack, discord, teams) = (
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
    );
    for (kind, receiver) in [("slack", &slack), ("discord", &discord), ("teams", &teams)] {
        let created: Value = create(
            &s,
            &[
                ("channel[kind]", kind),
                ("channel[name]", kind),
                ("channel[url]", &receiver.url()),
            ],
        )
        .await
        .ok();
        s.create_routing(P, "execution_completed", created["id"].as_str().unwrap())
            .await
            .ok::<Value>();
    }
    let (status, body) = s.post_event(&token, &completed()).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["deliveries"], 3);

    let got = slack.wait_for(1, LIMIT).await;
    let m: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(got[0].headers["content-type"], "application/json");
    assert!(
        got[0].headers.get("webhook-signature").is_none(),
        "chat messages are not signed"
    );
    assert_eq!(m["text"], TITLE);
    assert_eq!(m["blocks"][0]["text"]["text"], TITLE);
    assert!(m["blocks"][1]["text"]["text"]
        .as_str()
        .unwrap()
        .contains(&format!("<{LINK}|demo/cool-tensorflow/#736>")));
    assert_eq!(
        m["blocks"][2]["fields"][1]["text"],
        "*Step*\nTrain model (MNIST)"
    );

    let got = discord.wait_for(1, LIMIT).await;
    let m: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(m["content"], "Execution completes · demo/cool-tensorflow");
    assert_eq!(m["embeds"][0]["title"], TITLE);
    assert_eq!(m["embeds"][0]["url"], LINK);
    assert_eq!(m["embeds"][0]["color"], 0x1F883D);
    assert_eq!(m["allowed_mentions"]["parse"], json!([]));

    let got = teams.wait_for(1, LIMIT).await;
    let m: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(m["type"], "message");
    let card = &m["attachments"][0];
    assert_eq!(
        card["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(card["content"]["type"], "AdaptiveCard");
    assert_eq!(card["content"]["body"][1]["text"], TITLE);
    assert_eq!(card["content"]["actions"][0]["url"], LINK);

    for row in s.deliveries(P).await {
        s.wait_delivery(P, row["id"].as_str().unwrap(), LIMIT, |d| {
            d["row"]["status"] == "succeeded"
        })
        .await;
    }
}

#[tokio::test]
async fn an_email_with_both_parts_reaches_the_smtp_server() {
    let sink = SmtpSink::start().await;
    let s = chat_server().await;
    let token = s.create_token(P).await;
    let port = sink.port();
    let created: Value = create(&s, &email_fields("Team mail", "127.0.0.1", &port))
        .await
        .ok();
    let channel = created["id"].as_str().unwrap().to_string();
    s.create_routing(P, "execution_completed", &channel)
        .await
        .ok::<Value>();
    let (status, _) = s.post_event(&token, &completed()).await;
    assert_eq!(status, 202);

    let mails = sink.wait_for(1, LIMIT).await;
    let mail = &mails[0];
    assert_eq!(mail.from, "herald@example.com");
    assert_eq!(mail.to, vec!["ml-team@example.com", "oncall@example.com"]);
    assert!(!mail.helo.is_empty());
    let parsed = MessageParser::default()
        .parse(&mail.data)
        .expect("a well-formed e-mail");
    assert_eq!(parsed.subject(), Some(TITLE));
    let from = parsed.from().and_then(|f| f.first()).unwrap();
    assert_eq!(from.name(), Some("Herald"));
    assert_eq!(from.address(), Some("herald@example.com"));
    let to: Vec<&str> = parsed
        .to()
        .unwrap()
        .mailboxes()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(to, ["ml-team@example.com", "oncall@example.com"]);
    assert_eq!(parsed.text_body().len(), 1);
    assert_eq!(parsed.html_body().len(), 1);
    let text = parsed.body_text(0).unwrap();
    assert!(
        text.contains(&format!("demo/cool-tensorflow/#736 <{LINK}>")),
        "{text}"
    );
    assert!(text.contains("Step: Train model (MNIST)"), "{text}");
    let html = parsed.body_html(0).unwrap();
    assert!(html.contains(&format!("<a href=\"{LINK}\"")), "{html}");
    let text_part = parsed.text_body().next().unwrap();
    assert_eq!(
        text_part.content_type().and_then(|c| c.subtype()),
        Some("plain")
    );
    let html_part = parsed.html_body().next().unwrap();
    assert_eq!(
        html_part.content_type().and_then(|c| c.subtype()),
        Some("html")
    );
    assert!(parsed.is_content_type("multipart", "alternative"));
    assert_eq!(
        parsed
            .headers()
            .get("Auto-Submitted")
            .and_then(|h| h.value().as_text())
            .map(str::trim),
        Some("auto-generated")
    );
    let id = s.deliveries(P).await[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        parsed.message_id(),
        Some(format!("msg_{id}@example.com").as_str()),
        "stable per delivery"
    );

    let d = s
        .wait_delivery(P, &id, LIMIT, |d| d["row"]["status"] == "succeeded")
        .await;
    let attempt = &d["attempts"][0];
    assert_eq!(attempt["response_status"], 250);
    assert!(attempt["response_body"]
        .as_str()
        .unwrap()
        .contains("queued as sink-1"));
    let headers = serde_json::to_string(&attempt["request_headers"]).unwrap();
    assert!(
        headers.contains(&format!("127.0.0.1:{port} (unencrypted)")),
        "{headers}"
    );
    assert_eq!(d["row"]["channel_kind"], "email");
    assert_eq!(
        d["email_parts"][0]["content"], TITLE,
        "the page shows the e-mail's parts"
    );
    assert!(d["email_parts"][2]["content"]
        .as_str()
        .unwrap()
        .contains("<h1 "));

    // Send test goes the same way and reports the SMTP reply.
    let test: Value = s
        .call("send_channel_test", &[("project", P), ("id", &channel)])
        .await
        .ok();
    assert_eq!(test["status"], "succeeded", "{test}");
    assert_eq!(test["protocol"], "SMTP");
    assert_eq!(test["response_status"], 250);
    let mails = sink.wait_for(2, LIMIT).await;
    let ping = MessageParser::default().parse(&mails[1].data).unwrap();
    assert_eq!(ping.subject(), Some("Test message from Herald"));
}

#[tokio::test]
async fn a_permanent_smtp_refusal_fails_at_once_and_a_transient_one_is_retried() {
    let sink = SmtpSink::start().await;
    let s = chat_server().await;
    let token = s.create_token(P).await;
    let created: Value = create(&s, &email_fields("Team mail", "127.0.0.1", &sink.port()))
        .await
        .ok();
    let channel = created["id"].as_str().unwrap().to_string();
    s.create_routing(P, "execution_completed", &channel)
        .await
        .ok::<Value>();

    sink.script_rcpt(&["550 5.1.1 <ml-team@example.com>: Recipient address rejected"]);
    s.post_event(&token, &completed()).await;
    let id = s.deliveries(P).await[0]["id"].as_str().unwrap().to_string();
    let d = s
        .wait_delivery(P, &id, LIMIT, |d| d["row"]["status"] == "failed")
        .await;
    assert_eq!(d["row"]["attempts"], 1, "no retries after a 5xx");
    assert_eq!(d["row"]["last_status_code"], 550);
    assert!(
        d["row"]["last_error"]
            .as_str()
            .unwrap()
            .contains("Recipient address rejected"),
        "{d}"
    );
    assert_eq!(d["attempts"][0]["error_kind"], "smtp");
    let c: Value = s
        .call("get_channel", &[("project", P), ("id", &channel)])
        .await
        .ok();
    assert_eq!(
        c["enabled"], true,
        "one refused recipient does not disable the channel"
    );

    sink.script_data(&["451 4.3.0 Try again later"]);
    s.post_event(&token, &completed()).await;
    let rows = s.deliveries(P).await;
    let id = rows[0]["id"].as_str().unwrap().to_string();
    let d = s
        .wait_delivery(P, &id, LIMIT, |d| d["row"]["status"] == "succeeded")
        .await;
    assert_eq!(d["row"]["attempts"], 2, "retried after a 4xx: {d}");
    assert_eq!(d["attempts"][1]["response_status"], 451);
    assert_eq!(sink.mails().len(), 1);
}

#[tokio::test]
async fn the_ssrf_guard_covers_smtp_servers() {
    let sink = SmtpSink::start().await;
    let s = TestServer::start_with(|c| c.delivery.allowed_networks = AllowList::default()).await;
    s.create_project(P).await;
    let created: Value = create(&s, &email_fields("Mail", "localhost", &sink.port()))
        .await
        .ok();
    let test: Value = s
        .call(
            "send_channel_test",
            &[("project", P), ("id", created["id"].as_str().unwrap())],
        )
        .await
        .ok();
    assert_ne!(test["status"], "succeeded");
    assert!(
        test["error"].as_str().unwrap().contains("loopback"),
        "{test}"
    );
    let d = s.delivery(P, test["delivery_id"].as_str().unwrap()).await;
    assert_eq!(d["attempts"][0]["error_kind"], "blocked");
    assert!(
        sink.transcript().is_empty(),
        "nothing connected to the sink"
    );
}
