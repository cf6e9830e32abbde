//! What a request that fails gets back: a status and a JSON error, and never SQL or values.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tower::BoxError;

/// Why a request failed.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// A query parameter that cannot be used: 400, naming it.
    BadParameter { parameter: String, message: String },
    /// Nothing at this path, or a saved set the caller cannot see: 404.
    NotFound,
    /// A saved set's name that the caller already uses: 409.
    Conflict { message: String },
    /// No database connection in time, or the request ran out of time: 503, worth retrying.
    Unavailable { reason: &'static str },
    /// Anything else. The cause is logged where it happened; the client learns nothing of
    /// it: 500.
    Internal,
}

impl ApiError {
    /// A 400 for `parameter`.
    pub(crate) fn bad(parameter: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::BadParameter {
            parameter: parameter.into(),
            message: message.into(),
        }
    }
}

impl From<setql::Error> for ApiError {
    fn from(error: setql::Error) -> ApiError {
        match error {
            // Only the `cursor` and `page` parameters can make these.
            setql::Error::InvalidCursor(_) => {
                ApiError::bad("cursor", "not a cursor of this feed in this order")
            }
            setql::Error::InvalidPage {
                num_pages: Some(last),
                ..
            } => ApiError::bad("page", format!("past the last page, {last}")),
            // Another caller's set is answered as one that does not exist.
            setql::Error::NotFound => ApiError::NotFound,
            setql::Error::InvalidSetName { reason, .. } => ApiError::bad("name", reason),
            setql::Error::DuplicateSetName { name, .. } => ApiError::Conflict {
                message: format!("you already have a set named `{name}`"),
            },
            setql::Error::MissingObjects { count, .. } => {
                ApiError::bad("ids", format!("{count} of the ids are not posts"))
            }
            error @ setql::Error::Connection { .. } => {
                tracing::warn!(%error, "no database connection");
                ApiError::Unavailable {
                    reason: "the database is unavailable",
                }
            }
            // The SQL has placeholders, never values, and the code names the failure; the
            // engine's message may quote a value, so it stays out of the log.
            setql::Error::Query { sql, code, .. } => {
                tracing::error!(sql, code = code.as_deref(), "query failed");
                ApiError::Internal
            }
            error => {
                tracing::error!(%error, "request failed");
                ApiError::Internal
            }
        }
    }
}

/// Answers what the middleware reports: the request timeout, or a failure of its own.
pub(crate) async fn middleware_failed(error: BoxError) -> ApiError {
    if error.is::<tower::timeout::error::Elapsed>() {
        ApiError::Unavailable {
            reason: "the request took too long",
        }
    } else {
        tracing::error!(%error, "middleware failed");
        ApiError::Internal
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error) = match self {
            ApiError::BadParameter { parameter, message } => (
                StatusCode::BAD_REQUEST,
                json!({ "code": "bad_parameter", "parameter": parameter, "message": message }),
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                json!({ "code": "not_found", "message": "no such resource" }),
            ),
            ApiError::Conflict { message } => (
                StatusCode::CONFLICT,
                json!({ "code": "conflict", "message": message }),
            ),
            ApiError::Unavailable { reason } => (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "code": "unavailable", "message": reason }),
            ),
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "code": "internal", "message": "the request could not be completed" }),
            ),
        };
        (status, Json(json!({ "error": error }))).into_response()
    }
}
