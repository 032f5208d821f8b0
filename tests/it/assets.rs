//! Static files: compressed per `Accept-Encoding`, cached per name, and
//! never read from outside the site root.
use crate::support::TestServer;
use std::io::Read;
use std::path::Path;
use tempfile::TempDir;

/// A name in cargo-leptos' hashed form: `<name>.<22-character hash>.<ext>`.
const HASHED_WASM: &str = "herald.q3ZpHt2Ab7uN1Yx0c9bV-_.wasm";

/// A site root with a hashed WASM file, an unhashed script and favicon,
/// and a secret next to (outside) the root.
fn site() -> (TempDir, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    // Compressible, like real WASM, yet different throughout.
    let wasm: Vec<u8> = (0..64 * 1024u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .chain(b"\0asm".iter().copied())
        .collect();
    std::fs::write(root.join("pkg").join(HASHED_WASM), &wasm).unwrap();
    std::fs::write(
        root.join("pkg/herald.js"),
        "export function hydrate() { return 1; }\n".repeat(50),
    )
    .unwrap();
    std::fs::write(
        root.join("favicon.svg"),
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\">{}</svg>",
            " ".repeat(600)
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("secret.txt"), "the database password").unwrap();
    (dir, wasm)
}

async fn start(dir: &Path) -> TestServer {
    TestServer::start_serving(&dir.join("site")).await
}

async fn get(server: &TestServer, path: &str, accept_encoding: Option<&str>) -> reqwest::Response {
    // reqwest was built without decoders: the bytes arrive as sent.
    let mut request = server.client.get(server.url(path));
    if let Some(value) = accept_encoding {
        request = request.header("accept-encoding", value);
    }
    request.send().await.expect("request")
}

fn header<'a>(res: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    res.headers().get(name).map(|v| v.to_str().unwrap())
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

fn unbrotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &data[..], &mut out).unwrap();
    out
}

#[tokio::test]
async fn encodings_follow_accept_encoding() {
    let (dir, wasm) = site();
    let server = start(dir.path()).await;
    let path = format!("/pkg/{HASHED_WASM}");

    let res = get(&server, &path, Some("gzip, deflate, br, zstd")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-encoding"), Some("br"));
    assert_eq!(header(&res, "content-type"), Some("application/wasm"));
    assert_eq!(header(&res, "vary"), Some("accept-encoding"));
    let br = res.bytes().await.unwrap();
    assert!(br.len() < wasm.len() / 2, "brotli saves: {}", br.len());
    assert_eq!(unbrotli(&br), wasm);

    let res = get(&server, &path, Some("gzip")).await;
    assert_eq!(header(&res, "content-encoding"), Some("gzip"));
    assert_eq!(header(&res, "vary"), Some("accept-encoding"));
    let gz = res.bytes().await.unwrap();
    assert!(gz.len() < wasm.len() / 2, "gzip saves: {}", gz.len());
    assert_eq!(gunzip(&gz), wasm);

    // A client weighing gzip above brotli gets gzip.
    let res = get(&server, &path, Some("br;q=0.5, gzip")).await;
    assert_eq!(header(&res, "content-encoding"), Some("gzip"));

    for none in [None, Some("identity"), Some("br;q=0, gzip;q=0")] {
        let res = get(&server, &path, none).await;
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "content-encoding"), None, "{none:?}");
        assert_eq!(header(&res, "vary"), Some("accept-encoding"));
        assert_eq!(res.bytes().await.unwrap(), wasm, "{none:?}");
    }
}

#[tokio::test]
async fn hashed_names_are_immutable_others_revalidate() {
    let (dir, _) = site();
    let server = start(dir.path()).await;

    let res = get(&server, &format!("/pkg/{HASHED_WASM}"), Some("br")).await;
    assert_eq!(
        header(&res, "cache-control"),
        Some("public, max-age=31536000, immutable")
    );

    for path in ["/pkg/herald.js", "/favicon.svg"] {
        let res = get(&server, path, Some("br")).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(
            header(&res, "cache-control"),
            Some("public, no-cache"),
            "{path}"
        );
        assert_eq!(header(&res, "content-encoding"), Some("br"), "{path}");
        let etag = header(&res, "etag").expect("etag").to_string();
        // Revalidating with the ETag costs no body.
        let again = server
            .client
            .get(server.url(path))
            .header("accept-encoding", "br")
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(header(&again, "etag"), Some(etag.as_str()));
        // Another encoding is another representation with its own tag.
        let gzip = get(&server, path, Some("gzip")).await;
        assert_ne!(header(&gzip, "etag"), Some(etag.as_str()));
    }
    let res = get(&server, "/favicon.svg", None).await;
    assert_eq!(header(&res, "content-type"), Some("image/svg+xml"));
}

#[tokio::test]
async fn unknown_files_get_the_apps_404_page() {
    let (dir, _) = site();
    let server = start(dir.path()).await;
    let res = get(&server, "/pkg/herald.nope.js", Some("br")).await;
    assert_eq!(res.status(), 404);
    assert_eq!(header(&res, "content-encoding"), None);
    assert!(res.text().await.unwrap().contains("Page not found"));
}

/// Sends `path` exactly as written (a client library would normalize the
/// dots away) and returns the status and the whole response.
async fn raw_get(server: &TestServer, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response).to_string();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, response)
}

#[tokio::test]
async fn nothing_outside_the_site_root_is_served() {
    let (dir, _) = site();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        dir.path().join("secret.txt"),
        dir.path().join("site/pkg/linked.txt"),
    )
    .unwrap();
    let server = start(dir.path()).await;
    for path in [
        "/pkg/../../secret.txt",
        "/pkg/%2e%2e/%2e%2e/secret.txt",
        "/pkg/..%2f..%2fsecret.txt",
        "/pkg/..\\..\\secret.txt",
        "/../secret.txt",
        "//secret.txt",
        "/pkg/linked.txt",
    ] {
        let (status, response) = raw_get(&server, path).await;
        assert!(
            !response.contains("the database password"),
            "{path} leaked the file"
        );
        assert!(status >= 300, "{path}: {status}");
    }
    // The same request for a file that is inside works.
    let (status, _) = raw_get(&server, "/pkg/herald.js").await;
    assert_eq!(status, 200);
}

fn brotli_at(data: &[u8], quality: i32) -> Vec<u8> {
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).unwrap();
    out
}

#[tokio::test]
async fn a_built_brotli_sibling_is_served_as_it_is_unless_stale() {
    let (dir, wasm) = site();
    let pkg = dir.path().join("site/pkg");
    // Quality 0: unlike what the server would make itself, so it shows.
    let built = brotli_at(&wasm, 0);
    std::fs::write(pkg.join(format!("{HASHED_WASM}.br")), &built).unwrap();
    let script = std::fs::read(pkg.join("herald.js")).unwrap();
    let stale = pkg.join("herald.js.br");
    std::fs::write(&stale, brotli_at(&script, 0)).unwrap();
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(long_ago)
        .unwrap();
    let server = start(dir.path()).await;

    let res = get(&server, &format!("/pkg/{HASHED_WASM}"), Some("br")).await;
    assert_eq!(header(&res, "content-encoding"), Some("br"));
    assert_eq!(res.bytes().await.unwrap(), built);

    let res = get(&server, "/pkg/herald.js", Some("br")).await;
    assert_eq!(header(&res, "content-encoding"), Some("br"));
    let body = res.bytes().await.unwrap();
    assert_ne!(body, brotli_at(&script, 0), "a stale sibling was served");
    assert_eq!(unbrotli(&body), script);
}
