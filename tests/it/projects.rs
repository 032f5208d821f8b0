use crate::support::TestServer;
use serde_json::Value;

#[tokio::test]
async fn create_and_list_projects() {
    let s = TestServer::start().await;
    let empty: Vec<Value> = s.call("list_projects", &[]).await.ok();
    assert!(empty.is_empty());

    let reply = s
        .call("create_project", &[("name", " demo/cool-tensorflow ")])
        .await;
    assert_eq!(
        reply.location.as_deref(),
        Some("/p/demo/cool-tensorflow/settings/notifications/channels")
    );
    let created: Value = reply.ok();
    assert_eq!(created["name"], "demo/cool-tensorflow");

    s.create_project("acme/alpha").await;
    let list: Vec<Value> = s.call("list_projects", &[]).await.ok();
    let names: Vec<&str> = list.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["acme/alpha", "demo/cool-tensorflow"]);
}

#[tokio::test]
async fn duplicate_project_name_is_refused() {
    let s = TestServer::start().await;
    s.create_project("demo/x").await;
    let reply = s.call("create_project", &[("name", "demo/x")]).await;
    assert!(reply.field("name").contains("already exists"));
    let list: Vec<Value> = s.call("list_projects", &[]).await.ok();
    assert_eq!(list.len(), 1);
}

#[tokio::test]
async fn bad_project_names_are_refused_and_change_nothing() {
    let s = TestServer::start().await;
    let long = format!("o/{}", "n".repeat(65));
    for (name, expect) in [
        ("", "owner/name"),
        ("   ", "owner/name"),
        ("noslash", "owner/name"),
        ("a/b/c", "exactly one"),
        ("bad owner/x", "only letters"),
        (long.as_str(), "at most 64"),
    ] {
        let reply = s.call("create_project", &[("name", name)]).await;
        let message = reply.field("name");
        assert!(message.contains(expect), "{name:?}: {message}");
    }
    let list: Vec<Value> = s.call("list_projects", &[]).await.ok();
    assert!(list.is_empty());
}

#[tokio::test]
async fn missing_argument_is_a_client_error() {
    let s = TestServer::start().await;
    let reply = s.call("create_project", &[]).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.err().0, "Transport");
}

#[tokio::test]
async fn unknown_project_is_not_found() {
    let s = TestServer::start().await;
    for fun in ["get_project", "list_channels", "list_routings"] {
        let reply = s.call(fun, &[("project", "nobody/nothing")]).await;
        assert_eq!(reply.status, 404, "{fun}");
        assert_eq!(reply.err().0, "NotFound", "{fun}");
    }
}

#[tokio::test]
async fn cross_site_requests_are_refused() {
    let s = TestServer::start().await;
    let post = |headers: Vec<(&'static str, String)>| {
        let mut req = s
            .client
            .post(s.url("/api/create_project"))
            .header("accept", "application/json")
            .form(&[("name", "demo/x")]);
        for (k, v) in headers {
            req = req.header(k, v);
        }
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        post(vec![("origin", "http://evil.example".into())]).await,
        403
    );
    assert_eq!(
        post(vec![("sec-fetch-site", "cross-site".into())]).await,
        403
    );
    assert_eq!(post(vec![("origin", "null".into())]).await, 403);
    let list: Vec<Value> = s.call("list_projects", &[]).await.ok();
    assert!(list.is_empty(), "nothing was created");
    assert_eq!(
        post(vec![("origin", format!("http://{}", s.addr))]).await,
        200
    );
    assert_eq!(
        post(vec![("sec-fetch-site", "same-origin".into())]).await,
        422,
        "duplicate, but allowed in"
    );
}
