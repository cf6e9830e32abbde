//! Saved sets: the endpoints through which callers save feed items as named sets and combine
//! them (`POST /sets`, `GET /sets/{id}`, `GET /sets/{id}/items`, `PUT /sets/{id}`,
//! `DELETE /sets/{id}`), built on setql's object sets.
//!
//! Not served yet: they come with the object-set module. This is their place in the
//! service. [`routes`] is merged into the router, so what it serves is traced, time-limited
//! and answered with [`ApiError`](crate::error::ApiError) like the feed.

use axum::Router;

use crate::routes::AppState;

/// The saved sets' routes; none yet.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
}
