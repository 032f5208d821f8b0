use crate::support::TestServer;
use serde_json::Value;

const P: &str = "demo/cool-tensorflow";

async fn setup() -> (TestServer, String) {
    let s = TestServer::start().await;
    s.create_project(P).await;
    let (id, _) = s.create_channel(P, "Alerts", "https://a.example.com").await;
    (s, id)
}

#[tokio::test]
async fn create_list_toggle_delete() {
    let (s, channel) = setup().await;
    let created: Value = s
        .create_routing(P, "execution_completed", &channel)
        .await
        .ok();
    assert_eq!(created["event_label"], "Execution completes");
    assert_eq!(created["channel_name"], "Alerts");
    assert_eq!(created["enabled"], true);
    s.create_routing(P, "ping", &channel).await.ok::<Value>();
    s.create_routing(P, "deployment_failed", &channel)
        .await
        .ok::<Value>();

    let list = s.routings(P).await;
    let types: Vec<&str> = list
        .iter()
        .map(|r| r["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["execution_completed", "deployment_failed", "ping"],
        "catalog order"
    );

    let id = created["id"].as_str().unwrap();
    let reply = s
        .call(
            "set_routing_enabled",
            &[("project", P), ("id", id), ("enabled", "false")],
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(s.routings(P).await[0]["enabled"], false);

    let reply = s
        .call("delete_routing", &[("project", P), ("id", id)])
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(s.routings(P).await.len(), 2);
    let reply = s
        .call("delete_routing", &[("project", P), ("id", id)])
        .await;
    assert_eq!(reply.status, 404);
}

#[tokio::test]
async fn duplicate_routing_is_refused() {
    let (s, channel) = setup().await;
    s.create_routing(P, "task_failed", &channel)
        .await
        .ok::<Value>();
    let reply = s.create_routing(P, "task_failed", &channel).await;
    assert!(reply.field("channel_id").contains("already goes to"));
    assert_eq!(s.routings(P).await.len(), 1);
}

#[tokio::test]
async fn bad_event_or_channel_is_refused() {
    let (s, channel) = setup().await;
    let reply = s.create_routing(P, "", "").await;
    let fields: Vec<String> = reply.field_errors().into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["event_type", "channel_id"]);

    let reply = s.create_routing(P, "execution_exploded", &channel).await;
    assert!(reply.field("event_type").contains("not a known event type"));

    let reply = s.create_routing(P, "task_failed", "no-such-channel").await;
    assert!(reply.field("channel_id").contains("does not exist"));

    s.create_project("demo/other").await;
    let (foreign, _) = s
        .create_channel("demo/other", "Theirs", "https://e.com")
        .await;
    let reply = s.create_routing(P, "task_failed", &foreign).await;
    assert!(reply.field("channel_id").contains("does not exist"));

    let reply = s.create_routing("ghost/x", "task_failed", &channel).await;
    assert_eq!(reply.status, 404);
    assert!(s.routings(P).await.is_empty());
}

#[tokio::test]
async fn every_catalog_event_can_be_routed() {
    let (s, channel) = setup().await;
    for t in herald::domain::EventType::ALL {
        s.create_routing(P, t.as_str(), &channel)
            .await
            .ok::<Value>();
    }
    assert_eq!(
        s.routings(P).await.len(),
        herald::domain::EventType::ALL.len()
    );
}
