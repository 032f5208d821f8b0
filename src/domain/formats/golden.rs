//! Golden files: every channel type's rendering of every event type's
//! sample, byte for byte, in `tests/golden/<type>/<event>.json|.txt`. Any
//! difference fails; `HERALD_UPDATE_GOLDEN=1 cargo test --features ssr --lib golden`
//! rewrites them after an intended change (review the diff).

use super::{render_default, Notice, Rendered};
use crate::domain::render::sample_data;
use crate::domain::{ChannelKind, EventType};
use std::path::PathBuf;

const PROJECT_ID: &str = "016f3203-4a8c-969e-078c-52ab66947746";
const PROJECT: &str = "demo/cool-tensorflow";
const PUBLIC_URL: &str = "https://herald.example.com";

/// What a golden file holds: pretty JSON for HTTP bodies (the exact bytes
/// are its compact form), the three parts for an e-mail.
fn golden_text(rendered: &Rendered) -> (String, &'static str) {
    match rendered {
        Rendered::Json(body) => {
            let value: serde_json::Value = serde_json::from_str(body).expect("body is JSON");
            let pretty = serde_json::to_string_pretty(&value).expect("pretty");
            // The stored file must say exactly what goes on the wire.
            assert_eq!(
                serde_json::to_string(&value).expect("compact"),
                *body,
                "body is compact JSON"
            );
            (format!("{pretty}\n"), "json")
        }
        Rendered::Email(e) => (
            format!(
                "Subject: {}\n\n===== text/plain =====\n{}\n===== text/html =====\n{}",
                e.subject, e.text, e.html
            ),
            "txt",
        ),
    }
}

#[test]
fn every_type_renders_every_event_as_its_golden_file() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var("HERALD_UPDATE_GOLDEN").is_ok_and(|v| !v.is_empty() && v != "0");
    let mut differences = Vec::new();
    let mut checked = 0;
    for kind in ChannelKind::ALL {
        for &event in EventType::ALL {
            let data = sample_data(event, PROJECT_ID, PROJECT);
            let notice = Notice::new(event, PROJECT_ID, PROJECT, &data, PUBLIC_URL);
            let (text, ext) = golden_text(&render_default(kind, &notice));
            let path = root
                .join(kind.as_str())
                .join(format!("{}.{ext}", event.as_str()));
            if update {
                std::fs::create_dir_all(path.parent().expect("dir")).expect("create dir");
                std::fs::write(&path, &text).expect("write golden file");
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(expected) if expected == text => checked += 1,
                Ok(expected) => {
                    let line = expected
                        .lines()
                        .zip(text.lines())
                        .position(|(a, b)| a != b)
                        .map(|i| i + 1)
                        .unwrap_or_else(|| expected.lines().count().min(text.lines().count()) + 1);
                    differences.push(format!("{} differs from line {line}", path.display()));
                }
                Err(e) => differences.push(format!("{}: {e}", path.display())),
            }
        }
    }
    assert!(
        differences.is_empty(),
        "golden files differ (HERALD_UPDATE_GOLDEN=1 rewrites them):\n{}",
        differences.join("\n")
    );
    if !update {
        assert_eq!(checked, ChannelKind::ALL.len() * EventType::ALL.len());
    }
}
