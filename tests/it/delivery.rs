//! Events in, webhooks out: ingestion, signing, retries, the SSRF guard.
use crate::receiver::{Receiver, Reply};
use crate::support::TestServer;
use serde_json::{json, Value};
use std::time::Duration;

const P: &str = "demo/cool-tensorflow";
const LIMIT: Duration = Duration::from_secs(10);

/// A server, a project with a token, and a channel at `receiver` routed for
/// `execution_completed`.
async fn setup_with(
    server: TestServer,
    receiver: &Receiver,
) -> (TestServer, String, String, String) {
    server.create_project(P).await;
    let token = server.create_token(P).await;
    let (channel, secret) = server.create_channel(P, "Receiver", &receiver.url()).await;
    server
        .create_routing(P, "execution_completed", &channel)
        .await
        .ok::<Value>();
    (server, token, channel, secret)
}

async fn setup(receiver: &Receiver) -> (TestServer, String, String, String) {
    setup_with(TestServer::start().await, receiver).await
}

fn completed(key: Option<&str>) -> Value {
    let mut body = json!({
        "type": "execution_completed",
        "data": {
            "valohai.execution-counter": 736,
            "valohai.execution-id": "0178f482-8686-fb28-8af1-3d36af38079d",
            "valohai.execution-status": "complete",
            "valohai.execution-duration": 660.0186445713043,
            "valohai.project-name": "demo/cool-tensorflow",
            "valohai.creator-name": "demouser"
        }
    });
    if let Some(key) = key {
        body["idempotency_key"] = json!(key);
    }
    body
}

async fn only_delivery(s: &TestServer) -> String {
    let rows = s.deliveries(P).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    rows[0]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn accepted_event_is_delivered_signed_and_logged() {
    let receiver = Receiver::start().await;
    let (s, token, _, secret) = setup(&receiver).await;
    let (status, body) = s.post_event(&token, &completed(None)).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["deliveries"], 1);
    assert!(body["id"].is_string());

    let got = receiver.wait_for(1, LIMIT).await;
    let req = &got[0];
    assert_eq!(req.headers["content-type"], "application/json");
    assert!(req.headers["user-agent"]
        .to_str()
        .unwrap()
        .starts_with("Herald/"));
    let message: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(
        message["title"],
        "Execution finished: demo/cool-tensorflow/#736 (completed)"
    );
    assert_eq!(message["type"], "execution_completed");
    assert_eq!(
        message["url"],
        "/p/demo/cool-tensorflow/execution/0178f482-8686-fb28-8af1-3d36af38079d/"
    );
    assert_eq!(message["data"]["valohai.execution-counter"], 736);

    // An independent Standard Webhooks implementation accepts the signature.
    let wh = standardwebhooks::Webhook::new(&secret).unwrap();
    wh.verify(&req.body, &req.headers)
        .expect("signature verifies");
    let mut tampered = req.body.to_vec();
    tampered.push(b' ');
    assert!(wh.verify(&tampered, &req.headers).is_err());

    let id = only_delivery(&s).await;
    let d = s
        .wait_delivery(P, &id, LIMIT, |d| d["row"]["status"] == "succeeded")
        .await;
    assert_eq!(d["message_id"], req.headers["webhook-id"].to_str().unwrap());
    let attempt = &d["attempts"][0];
    assert_eq!(attempt["response_status"], 200);
    assert_eq!(attempt["response_body"], "status 200");
    let sent: Vec<String> = attempt["request_headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[0].as_str().unwrap().to_string())
        .collect();
    assert!(sent.contains(&"webhook-signature".to_string()));
}

#[tokio::test]
async fn server_error_then_success_retries_with_the_same_message_id() {
    let receiver = Receiver::start().await;
    receiver.script(vec![Reply::status(500), Reply::status(502)]);
    let (s, token, _, _) = setup(&receiver).await;
    s.post_event(&token, &completed(None)).await;
    let got = receiver.wait_for(3, LIMIT).await;
    let ids: Vec<&str> = got
        .iter()
        .map(|r| r.headers["webhook-id"].to_str().unwrap())
        .collect();
    assert!(
        ids.iter().all(|i| *i == ids[0]),
        "webhook-id stable: {ids:?}"
    );
    assert_eq!(got[0].body, got[2].body, "same body on every retry");
    assert!(
        got[1].at.duration_since(got[0].at) >= Duration::from_millis(200),
        "retry waited"
    );
    let id = only_delivery(&s).await;
    let d = s
        .wait_delivery(P, &id, LIMIT, |d| d["row"]["status"] == "succeeded")
        .await;
    let codes: Vec<i64> = d["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["response_status"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [200, 502, 500], "newest attempt first");
    assert_eq!(d["row"]["attempts"], 3);
}

#[tokio::test]
async fn exhausted_retries_mark_the_delivery_failed() {
    let receiver = Receiver::start().await;
    receiver.script(vec![Reply::status(500); 4]);
    let (s, token, _, _) = setup(&receiver).await;
    s.post_event(&token, &completed(None)).await;
    let id = only_delivery(&s).await;
    let d = s
        .wait_delivery(P, &id, LIMIT, |d| d["row"]["status"] == "failed")
        .await;
    assert_eq!(d["row"]["attempts"], 4, "schedule has four attempts");
    assert_eq!(receiver.received().len(), 4);

    // Redeliver sends it again, with the same message id.
    let reply = s.call("redeliver", &[("project", P), ("id", &id)]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let d = s
        .wait_delivery(P, &id, LIMIT, |d| d["row"]["status"] == "succeeded")
        .await;
    assert_eq!(d["row"]["attempts"], 5);
}

#[tokio::test]
async fn timeout_is_recorded_then_retried() {
    let receiver = Receiver::start().await;
    receiver.script(vec![Reply::status(200).delay(Duration::from_secs(3))]);
    let (s, token, _, _) = setup(&receiver).await;
    s.post_event(&token, &completed(None)).await;
    let id = only_delivery(&s).await;
    let d = s
        .wait_delivery(P, &id, LIMIT, |d| d["row"]["status"] == "succeeded")
        .await;
    let attempts = d["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[1]["error_kind"], "timeout");
    assert!(attempts[1]["response_status"].is_null());
}

#[tokio::test]
async fn connection_refused_is_recorded() {
    // A port nothing listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let s = TestServer::start().await;
    s.create_project(P).await;
    let token = s.create_token(P).await;
    let (channel, _) = s
        .create_channel(P, "Dead", &format!("http://127.0.0.1:{port}/hook"))
        .await;
    s.create_routing(P, "execution_completed", &channel)
        .await
        .ok::<Value>();
    s.post_event(&token, &completed(None)).await;
    let id = only_delivery(&s).await;
    let d = s
        .wait_delivery(P, &id, LIMIT, |d| d["row"]["status"] == "failed")
        .await;
    for a in d["attempts"].as_array().unwrap() {
        assert_eq!(a["error_kind"], "connect", "{a:#}");
    }
    let channel_row = &s.channels(P).await[0];
    assert_eq!(channel_row["consecutive_failures"], 4);
}

#[tokio::test]
async fn too_many_requests_honours_retry_after() {
    let receiver = Receiver::start().await;
    receiver.script(vec![Reply::status(429).header("retry-after", "2")]);
    let (s, token, _, _) = setup(&receiver).await;
    s.post_event(&token, &completed(None)).await;
    let got = receiver.wait_for(2, LIMIT).await;
    let waited = got[1].at.duration_since(got[0].at);
    assert!(
        waited >= Duration::from_millis(1900),
        "waited only {waited:?}, schedule says 300ms"
    );
}

#[tokio::test]
async fn gone_fails_at_once_and_disables_the_channel() {
    let receiver = Receiver::start().await;
    receiver.script(vec![Reply::status(410)]);
    let (s, token, _, _) = setup(&receiver).await;
    s.post_event(&token, &completed(None)).await;
    let id = only_delivery(&s).await;
    let d = s
        .wait_delivery(P, &id, LIMIT, |d| d["row"]["status"] == "failed")
        .await;
    assert_eq!(d["row"]["attempts"], 1);
    let channel = &s.channels(P).await[0];
    assert_eq!(channel["enabled"], false);
    assert!(channel["disabled_reason"].as_str().unwrap().contains("410"));
    // One click re-enables it, clearing the reason.
    let reply = s
        .call(
            "set_channel_enabled",
            &[
                ("project", P),
                ("id", channel["id"].as_str().unwrap()),
                ("enabled", "true"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200);
    let channel = &s.channels(P).await[0];
    assert_eq!(channel["enabled"], true);
    assert!(channel["disabled_reason"].is_null());
}

#[tokio::test]
async fn a_channel_failing_long_enough_is_disabled() {
    let receiver = Receiver::start().await;
    receiver.script(vec![Reply::status(500); 10]);
    let server = TestServer::start_with(|c| {
        c.delivery.disable_after = Duration::from_millis(400);
        c.delivery.disable_min_failures = 3;
    })
    .await;
    let (s, token, _, _) = setup_with(server, &receiver).await;
    s.post_event(&token, &completed(None)).await;
    let id = only_delivery(&s).await;
    let deadline = tokio::time::Instant::now() + LIMIT;
    let channel = loop {
        let channel = s.channels(P).await.remove(0);
        if channel["enabled"] == false || tokio::time::Instant::now() > deadline {
            break channel;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(channel["enabled"], false, "{channel:#}");
    assert!(channel["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("failures in a row"));
    // Its remaining delivery waits, paused, until someone re-enables it.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let d = s.delivery(P, &id).await;
    assert_eq!(d["row"]["status"], "pending");
    assert_eq!(d["row"]["attempts"], 3);
}

#[tokio::test]
async fn private_addresses_are_refused_without_the_allow_list() {
    let receiver = Receiver::start().await;
    let server = TestServer::start_with(|c| c.delivery.allowed_networks = Default::default()).await;
    let (s, token, _, _) = setup_with(server, &receiver).await;
    s.post_event(&token, &completed(None)).await;
    let id = only_delivery(&s).await;
    let d = s
        .wait_delivery(P, &id, LIMIT, |d| d["row"]["status"] == "failed")
        .await;
    let attempt = &d["attempts"][0];
    assert_eq!(attempt["error_kind"], "blocked", "{attempt:#}");
    assert!(attempt["error_message"]
        .as_str()
        .unwrap()
        .contains("127.0.0.1"));
    assert!(
        receiver.received().is_empty(),
        "nothing reached the private address"
    );
    // Nothing was sent: the page says so instead of showing empty boxes.
    let (_, html) = s
        .page(&format!("/p/{P}/settings/notifications/deliveries/{id}"))
        .await;
    let sent = html
        .split("Request headers</h5>")
        .nth(1)
        .expect("the attempt's request headers");
    assert!(
        sent.trim_start()
            .starts_with(r#"<pre class="code small">—</pre>"#),
        "{}",
        &sent[..sent.len().min(200)]
    );
}

#[tokio::test]
async fn localhost_by_name_is_refused_too() {
    let receiver = Receiver::start().await;
    let s = TestServer::start_with(|c| c.delivery.allowed_networks = Default::default()).await;
    s.create_project(P).await;
    let token = s.create_token(P).await;
    let url = format!("http://localhost:{}/hook", receiver.addr.port());
    let (channel, _) = s.create_channel(P, "Local", &url).await;
    s.create_routing(P, "execution_completed", &channel)
        .await
        .ok::<Value>();
    s.post_event(&token, &completed(None)).await;
    let id = only_delivery(&s).await;
    let d = s
        .wait_delivery(P, &id, LIMIT, |d| d["row"]["status"] == "failed")
        .await;
    assert_eq!(
        d["attempts"][0]["error_kind"], "blocked",
        "{:#}",
        d["attempts"][0]
    );
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn idempotency_key_returns_the_first_answer_and_creates_nothing() {
    let receiver = Receiver::start().await;
    let (s, token, _, _) = setup(&receiver).await;
    let (status1, first) = s.post_event(&token, &completed(Some("run-736"))).await;
    let (status2, second) = s.post_event(&token, &completed(Some("run-736"))).await;
    assert_eq!((status1, status2), (202, 202));
    assert_eq!(first, second);
    let (_, third) = s.post_event(&token, &completed(Some("run-737"))).await;
    assert_ne!(first["id"], third["id"]);
    assert_eq!(s.deliveries(P).await.len(), 2);
    receiver.wait_for(2, LIMIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 2);
}

#[tokio::test]
async fn concurrent_events_stored_together_keep_their_own_answers() {
    // Requests arriving together are stored in one transaction by the
    // intake; each still gets its own answer: a repeated key the first
    // event's id, a second project its own routings, a bad token a 401.
    let receiver = Receiver::start().await;
    let (s, token, _, _) = setup(&receiver).await;
    s.create_project("demo/other").await;
    let other = s.create_token("demo/other").await;
    let posts = (0..40).map(|i| {
        let (s, token, other) = (&s, token.clone(), other.clone());
        async move {
            match i % 4 {
                0 => (
                    "same",
                    s.post_event(&token, &completed(Some("burst"))).await,
                ),
                1 => ("own", s.post_event(&token, &completed(None)).await),
                2 => ("other", s.post_event(&other, &completed(None)).await),
                _ => (
                    "stranger",
                    s.post_event("hrld_nobody", &completed(None)).await,
                ),
            }
        }
    });
    let answers = futures::future::join_all(posts).await;
    let ids = |kind: &str| -> Vec<Value> {
        answers
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, (status, body))| {
                assert_eq!(
                    *status,
                    if kind == "stranger" { 401 } else { 202 },
                    "{kind}: {body}"
                );
                body.clone()
            })
            .collect()
    };
    let same = ids("same");
    assert!(same.iter().all(|b| b == &same[0]), "{same:?}");
    assert_eq!(same[0]["deliveries"], 1);
    let own = ids("own");
    assert!(own
        .iter()
        .all(|b| b["deliveries"] == 1 && b["id"] != same[0]["id"]));
    // demo/other has no routings: stored, nothing to deliver.
    assert!(ids("other").iter().all(|b| b["deliveries"] == 0));
    assert_eq!(ids("stranger").len(), 10);
    // One delivery for the keyed event, one per unkeyed one.
    receiver.wait_for(11, LIMIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 11);
    assert_eq!(s.deliveries(P).await.len(), 11);
}

#[tokio::test]
async fn bad_requests_get_json_errors_and_store_nothing() {
    let receiver = Receiver::start().await;
    let (s, token, _, _) = setup(&receiver).await;
    let post = |auth: Option<String>, content_type: &'static str, body: Vec<u8>| {
        let mut req = s
            .client
            .post(s.url("/api/v1/events"))
            .header("content-type", content_type)
            .body(body);
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    let bearer = Some(format!("Bearer {token}"));
    let ok_body = serde_json::to_vec(&completed(None)).unwrap();

    let (st, body) = post(None, "application/json", ok_body.clone()).await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    let (st, _) = post(
        Some("Bearer hrld_wrong".into()),
        "application/json",
        ok_body.clone(),
    )
    .await;
    assert_eq!(st, 401);
    let (st, body) = post(bearer.clone(), "text/plain", ok_body.clone()).await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (415, Some("unsupported_media_type"))
    );
    let (st, body) = post(bearer.clone(), "application/json", b"{not json".to_vec()).await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (400, Some("malformed_json"))
    );
    let (st, body) = post(
        bearer.clone(),
        "application/json",
        br#"{"type":"exploded","data":{}}"#.to_vec(),
    )
    .await;
    assert_eq!((st, body["error"]["field"].as_str()), (422, Some("type")));
    let (st, body) = post(
        bearer.clone(),
        "application/json",
        br#"{"type":"ping","data":"x"}"#.to_vec(),
    )
    .await;
    assert_eq!((st, body["error"]["field"].as_str()), (422, Some("data")));
    let big = format!(
        r#"{{"type":"ping","data":{{"x":"{}"}}}}"#,
        "a".repeat(300 * 1024)
    );
    let (st, body) = post(bearer.clone(), "application/json", big.into_bytes()).await;
    assert_eq!(
        (st, body["error"]["code"].as_str()),
        (413, Some("body_too_large"))
    );
    assert!(s.deliveries(P).await.is_empty());

    // A revoked token stops working.
    let tokens: Vec<Value> = s.call("list_tokens", &[("project", P)]).await.ok();
    let reply = s
        .call(
            "revoke_token",
            &[("project", P), ("id", tokens[0]["id"].as_str().unwrap())],
        )
        .await;
    assert_eq!(reply.status, 200);
    let (st, _) = post(bearer, "application/json", ok_body).await;
    assert_eq!(st, 401);
}

#[tokio::test]
async fn events_without_routings_create_no_deliveries_and_disabled_ones_are_skipped() {
    let receiver = Receiver::start().await;
    let (s, token, channel, _) = setup(&receiver).await;
    let (_, body) = s
        .post_event(&token, &json!({"type": "task_failed", "data": {}}))
        .await;
    assert_eq!(body["deliveries"], 0);
    s.call(
        "set_channel_enabled",
        &[("project", P), ("id", &channel), ("enabled", "false")],
    )
    .await;
    let (_, body) = s.post_event(&token, &completed(None)).await;
    assert_eq!(body["deliveries"], 0);
    assert!(s.deliveries(P).await.is_empty());
}

#[tokio::test]
async fn send_test_pings_a_channel_and_reports_in_place() {
    let receiver = Receiver::start().await;
    let (s, _, channel, _) = setup(&receiver).await;
    let result: Value = s
        .call("send_channel_test", &[("project", P), ("id", &channel)])
        .await
        .ok();
    assert_eq!(result["status"], "succeeded", "{result:#}");
    assert_eq!(result["response_status"], 200);
    assert_eq!(result["subject_id"], channel.as_str());
    let got = receiver.received();
    let message: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(message["type"], "ping");

    let routings = s.routings(P).await;
    let routing = routings[0]["id"].as_str().unwrap();
    let result: Value = s
        .call("send_routing_test", &[("project", P), ("id", routing)])
        .await
        .ok();
    assert_eq!(result["status"], "succeeded");
    let got = receiver.received();
    let message: Value = serde_json::from_slice(&got[1].body).unwrap();
    assert_eq!(message["type"], "execution_completed");
}

#[tokio::test]
async fn deliveries_filter_and_paginate() {
    let receiver = Receiver::start().await;
    let (s, token, _, _) = setup(&receiver).await;
    for _ in 0..30 {
        assert_eq!(s.post_event(&token, &completed(None)).await.0, 202);
    }
    let page: Value = s
        .call("list_deliveries", &[("project", P), ("page", "2")])
        .await
        .ok();
    assert_eq!(page["total"], 30);
    assert_eq!(page["pages"], 2);
    assert_eq!(page["rows"].as_array().unwrap().len(), 5);
    let page: Value = s
        .call(
            "list_deliveries",
            &[
                ("project", P),
                ("page", "1"),
                ("filter[event_type]", "task_failed"),
            ],
        )
        .await
        .ok();
    assert_eq!(page["total"], 0);
    receiver.wait_for(30, LIMIT).await;
    // Answers are recorded just after the receiver sees the request.
    let deadline = tokio::time::Instant::now() + LIMIT;
    loop {
        let page: Value = s
            .call(
                "list_deliveries",
                &[
                    ("project", P),
                    ("page", "1"),
                    ("filter[status]", "succeeded"),
                ],
            )
            .await
            .ok();
        if page["total"] == 30 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{}", page["total"]);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        receiver.received().len(),
        30,
        "each delivery sent exactly once"
    );
}

#[tokio::test]
async fn a_slow_receiver_does_not_hold_up_the_others() {
    let slow = Receiver::start().await;
    slow.set_default(Reply::status(200).delay(Duration::from_millis(500)));
    let fast = Receiver::start().await;
    // Three slots overall, two per channel: the slow channel can never take them all.
    let s = TestServer::start_with(|c| {
        c.delivery.max_in_flight = 3;
        c.delivery.max_in_flight_per_channel = 2;
    })
    .await;
    s.create_project(P).await;
    let token = s.create_token(P).await;
    let (slow_id, _) = s.create_channel(P, "Slow", &slow.url()).await;
    let (fast_id, _) = s.create_channel(P, "Fast", &fast.url()).await;
    s.create_routing(P, "task_failed", &slow_id)
        .await
        .ok::<Value>();
    s.create_routing(P, "task_completed", &fast_id)
        .await
        .ok::<Value>();

    for _ in 0..24 {
        s.post_event(&token, &json!({"type": "task_failed", "data": {}}))
            .await;
    }
    slow.wait_for(2, LIMIT).await;
    s.post_event(&token, &json!({"type": "task_completed", "data": {}}))
        .await;
    fast.wait_for(1, LIMIT).await;
    let slow_done = slow.received().len();
    assert!(
        slow_done <= 8,
        "the fast channel waited for the slow backlog ({slow_done} of 24 done)"
    );
    slow.wait_for(24, Duration::from_secs(30)).await;
}

#[tokio::test]
async fn custom_headers_arrive_decrypted_and_survive_an_edit() {
    let receiver = Receiver::start().await;
    let s = TestServer::start().await;
    s.create_project(P).await;
    let token = s.create_token(P).await;
    let url = receiver.url();
    let created: Value = s
        .call(
            "create_channel",
            &[
                ("project", P),
                ("channel[name]", "With key"),
                ("channel[url]", &url),
                ("channel[headers][0][name]", "X-Api-Key"),
                ("channel[headers][0][value]", "k-123"),
                ("channel[enabled]", "on"),
            ],
        )
        .await
        .ok();
    let id = created["id"].as_str().unwrap();
    // Renaming with the value left blank keeps the stored value.
    let reply = s
        .call(
            "update_channel",
            &[
                ("project", P),
                ("id", id),
                ("channel[name]", "With key (renamed)"),
                ("channel[url]", &url),
                ("channel[headers][0][name]", "X-Api-Key"),
                ("channel[headers][0][value]", ""),
                ("channel[enabled]", "on"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    s.create_routing(P, "execution_completed", id)
        .await
        .ok::<Value>();
    s.post_event(&token, &completed(None)).await;
    let got = receiver.wait_for(1, LIMIT).await;
    assert_eq!(got[0].headers["x-api-key"], "k-123");
    let wh = standardwebhooks::Webhook::new(created["secret"].as_str().unwrap()).unwrap();
    wh.verify(&got[0].body, &got[0].headers)
        .expect("signed with the decrypted secret");
    // The attempt log masks the value.
    let delivery_id = only_delivery(&s).await;
    let d = s
        .wait_delivery(P, &delivery_id, LIMIT, |d| {
            d["row"]["status"] == "succeeded"
        })
        .await;
    let logged = d["attempts"][0]["request_headers"].to_string();
    assert!(
        logged.contains("X-Api-Key") && !logged.contains("k-123"),
        "{logged}"
    );
}

#[tokio::test]
async fn rotated_secrets_sign_alongside_the_old_one_for_a_grace_period() {
    let receiver = Receiver::start().await;
    let (s, token, channel, old_secret) = setup(&receiver).await;
    let rotated: Value = s
        .call("rotate_channel_secret", &[("project", P), ("id", &channel)])
        .await
        .ok();
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    assert!(new_secret.starts_with("whsec_"));
    assert_ne!(new_secret, old_secret);
    assert!(s.channels(P).await[0]["previous_secret_until"].is_i64());

    s.post_event(&token, &completed(None)).await;
    let got = receiver.wait_for(1, LIMIT).await;
    let header = got[0].headers["webhook-signature"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(header.split(' ').count(), 2, "{header}");
    for secret in [&old_secret, &new_secret] {
        let wh = standardwebhooks::Webhook::new(secret).unwrap();
        wh.verify(&got[0].body, &got[0].headers)
            .expect("both secrets verify during the grace period");
    }

    // Once the grace period is over only the new secret signs.
    s.query_one("UPDATE channels SET previous_secret_until = 1")
        .await;
    s.post_event(&token, &completed(None)).await;
    let got = receiver.wait_for(2, LIMIT).await;
    let header = got[1].headers["webhook-signature"].to_str().unwrap();
    assert_eq!(header.split(' ').count(), 1, "{header}");
    let old = standardwebhooks::Webhook::new(&old_secret).unwrap();
    assert!(old.verify(&got[1].body, &got[1].headers).is_err());
    let new = standardwebhooks::Webhook::new(&new_secret).unwrap();
    new.verify(&got[1].body, &got[1].headers)
        .expect("new secret verifies");
}
