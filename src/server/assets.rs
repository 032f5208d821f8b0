//! The site's static files (the WASM, its JS glue, the stylesheet, the
//! favicon): served compressed, with cache lifetimes that match their names.
//!
//! Each file is compressed once per process, on its first request, and kept
//! in memory, so a debug build is served compressed too. A `.br` sibling
//! that `cargo leptos build --release --precompress` wrote is used as it
//! is (the same quality, without the seconds it takes); its `.gz` siblings
//! are not, as they are a fifth larger than gzip -9 here. A file
//! whose name carries cargo-leptos' content hash (`hash-files = true`) never
//! changes under that name and is cached for a year; every other file is
//! revalidated on each use through its ETag.
use super::AppState;
use crate::app::shell;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::prelude::LeptosOptions;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::SystemTime;
use tokio::sync::OnceCell;

/// For files named by their content hash.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For every other file: a cache may keep it but asks before each use.
pub const REVALIDATE: &str = "public, no-cache";

/// Files smaller than this gain nothing from compression.
const COMPRESS_MIN: usize = 512;
/// Brotli's best quality costs about a second per MB; a debug build's WASM
/// is tens of MB, so a larger file gets fast settings that compress it in
/// about a second rather than delay its first request.
const BEST_QUALITY_MAX: usize = 4 * 1024 * 1024;

/// Answers a request for a file under the site root, or hands it to
/// Leptos, which renders the app's 404 page.
pub async fn serve(State(state): State<AppState>, request: Request<Body>) -> Response {
    let is_get = request.method() == Method::GET || request.method() == Method::HEAD;
    let file = if is_get {
        resolve(&state.leptos_options, request.uri().path())
    } else {
        None
    };
    let Some(file) = file else {
        return not_found(state, request).await;
    };
    match load(&file.path, file.hashed).await {
        Ok(asset) => asset.respond(request.headers()).await,
        Err(e) => {
            tracing::error!("cannot read {}: {e}", file.path.display());
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The app's own page for an unknown address, as a 404. (Leptos'
/// `file_and_error_handler` would look for a file first, following
/// symbolic links out of the site root; `resolve` has already looked.)
async fn not_found(state: AppState, request: Request<Body>) -> Response {
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_to_stream_in_order_with_context(
        move || leptos::prelude::provide_context(state.clone()),
        move || shell(options.clone()),
    );
    let mut response = render(request).await;
    // A page may have set its own status (a redirect to sign in).
    if response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::NOT_FOUND;
    }
    response
}

/// A file under the site root that a request path names.
struct SiteFile {
    path: PathBuf,
    hashed: bool,
}

/// The regular file `uri_path` names under the site root, if any. Only
/// plain names are followed: no `..`, no hidden files, no escapes, and no
/// symbolic link that leads outside the root.
fn resolve(options: &LeptosOptions, uri_path: &str) -> Option<SiteFile> {
    let relative = uri_path.strip_prefix('/')?;
    if relative.is_empty() || relative.contains(['%', '\\', '\0']) {
        return None;
    }
    let segments: Vec<&str> = relative.split('/').collect();
    if segments.iter().any(|s| s.is_empty() || s.starts_with('.')) {
        return None;
    }
    let root = Path::new(options.site_root.as_ref()).canonicalize().ok()?;
    let mut path = root.clone();
    for segment in &segments {
        let component = Path::new(segment).components().next();
        if !matches!(component, Some(Component::Normal(_))) {
            return None;
        }
        path.push(segment);
    }
    let path = path.canonicalize().ok()?;
    if !path.starts_with(&root) || !path.is_file() {
        return None;
    }
    let in_pkg_dir = segments.len() == 2 && segments[0] == options.site_pkg_dir.as_ref();
    let hashed = in_pkg_dir && has_content_hash(segments[1]);
    Some(SiteFile { path, hashed })
}

/// True for `name.<hash>.ext`, the names cargo-leptos gives the files it
/// hashes: the hash is an MD5 digest in unpadded base64url, 22 characters.
pub fn has_content_hash(file_name: &str) -> bool {
    let parts: Vec<&str> = file_name.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1].iter().any(|part| {
            part.len() == 22
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Turns on Leptos' hashed file names when cargo-leptos built the site
/// with `hash-files = true`: it then leaves its hash file next to the
/// server binary, but tells the server so (`LEPTOS_HASH_FILES`) only when
/// it runs the server itself. Without this, `herald serve` would link the
/// unhashed names, which such a build does not have.
pub fn detect_hashed_build(options: &mut LeptosOptions) {
    if std::env::var_os("LEPTOS_HASH_FILES").is_some() {
        return;
    }
    let hash_file = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())));
    if hash_file.is_some_and(|f| f.is_file()) {
        options.hash_files = true;
    }
}

/// One file, and each encoding of it once a client has asked for it.
struct Asset {
    path: PathBuf,
    content_type: &'static str,
    cache_control: &'static str,
    /// Strong validator of the identity bytes; encodings append a suffix.
    etag: String,
    identity: Arc<[u8]>,
    compressible: bool,
    /// `None` inside: the encoding saves nothing and is not offered.
    gzip: OnceCell<Option<Arc<[u8]>>>,
    brotli: OnceCell<Option<Arc<[u8]>>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Version {
    len: u64,
    modified: Option<SystemTime>,
}

type Cache = Mutex<HashMap<PathBuf, (Version, Arc<OnceCell<Arc<Asset>>>)>>;

/// Files this process has served. A file that changes on disk (a rebuild
/// under `cargo leptos watch`) is read and compressed anew.
static CACHE: LazyLock<Cache> = LazyLock::new(Default::default);

async fn load(path: &Path, hashed: bool) -> std::io::Result<Arc<Asset>> {
    let meta = tokio::fs::metadata(path).await?;
    let version = Version {
        len: meta.len(),
        modified: meta.modified().ok(),
    };
    // One cell per file version: concurrent first requests wait for one
    // read instead of each running their own.
    let cell = {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        let entry = cache
            .entry(path.to_path_buf())
            .or_insert_with(|| (version, Arc::default()));
        if entry.0 != version {
            *entry = (version, Arc::default());
        }
        entry.1.clone()
    };
    let path = path.to_path_buf();
    cell.get_or_try_init(|| async move {
        tokio::task::spawn_blocking(move || Asset::read(path, hashed).map(Arc::new))
            .await
            .map_err(std::io::Error::other)?
    })
    .await
    .cloned()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Coding {
    Brotli,
    Gzip,
}

impl Coding {
    fn name(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
        }
    }
}

impl Asset {
    fn read(path: PathBuf, hashed: bool) -> std::io::Result<Asset> {
        let identity: Arc<[u8]> = std::fs::read(&path)?.into();
        let content_type = content_type(&path);
        let etag = {
            let digest = Sha256::digest(&identity);
            let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
            format!("\"{hex}\"")
        };
        Ok(Asset {
            compressible: is_compressible(content_type) && identity.len() >= COMPRESS_MIN,
            path,
            content_type,
            cache_control: if hashed { IMMUTABLE } else { REVALIDATE },
            etag,
            identity,
            gzip: OnceCell::new(),
            brotli: OnceCell::new(),
        })
    }

    /// The file in `coding`, compressed on first use (brotli may come from
    /// the sibling a build step wrote); `None` if that saves nothing.
    async fn encoded(self: &Arc<Self>, coding: Coding) -> Option<Arc<[u8]>> {
        if !self.compressible {
            return None;
        }
        let cell = match coding {
            Coding::Brotli => &self.brotli,
            Coding::Gzip => &self.gzip,
        };
        let asset = self.clone();
        let compress = || async move {
            tokio::task::spawn_blocking(move || asset.compress(coding))
                .await
                .unwrap_or_else(|e| {
                    tracing::error!("compressing a static file failed: {e}");
                    None
                })
        };
        cell.get_or_init(compress).await.clone()
    }

    fn compress(&self, coding: Coding) -> Option<Arc<[u8]>> {
        let built = match coding {
            Coding::Brotli => precompressed(&self.path, "br"),
            Coding::Gzip => None,
        };
        let encoded = match built {
            Some(bytes) => bytes,
            None => match coding {
                Coding::Brotli => brotli(&self.identity),
                Coding::Gzip => gzip(&self.identity),
            }
            .inspect_err(|e| tracing::error!("cannot compress {}: {e}", self.path.display()))
            .ok()?,
        };
        // An encoding that saves nothing is not worth a decode.
        (encoded.len() < self.identity.len()).then(|| encoded.into())
    }

    async fn respond(self: &Arc<Self>, request: &HeaderMap) -> Response {
        let accepted = AcceptEncoding::parse(request.get(header::ACCEPT_ENCODING));
        let mut chosen = None;
        for coding in accepted.preference() {
            if let Some(bytes) = self.encoded(coding).await {
                chosen = Some((coding, bytes));
                break;
            }
        }
        let etag = match &chosen {
            Some((coding, _)) => format!("{}-{}\"", self.etag.trim_end_matches('"'), coding.name()),
            None => self.etag.clone(),
        };
        let mut response = if if_none_match(request, &etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let body = chosen.as_ref().map_or(&self.identity, |(_, bytes)| bytes);
            let mut response = Body::from(bytes_of(body)).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(self.content_type),
            );
            if let Some((coding, _)) = chosen {
                headers.insert(
                    header::CONTENT_ENCODING,
                    HeaderValue::from_static(coding.name()),
                );
            }
            response
        };
        let headers = response.headers_mut();
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(self.cache_control),
        );
        if let Ok(value) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, value);
        }
        response
    }
}

fn bytes_of(body: &Arc<[u8]>) -> axum::body::Bytes {
    axum::body::Bytes::from_owner(ArcBytes(body.clone()))
}

/// Lets a response body share the cached bytes instead of copying them.
struct ArcBytes(Arc<[u8]>);

impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// True when the client's copy (`If-None-Match`) is this representation.
fn if_none_match(request: &HeaderMap, etag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == etag || tag == "*")
}

/// The weights a client gave brotli and gzip (0 = not acceptable).
#[derive(Debug, PartialEq)]
struct AcceptEncoding {
    brotli: f32,
    gzip: f32,
}

impl AcceptEncoding {
    fn parse(value: Option<&HeaderValue>) -> AcceptEncoding {
        let mut accepted = AcceptEncoding {
            brotli: 0.0,
            gzip: 0.0,
        };
        let Some(value) = value.and_then(|v| v.to_str().ok()) else {
            return accepted;
        };
        let (mut brotli, mut gzip, mut any) = (None, None, None);
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0)
                .clamp(0.0, 1.0);
            match coding.as_str() {
                "br" => brotli = Some(weight),
                "gzip" | "x-gzip" => gzip = Some(weight),
                "*" => any = Some(weight),
                _ => {}
            }
        }
        accepted.brotli = brotli.or(any).unwrap_or(0.0);
        accepted.gzip = gzip.or(any).unwrap_or(0.0);
        accepted
    }

    /// The acceptable codings, best first: brotli is smaller, so it wins
    /// unless the client weighs gzip higher.
    fn preference(&self) -> Vec<Coding> {
        let mut codings = Vec::new();
        if self.brotli > 0.0 && self.brotli >= self.gzip {
            codings.push(Coding::Brotli);
        }
        if self.gzip > 0.0 {
            codings.push(Coding::Gzip);
        }
        if self.brotli > 0.0 && self.brotli < self.gzip {
            codings.push(Coding::Brotli);
        }
        codings
    }
}

/// A sibling `file.<extension>` that a build step wrote, if newer than the
/// file itself (a stale one would serve old bytes).
fn precompressed(path: &Path, extension: &str) -> Option<Vec<u8>> {
    let mut name = path.file_name()?.to_os_string();
    name.push(".");
    name.push(extension);
    let sibling = path.with_file_name(name);
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if modified(&sibling)? < modified(path)? {
        return None;
    }
    std::fs::read(sibling).ok()
}

fn gzip(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let level = if data.len() <= BEST_QUALITY_MAX {
        flate2::Compression::best()
    } else {
        flate2::Compression::fast()
    };
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
    encoder.write_all(data)?;
    encoder.finish()
}

fn brotli(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let quality = if data.len() <= BEST_QUALITY_MAX {
        11
    } else {
        4
    };
    let params = brotli::enc::BrotliEncoderParams {
        quality,
        lgwin: 22,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &data[..], &mut out, &params)?;
    Ok(out)
}

fn content_type(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("wasm") => "application/wasm",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("html") => "text/html; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("txt") => "text/plain; charset=utf-8",
        Some("xml") => "application/xml",
        Some("ico") => "image/x-icon",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        _ => "application/octet-stream",
    }
}

/// Text and WASM shrink; images and fonts are compressed already.
fn is_compressible(content_type: &str) -> bool {
    content_type.starts_with("text/")
        || matches!(
            content_type,
            "application/wasm"
                | "application/json"
                | "application/xml"
                | "image/svg+xml"
                | "image/x-icon"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> AcceptEncoding {
        AcceptEncoding::parse(Some(&HeaderValue::from_str(value).unwrap()))
    }

    #[test]
    fn accept_encoding_weights() {
        use Coding::{Brotli, Gzip};
        assert!(accept("gzip, deflate, br, zstd").preference() == [Brotli, Gzip]);
        assert!(accept("gzip").preference() == [Gzip]);
        assert!(accept("br;q=0.5, gzip").preference() == [Gzip, Brotli]);
        assert!(accept("br;q=0, gzip").preference() == [Gzip]);
        assert!(accept("identity").preference().is_empty());
        assert!(accept("*").preference() == [Brotli, Gzip]);
        assert!(accept("*, gzip;q=0").preference() == [Brotli]);
        assert!(AcceptEncoding::parse(None).preference().is_empty());
    }

    #[test]
    fn content_hash_names() {
        assert!(has_content_hash("herald.q3ZpHt2Ab7uN1Yx0c9bV-_.wasm"));
        assert!(!has_content_hash("herald.wasm"));
        assert!(!has_content_hash("favicon.svg"));
        assert!(!has_content_hash("herald.short.js"));
        assert!(!has_content_hash("q3ZpHt2Ab7uN1Yx0c9bV-_.js"));
    }

    #[test]
    fn both_encodings_decode_to_the_file() {
        let data = "body { color: red }\n".repeat(100).into_bytes();
        let gz = gzip(&data).unwrap();
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut plain).unwrap();
        assert_eq!(plain, data);
        let br = brotli(&data).unwrap();
        let mut plain = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut plain).unwrap();
        assert_eq!(plain, data);
    }
}
