//! `POST /api/v1/events`: how platforms report what happened.
use super::intake::{Answer, Submission};
use super::store;
use super::AppState;
use crate::domain::EventType;
use crate::server::ids::token_hash;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

/// Largest event body accepted.
pub const EVENT_BODY_LIMIT: usize = 256 * 1024;
pub const IDEMPOTENCY_KEY_MAX: usize = 255;

/// A refusal with a JSON body that names the problem.
struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    field: Option<&'static str>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
        }
    }

    fn field(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            field: Some(field),
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(field) = self.field {
            error["field"] = json!(field);
        }
        let mut response = (self.status, Json(json!({ "error": error }))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "event ingestion failed");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Herald could not store the event; retry later.",
    )
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The validated body.
struct EventIn {
    event_type: EventType,
    data: Map<String, Value>,
    idempotency_key: Option<String>,
}

fn parse_body(bytes: &[u8]) -> Result<EventIn, ApiError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("The body is not valid JSON: {e}"),
        )
    })?;
    let Value::Object(mut body) = value else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "The body must be a JSON object.",
        ));
    };
    let event_type = match body.remove("type") {
        None | Some(Value::Null) => {
            return Err(ApiError::field(
                "type",
                "missing_field",
                "`type` is required.",
            ))
        }
        Some(Value::String(s)) => EventType::parse(&s).ok_or_else(|| {
            ApiError::field(
                "type",
                "unknown_event_type",
                format!("`{s}` is not a known event type."),
            )
        })?,
        Some(_) => {
            return Err(ApiError::field(
                "type",
                "invalid_type",
                "`type` must be a string.",
            ))
        }
    };
    let data = match body.remove("data") {
        None | Some(Value::Null) => {
            return Err(ApiError::field(
                "data",
                "missing_field",
                "`data` is required.",
            ))
        }
        Some(Value::Object(map)) => map,
        Some(_) => {
            return Err(ApiError::field(
                "data",
                "invalid_type",
                "`data` must be a JSON object.",
            ))
        }
    };
    let idempotency_key = match body.remove("idempotency_key") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => {
            return Err(ApiError::field(
                "idempotency_key",
                "invalid_value",
                "`idempotency_key` may not be empty.",
            ))
        }
        Some(Value::String(s)) if s.len() > IDEMPOTENCY_KEY_MAX => {
            return Err(ApiError::field(
                "idempotency_key",
                "invalid_value",
                format!("`idempotency_key` is at most {IDEMPOTENCY_KEY_MAX} bytes."),
            ))
        }
        Some(Value::String(s)) => Some(s),
        Some(_) => {
            return Err(ApiError::field(
                "idempotency_key",
                "invalid_type",
                "`idempotency_key` must be a string.",
            ))
        }
    };
    if let Some(extra) = body.keys().next() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_field",
            format!("Unknown field `{extra}`; expected type, data and idempotency_key."),
        ));
    }
    Ok(EventIn {
        event_type,
        data,
        idempotency_key,
    })
}

fn accepted(event_id: &str, deliveries: i32) -> Response {
    (
        StatusCode::ACCEPTED,
        Json(json!({ "id": event_id, "deliveries": deliveries })),
    )
        .into_response()
}

pub async fn post_event(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    match ingest(&state, &headers, body).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
}

const UNKNOWN_TOKEN: &str = "The API token is unknown or revoked.";

/// A refusal of the request itself goes only to a caller with a valid
/// token; anyone else learns only that the token is not.
async fn refuse(state: &AppState, token: &str, problem: ApiError) -> ApiError {
    match store::tokens::authenticate(&state.db, token).await {
        Ok(Some(_)) => problem,
        Ok(None) => unauthorized(UNKNOWN_TOKEN),
        Err(e) => internal(e),
    }
}

async fn ingest(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Response, ApiError> {
    let token = bearer(headers)
        .ok_or_else(|| unauthorized("Send `Authorization: Bearer <project API token>`."))?;
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        let problem = ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the event as `Content-Type: application/json`.",
        );
        return Err(refuse(state, token, problem).await);
    }
    let parsed = match axum::body::to_bytes(body, EVENT_BODY_LIMIT).await {
        Ok(bytes) => parse_body(&bytes),
        Err(_) => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("The body is larger than {} KiB.", EVENT_BODY_LIMIT / 1024),
        )),
    };
    let event = match parsed {
        Ok(event) => event,
        Err(problem) => return Err(refuse(state, token, problem).await),
    };
    // The token is checked with the rest of the group the intake stores.
    let answer = state
        .intake
        .submit(Submission {
            token_hash: token_hash(token),
            event_type: event.event_type,
            data: event.data,
            idempotency_key: event.idempotency_key,
        })
        .await
        .map_err(internal)?;
    match answer {
        Answer::Accepted {
            event_id,
            deliveries,
        } => Ok(accepted(&event_id, deliveries)),
        Answer::Unauthorized => Err(unauthorized(UNKNOWN_TOKEN)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_rules() {
        assert!(parse_body(br#"{"type":"ping","data":{}}"#).is_ok());
        let e = parse_body(br#"{"type":"nope","data":{}}"#).err().unwrap();
        assert_eq!(
            (e.status, e.field),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("type"))
        );
        let e = parse_body(br#"{"type":"ping","data":[]}"#).err().unwrap();
        assert_eq!(e.field, Some("data"));
        let e = parse_body(br#"{"data":{}}"#).err().unwrap();
        assert_eq!(e.code, "missing_field");
        let e = parse_body(b"{nope").err().unwrap();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        let e = parse_body(br#"{"type":"ping","data":{},"idempotency_key":5}"#)
            .err()
            .unwrap();
        assert_eq!(e.field, Some("idempotency_key"));
        let e = parse_body(br#"{"type":"ping","data":{},"extra":1}"#)
            .err()
            .unwrap();
        assert_eq!(e.code, "unknown_field");
    }

    #[test]
    fn bearer_tokens() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer hrld_abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("hrld_abc"));
        h.insert(header::AUTHORIZATION, "Basic xyz".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
