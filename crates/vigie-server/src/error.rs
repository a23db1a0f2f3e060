//! Errors as HTTP answers, and the security headers every answer carries.

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use vigie_store::StoreError;

/// An error a handler returns: a status and a message for the client. What the caller asked for wrongly is
/// answered with its own status and the store's message (an unknown bank or user 404, a name taken or a
/// conflicting decision 409, an invalid bank setting 400); store failures are logged with their detail and
/// answered with a generic 500.
#[derive(Debug)]
pub struct AppError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What the client is told.
    pub message: String,
}

impl AppError {
    /// An error with a status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> AppError {
        AppError {
            status,
            message: message.into(),
        }
    }

    /// 404.
    pub fn not_found(what: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, what)
    }

    /// 400.
    pub fn bad_request(why: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, why)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::Conflict(m) => AppError::new(StatusCode::CONFLICT, m),
            StoreError::NotFound(m) => AppError::not_found(m),
            e @ (StoreError::NoSuchBank(_) | StoreError::NoSuchUser(_)) => {
                AppError::not_found(e.to_string())
            }
            e @ StoreError::BankExists(_) => AppError::new(StatusCode::CONFLICT, e.to_string()),
            StoreError::InvalidBank(m) => AppError::bad_request(m),
            other => {
                tracing::error!("store: {other}");
                AppError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error (logged)")
            }
        }
    }
}

/// The JSON body of an error.
#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                error: self.message,
            }),
        )
            .into_response()
    }
}

/// Adds the security headers: a content security policy that allows only this origin's scripts, styles,
/// images and media (no inline script), no framing, no referrer, no MIME sniffing; and no caching of
/// anything but the static assets.
pub(crate) async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !is_static && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_the_caller_got_wrong_is_not_a_server_error() {
        let status = |e: StoreError| AppError::from(e).status;
        assert_eq!(
            status(StoreError::NoSuchBank("x".into())),
            StatusCode::NOT_FOUND
        );
        assert_eq!(status(StoreError::NoSuchUser(7)), StatusCode::NOT_FOUND);
        assert_eq!(
            status(StoreError::BankExists("x".into())),
            StatusCode::CONFLICT
        );
        assert_eq!(
            status(StoreError::Conflict("taken".into())),
            StatusCode::CONFLICT
        );
        assert_eq!(
            status(StoreError::InvalidBank("distance".into())),
            StatusCode::BAD_REQUEST
        );
        let unknown = AppError::from(StoreError::NoSuchBank("ghost".into()));
        assert!(unknown.message.contains("ghost"), "{}", unknown.message);
        // A store failure says nothing of its detail to the client.
        let failed = AppError::from(StoreError::Corrupt("row 12: secret detail".into()));
        assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!failed.message.contains("secret"));
    }
}
