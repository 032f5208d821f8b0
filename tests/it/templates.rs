//! Channel templates over HTTP: the live preview, refusal of templates that
//! fail (with line and column), the sandbox's limits, and what a receiver
//! gets from a templated channel.
use crate::channel_types::{chat_server, create};
use crate::receiver::Receiver;
use crate::support::TestServer;
use serde_json::{json, Value};
use std::time::Duration;

const P: &str = "demo/cool-tensorflow";
const SLACK: &str = "https://hooks.slack.com/services/T0001/B0002/sl4ckT0ken";

async fn preview(s: &TestServer, kind: &str, event: &str, parts: &[(&str, &str)]) -> Value {
    let mut form = vec![("project", P), ("kind", kind), ("event_type", event)];
    form.extend_from_slice(parts);
    s.call("preview_template", &form).await.ok()
}

#[tokio::test]
async fn the_preview_renders_defaults_templates_and_problems() {
    let s = TestServer::start().await;
    s.create_project(P).await;

    let p = preview(&s, "slack", "execution_failed", &[]).await;
    assert_eq!(p["event_label"], "Execution fails");
    assert_eq!(p["problems"], json!([]));
    let body: Value = serde_json::from_str(p["parts"][0]["content"].as_str().unwrap()).unwrap();
    assert_eq!(
        body["text"],
        "Execution failed: demo/cool-tensorflow/#736 (error)"
    );
    assert_eq!(p["parts"][0]["custom"], false);

    let p = preview(
        &s,
        "discord",
        "deployment_completed",
        &[(
            "template[body]",
            "{\"content\": {{ title ~ \" → \" ~ link }}}",
        )],
    )
    .await;
    assert_eq!(p["parts"][0]["custom"], true);
    let body: Value = serde_json::from_str(p["parts"][0]["content"].as_str().unwrap()).unwrap();
    assert!(body["content"]
        .as_str()
        .unwrap()
        .starts_with("Deployment completed: demo/cool-tensorflow/production version 20210421.0 → http://herald.test/p/"));

    // A syntax error: where, and in which part.
    let p = preview(
        &s,
        "email",
        "ping",
        &[
            ("template[subject]", "ok"),
            ("template[html]", "<p>\n  {% if title %}\n</p>"),
        ],
    )
    .await;
    assert_eq!(p["parts"][0]["part"], "subject");
    assert_eq!(p["parts"][0]["content"], "ok");
    assert_eq!(p["parts"][1]["part"], "text", "the default text part");
    let problem = &p["problems"][0];
    assert_eq!(problem["field"], "channel[template][html]");
    assert_eq!(problem["line"], 2, "at the unclosed block: {problem}");
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .contains("syntax error"),
        "{problem}"
    );

    // Quoting a value breaks the JSON; the problem points at the line.
    let p = preview(
        &s,
        "webhook",
        "ping",
        &[("template[body]", "{\n  \"text\": \"{{ title }}\"\n}")],
    )
    .await;
    assert_eq!(p["problems"][0]["line"], 2);
    assert!(p["problems"][0]["message"]
        .as_str()
        .unwrap()
        .contains("without quotes"));

    let reply = s
        .call(
            "preview_template",
            &[("project", P), ("kind", "fax"), ("event_type", "ping")],
        )
        .await;
    assert!(reply.field("kind").contains("not a channel type"));
    let reply = s
        .call(
            "preview_template",
            &[("project", P), ("kind", "slack"), ("event_type", "lunch")],
        )
        .await;
    assert!(reply.field("event_type").contains("not a known event type"));
}

#[tokio::test]
async fn templates_that_fail_on_any_sample_are_never_saved() {
    let s = TestServer::start().await;
    s.create_project(P).await;
    let cases: Vec<(&str, &str, &str)> = vec![
        ("{\"text\": {{ title }", "Line 1, column ", "syntax error"),
        ("{\"text\": \"{{ title }}\"}", "Line 1", "not valid JSON"),
        ("{\"x\": {{ title }}}", "", "\"text\" or \"blocks\""),
        // Fine for executions; tasks have no counter, so `+ 1` fails there.
        (
            "{\"text\": {{ data[\"valohai.execution-counter\"] + 1 }}}",
            "Line 1",
            "“Task completes” sample",
        ),
        (
            "{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}",
            "",
            "too many steps",
        ),
        ("{% include \"/etc/passwd\" %}", "Line 1", ""),
        (
            "{% for i in range(2000) %}{{ title }}{% endfor %}",
            "",
            "larger than 64 KiB",
        ),
    ];
    for (template, place, words) in cases {
        let reply = create(
            &s,
            &[
                ("channel[kind]", "slack"),
                ("channel[name]", "Slack"),
                ("channel[url]", SLACK),
                ("channel[template][body]", template),
            ],
        )
        .await;
        let message = reply.field("channel[template][body]");
        assert!(message.starts_with(place), "{template}: {message}");
        assert!(
            message.contains(words),
            "{template}: “{message}” lacks “{words}”"
        );
    }
    assert!(s.channels(P).await.is_empty());

    // Other fields' errors come back together with the template's.
    let reply = create(
        &s,
        &[
            ("channel[kind]", "slack"),
            ("channel[name]", ""),
            ("channel[url]", SLACK),
            ("channel[template][body]", "{{"),
        ],
    )
    .await;
    let fields: Vec<String> = reply.field_errors().into_iter().map(|(f, _)| f).collect();
    assert!(
        fields.contains(&"channel[name]".to_string())
            && fields.contains(&"channel[template][body]".to_string())
    );

    // An edit with a broken template changes nothing.
    let good = "{\"text\": {{ title }}}";
    let created: Value = create(
        &s,
        &[
            ("channel[kind]", "slack"),
            ("channel[name]", "Slack"),
            ("channel[url]", SLACK),
            ("channel[template][body]", good),
        ],
    )
    .await
    .ok();
    let id = created["id"].as_str().unwrap();
    let reply = s
        .call(
            "update_channel",
            &[
                ("project", P),
                ("id", id),
                ("channel[name]", "Slack"),
                (
                    "channel[url]",
                    "https://hooks.slack.com/services/T0001/B0002/***",
                ),
                ("channel[enabled]", "on"),
                ("channel[template][body]", "{\"text\": {{ nope( }}}"),
            ],
        )
        .await;
    assert!(reply
        .field("channel[template][body]")
        .starts_with("Line 1, column "));
    let got: Value = s
        .call("get_channel", &[("project", P), ("id", id)])
        .await
        .ok();
    assert_eq!(got["template"]["body"], good);
}

#[tokio::test]
async fn a_templated_webhook_sends_its_template_signed() {
    let receiver = Receiver::start().await;
    let s = chat_server().await;
    let token = s.create_token(P).await;
    let template = "{\n  \"summary\": {{ title }},\n  \"step\": {{ data[\"valohai.execution-step\"]|default(\"?\") }},\n  \"took\": {{ data[\"valohai.execution-duration\"]|duration }},\n  \"facts\": {{ facts|length }}\n}";
    let created: Value = create(
        &s,
        &[
            ("channel[name]", "Templated"),
            ("channel[url]", &receiver.url()),
            ("channel[template][body]", template),
        ],
    )
    .await
    .ok();
    let secret = created["secret"].as_str().unwrap();
    s.create_routing(P, "execution_completed", created["id"].as_str().unwrap())
        .await
        .ok::<Value>();
    let (status, _) = s
        .post_event(
            &token,
            &json!({"type": "execution_completed", "data": {
                "valohai.execution-counter": 9,
                "valohai.execution-step": "train-resnet",
                "valohai.execution-duration": 3725.2,
                "valohai.project-name": P
            }}),
        )
        .await;
    assert_eq!(status, 202);
    let got = receiver.wait_for(1, Duration::from_secs(10)).await;
    let body = std::str::from_utf8(&got[0].body).unwrap();
    assert!(
        body.starts_with("{\n  \"summary\": \"Execution finished: demo/cool-tensorflow/#9"),
        "sent as rendered: {body}"
    );
    let v: Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["step"], "train-resnet");
    assert_eq!(v["took"], "1:02:06");
    assert_eq!(v["facts"], 2, "step and duration");
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .verify(&got[0].body, &got[0].headers)
        .expect("the templated body is what is signed");
}
