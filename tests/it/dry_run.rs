//! Dry runs over HTTP: which routings match and why the others do not, the
//! exact requests (signed, secrets masked), nothing sent; then sent for real.
use crate::channel_types::{chat_server, create};
use crate::receiver::Receiver;
use crate::support::TestServer;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{json, Value};
use std::time::Duration;

const P: &str = "demo/cool-tensorflow";
const SLACK: &str = "https://hooks.slack.com/services/T0001/B0002/sl4ckT0ken";

async fn dry_run(s: &TestServer, source: &str) -> Value {
    s.call("dry_run", &[("project", P), ("source", source)])
        .await
        .ok()
}

fn routing<'a>(report: &'a Value, channel: &str, event_label: &str) -> &'a Value {
    report["routings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["channel_name"] == channel && r["event_label"] == event_label)
        .unwrap_or_else(|| panic!("no routing {event_label} → {channel} in {report:#}"))
}

#[tokio::test]
async fn a_dry_run_shows_matches_reasons_and_exact_requests_without_sending() {
    let receiver = Receiver::start().await;
    let s = chat_server().await;
    let hook: Value = create(
        &s,
        &[
            ("channel[name]", "Hook"),
            ("channel[url]", &receiver.url()),
            ("channel[headers][0][name]", "X-Api-Key"),
            ("channel[headers][0][value]", "k3y-s3cret"),
        ],
    )
    .await
    .ok();
    let secret = hook["secret"].as_str().unwrap().to_string();
    let hook = hook["id"].as_str().unwrap().to_string();
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
    let slack = slack["id"].as_str().unwrap().to_string();
    s.create_routing(P, "execution_completed", &hook)
        .await
        .ok::<Value>();
    let slack_routing: Value = s
        .call(
            "create_routing",
            &[
                ("project", P),
                ("event_type", "execution_completed"),
                ("channel_id", &slack),
                ("filters[0][key]", "valohai.execution-step"),
                ("filters[0][op]", "glob"),
                ("filters[0][value]", "eval*"),
            ],
        )
        .await
        .ok();
    s.create_routing(P, "execution_failed", &hook)
        .await
        .ok::<Value>();

    let report = dry_run(&s, "sample:execution_completed").await;
    assert_eq!(report["event_type"], "execution_completed");
    assert_eq!(report["origin"], "Sample of “Execution completes”");
    assert_eq!(
        report["title"],
        "Execution finished: demo/cool-tensorflow/#736 (completed)"
    );

    let matched = routing(&report, "Hook", "Execution completes");
    assert_eq!(matched["matched"], true);
    let request = &matched["request"];
    assert_eq!(request["target"], format!("POST {}", receiver.url()));
    let headers: Vec<(String, String)> =
        serde_json::from_value(request["headers"].clone()).unwrap();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        header("X-Api-Key").as_deref(),
        Some("••••••"),
        "custom values masked"
    );
    assert!(!request.to_string().contains("k3y-s3cret"));
    // The signature shown is real: it verifies over the exact bytes shown.
    let mut map = HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        map.insert(
            HeaderName::from_static(name),
            HeaderValue::from_str(&header(name).unwrap()).unwrap(),
        );
    }
    let exact = request["exact"].as_str().unwrap();
    standardwebhooks::Webhook::new(&secret)
        .unwrap()
        .verify(exact.as_bytes(), &map)
        .expect("signature over the exact body");
    let body: Value = serde_json::from_str(exact).unwrap();
    assert_eq!(body["title"], report["title"]);

    let filtered = routing(&report, "Slack", "Execution completes");
    assert_eq!(filtered["matched"], false);
    assert_eq!(filtered["filters_words"], "only when step matches eval*");
    assert!(
        filtered["reason"]
            .as_str()
            .unwrap()
            .contains("“step matches eval*” does not hold: step is “Train model (MNIST)”"),
        "{filtered}"
    );
    let other = routing(&report, "Hook", "Execution fails");
    assert_eq!(other["reason"], "It is for “Execution fails” events.");
    assert_eq!(report["routings"][0]["matched"], true, "matches first");

    // Nothing was sent or stored.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.received().is_empty());
    assert!(s.deliveries(P).await.is_empty());

    // Disabled things are reasons too.
    s.call(
        "set_routing_enabled",
        &[
            ("project", P),
            ("id", slack_routing["id"].as_str().unwrap()),
            ("enabled", "false"),
        ],
    )
    .await;
    s.call(
        "set_channel_enabled",
        &[("project", P), ("id", &hook), ("enabled", "false")],
    )
    .await;
    let report = dry_run(&s, "sample:execution_completed").await;
    assert_eq!(
        routing(&report, "Hook", "Execution completes")["reason"],
        "The channel is disabled."
    );
    assert_eq!(
        routing(&report, "Slack", "Execution completes")["reason"],
        "The routing is disabled."
    );
    assert_eq!(
        report["routings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["matched"] == true)
            .count(),
        0
    );
}

#[tokio::test]
async fn a_past_event_is_dry_run_then_sent_for_real() {
    let receiver = Receiver::start().await;
    let s = chat_server().await;
    let token = s.create_token(P).await;
    let (hook, _) = s.create_channel(P, "Hook", &receiver.url()).await;
    s.create_routing(P, "task_failed", &hook)
        .await
        .ok::<Value>();
    let (status, posted) = s
        .post_event(
            &token,
            &json!({"type": "task_failed", "data": {"valohai.task-counter": 12, "valohai.project-name": P}}),
        )
        .await;
    assert_eq!(status, 202);
    receiver.wait_for(1, Duration::from_secs(10)).await;

    let events: Vec<Value> = s.call("list_recent_events", &[("project", P)]).await.ok();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["id"], posted["id"]);
    assert_eq!(events[0]["title"], "Task failed: demo/cool-tensorflow/#12");
    let source = format!("event:{}", posted["id"].as_str().unwrap());
    let report = dry_run(&s, &source).await;
    assert!(report["origin"].as_str().unwrap().starts_with("Event "));
    assert_eq!(report["routings"][0]["matched"], true);
    assert!(report["data"]
        .as_str()
        .unwrap()
        .contains("\"valohai.task-counter\": 12"));

    let sent: Value = s
        .call("dry_run_send", &[("project", P), ("source", &source)])
        .await
        .ok();
    assert_eq!(sent["deliveries"], 1);
    assert_ne!(sent["event_id"], posted["id"], "sent as a new event");
    let got = receiver.wait_for(2, Duration::from_secs(10)).await;
    assert_eq!(got[0].body, got[1].body, "the same message again");

    for (source, words) in [
        ("", "Choose a past event or a sample"),
        ("sample:lunch", "“lunch” is not a known event type"),
        ("event:nope", "does not exist in this project"),
    ] {
        let reply = s
            .call("dry_run", &[("project", P), ("source", source)])
            .await;
        assert!(reply.field("source").contains(words), "{source}");
    }
}

#[tokio::test]
async fn an_email_dry_run_shows_the_message_and_no_password() {
    let s = TestServer::start().await;
    s.create_project(P).await;
    let created: Value = create(
        &s,
        &[
            ("channel[kind]", "email"),
            ("channel[name]", "Mail"),
            ("channel[smtp][host]", "smtp.example.com"),
            ("channel[smtp][user]", "herald"),
            ("channel[smtp][password]", "pa55-w0rd"),
            ("channel[smtp][from]", "Herald <herald@example.com>"),
            ("channel[smtp][to]", "ml@example.com"),
            (
                "channel[template][subject]",
                "[{{ project_name }}] {{ title }}",
            ),
        ],
    )
    .await
    .ok();
    s.create_routing(P, "model_version_created", created["id"].as_str().unwrap())
        .await
        .ok::<Value>();
    let report = dry_run(&s, "sample:model_version_created").await;
    let r = &report["routings"][0];
    assert_eq!(r["matched"], true, "{r}");
    let request = &r["request"];
    assert_eq!(
        request["target"],
        "SMTP smtp.example.com:587 (STARTTLS) to ml@example.com"
    );
    let parts = request["parts"].as_array().unwrap();
    assert_eq!(
        parts[0]["content"],
        "[demo/cool-tensorflow] Model version created: model://mnist-classifier/12"
    );
    assert_eq!(parts[0]["custom"], true);
    assert_eq!(
        parts[1]["custom"], false,
        "the text part is Herald's default"
    );
    assert_eq!(parts[2]["is_html"], true);
    let exact = request["exact"].as_str().unwrap();
    assert!(
        exact.contains("Content-Type: multipart/alternative"),
        "{exact}"
    );
    assert!(!request.to_string().contains("pa55-w0rd"));
}
