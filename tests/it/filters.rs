//! Routing filters over HTTP: validation per field, the words the list
//! shows, and which events produce deliveries at ingestion.
use crate::receiver::Receiver;
use crate::support::TestServer;
use serde_json::{json, Value};
use std::time::Duration;

const P: &str = "demo/cool-tensorflow";

fn execution(step: &str, duration: f64) -> Value {
    json!({
        "type": "execution_completed",
        "data": {
            "valohai.execution-counter": 1,
            "valohai.execution-step": step,
            "valohai.execution-duration": duration,
            "valohai.project-name": P
        }
    })
}

#[tokio::test]
async fn conditions_are_validated_field_by_field() {
    let s = TestServer::start().await;
    s.create_project(P).await;
    let (channel, _) = s
        .create_channel(P, "Hook", "https://example.com/hook")
        .await;
    let reply = s
        .call(
            "create_routing",
            &[
                ("project", P),
                ("event_type", "execution_completed"),
                ("channel_id", &channel),
                ("filters[0][key]", "valohai.execution-duration"),
                ("filters[0][op]", "gt"),
                ("filters[0][value]", "ten minutes"),
                ("filters[1][key]", "valohai.execution-step"),
                ("filters[1][op]", "glob"),
                ("filters[1][value]", "train[0-9"),
                ("filters[2][key]", "has space"),
                ("filters[2][op]", "eq"),
                ("filters[2][value]", "x"),
                ("filters[3][key]", "valohai.execution-step"),
                ("filters[3][op]", "resembles"),
                ("filters[3][value]", "x"),
                ("filters[4][key]", ""),
                ("filters[4][op]", "eq"),
                ("filters[4][value]", ""),
            ],
        )
        .await;
    assert!(reply.field("filters[0][value]").contains("not a number"));
    assert!(reply.field("filters[1][value]").contains("never closed"));
    assert!(reply.field("filters[2][key]").contains("without spaces"));
    assert!(reply
        .field("filters[3][op]")
        .contains("Choose how to compare"));
    assert_eq!(reply.field_errors().len(), 4, "the blank row is ignored");
    assert!(s.routings(P).await.is_empty(), "nothing saved");

    let mut form: Vec<(String, String)> = vec![
        ("project".into(), P.into()),
        ("event_type".into(), "execution_completed".into()),
        ("channel_id".into(), channel.clone()),
    ];
    for i in 0..11 {
        form.push((format!("filters[{i}][key]"), format!("k{i}")));
        form.push((format!("filters[{i}][op]"), "eq".into()));
        form.push((format!("filters[{i}][value]"), "v".into()));
    }
    let refs: Vec<(&str, &str)> = form.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let reply = s.call("create_routing", &refs).await;
    assert!(reply.field("filters").contains("at most 10"));
}

#[tokio::test]
async fn conditions_decide_what_is_delivered_and_read_as_words() {
    let receiver = Receiver::start().await;
    let s = TestServer::start().await;
    s.create_project(P).await;
    let token = s.create_token(P).await;
    let (channel, _) = s.create_channel(P, "Hook", &receiver.url()).await;
    let routing: Value = s
        .call(
            "create_routing",
            &[
                ("project", P),
                ("event_type", "execution_completed"),
                ("channel_id", &channel),
                ("filters[0][key]", "valohai.execution-step"),
                ("filters[0][op]", "glob"),
                ("filters[0][value]", "train*"),
                ("filters[1][key]", "valohai.execution-duration"),
                ("filters[1][op]", "gt"),
                ("filters[1][value]", "600"),
            ],
        )
        .await
        .ok();
    assert_eq!(
        routing["filters_words"],
        "only when step matches train* and duration > 600"
    );
    let listed = s.routings(P).await;
    assert_eq!(
        listed[0]["filters_words"],
        "only when step matches train* and duration > 600"
    );
    assert_eq!(
        listed[0]["filters"][1],
        json!({"key": "valohai.execution-duration", "op": "gt", "value": "600"})
    );

    let mut delivered = 0;
    for (step, duration, expected) in [
        ("train-mnist", 700.5, 1),
        ("evaluate", 700.5, 0),
        ("train-mnist", 300.0, 0),
        ("train", 600.0, 0),
        ("training", 601.0, 1),
    ] {
        let (status, body) = s.post_event(&token, &execution(step, duration)).await;
        assert_eq!(status, 202, "{body}");
        assert_eq!(body["deliveries"], expected, "{step} {duration}");
        delivered += expected;
    }
    let got = receiver
        .wait_for(delivered as usize, Duration::from_secs(10))
        .await;
    let steps: Vec<String> = got
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["data"]["valohai.execution-step"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(steps.len(), 2);
    assert!(steps.iter().all(|s| s.starts_with("train")));

    // Editing the conditions applies to the next event.
    let id = routing["id"].as_str().unwrap();
    let updated: Value = s
        .call(
            "update_routing_filters",
            &[
                ("project", P),
                ("id", id),
                ("filters[0][key]", "valohai.execution-step"),
                ("filters[0][op]", "ne"),
                ("filters[0][value]", "evaluate"),
            ],
        )
        .await
        .ok();
    assert_eq!(updated["filters_words"], "only when step is not evaluate");
    let (_, body) = s.post_event(&token, &execution("evaluate", 9999.0)).await;
    assert_eq!(body["deliveries"], 0);
    let (_, body) = s.post_event(&token, &execution("anything", 1.0)).await;
    assert_eq!(body["deliveries"], 1);
    let got: Value = s
        .call("get_routing", &[("project", P), ("id", id)])
        .await
        .ok();
    assert_eq!(got["filters"].as_array().unwrap().len(), 1);

    // No conditions: every event.
    let cleared: Value = s
        .call("update_routing_filters", &[("project", P), ("id", id)])
        .await
        .ok();
    assert_eq!(cleared["filters_words"], "");
    let (_, body) = s.post_event(&token, &execution("evaluate", 1.0)).await;
    assert_eq!(body["deliveries"], 1);

    let reply = s
        .call(
            "update_routing_filters",
            &[
                ("project", P),
                ("id", id),
                ("filters[0][key]", "k"),
                ("filters[0][op]", "lt"),
                ("filters[0][value]", "x"),
            ],
        )
        .await;
    assert!(reply.field("filters[0][value]").contains("not a number"));
}
