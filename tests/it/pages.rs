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
