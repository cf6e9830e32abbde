//! The HTTP endpoints. Each reads its parameters, narrows the feed's base set after
//! combining, and runs it; the router adds the request span and the request timeout.

use std::sync::Arc;
use std::time::Duration;

use axum::error_handling::HandleErrorLayer;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use setql::prelude::*;
use tower::ServiceBuilder;
use tower_http::trace::TraceLayer;
use tracing::Span;
use tracing::field::Empty;

use crate::db::{Pool, with_pool};
use crate::error::{self, ApiError};
use crate::feed::{AuthorCount, Feed, Item};
use crate::params::{PageRequest, Params};
use crate::seed::Tables;

/// What every handler shares: the pool, and the feed's query sets.
#[derive(Debug, Clone)]
pub(crate) struct AppState {
    pub(crate) pool: Pool,
    pub(crate) feed: Arc<Feed>,
    /// Where callers' saved sets are kept.
    pub(crate) sets: setql::object_set::ObjectSetStore,
}

impl AppState {
    /// The state for a feed over `tables`, read through `pool`.
    pub(crate) fn new(pool: Pool, tables: &Tables) -> AppState {
        AppState {
            pool,
            feed: Arc::new(Feed::new(tables)),
            sets: crate::sets::store(&tables.sets_prefix),
        }
    }
}

/// The service: the feed's endpoints and the saved sets' ([`crate::sets`]), each request in
/// its own span (method, path and status; the query string can hold personal data, so it is
/// left out) and cut off after `timeout`.
pub(crate) fn router(state: AppState, timeout: Duration) -> Router {
    let requests = TraceLayer::new_for_http()
        .make_span_with(|request: &Request| {
            let (method, path) = (request.method(), request.uri().path());
            tracing::info_span!("request", %method, path, status = Empty)
        })
        .on_request(())
        .on_response(|response: &Response, _: Duration, span: &Span| {
            span.record("status", response.status().as_u16());
        })
        // A failure is logged where it happened, with its cause.
        .on_failure(());
    Router::new()
        .route("/feed", get(feed))
        .route("/feed/count", get(count))
        .route("/feed/by-author", get(by_author))
        .route("/feed/mutual", get(mutual))
        .merge(crate::sets::routes())
        .fallback(|| async { ApiError::NotFound })
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(requests)
                .layer(HandleErrorLayer::new(error::middleware_failed))
                .timeout(timeout),
        )
}

/// A page of the feed, numbered or by cursor.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct FeedPage {
    pub(crate) items: Vec<Item>,
    /// Items in the whole (narrowed) feed.
    pub(crate) total: u64,
    /// The page number; `null` when paging by cursor.
    pub(crate) page: Option<u64>,
    pub(crate) num_pages: u64,
    /// The `cursor` of the next page when paging by cursor and there is one.
    pub(crate) next_cursor: Option<String>,
}

/// `GET /feed`: `author`, `kind`, `since`, `q`, `exclude_author`, `order`, and `page` with
/// `per_page` or `cursor` with `per_page`.
async fn feed(
    State(state): State<AppState>,
    mut params: Params,
) -> Result<Json<FeedPage>, ApiError> {
    let filter = params.filter()?;
    let sort = params.sort()?;
    let request = params.page()?;
    params.finish()?;
    let items = sort.apply(filter.apply(state.feed.items()));
    let page = match request {
        PageRequest::Number { number, per_page } => {
            let page: Page<Item> =
                with_pool!(&state.pool, |pool| items.page(number, per_page, pool).await)?;
            FeedPage {
                items: page.items,
                total: page.total,
                page: Some(page.number),
                num_pages: page.num_pages,
                next_cursor: None,
            }
        }
        PageRequest::Cursor { after, per_page } => {
            let (total, page): (u64, KeysetPage<Item>) = with_pool!(&state.pool, |pool| (
                items.count(pool).await?,
                items.page_after(after.as_ref(), per_page, pool).await?
            ));
            FeedPage {
                items: page.items,
                total,
                page: None,
                num_pages: Ord::max(total.div_ceil(per_page), 1),
                next_cursor: page.next.as_ref().map(Cursor::encode),
            }
        }
    };
    Ok(Json(page))
}

/// `GET /feed/count`: the number of items the filter parameters keep.
async fn count(State(state): State<AppState>, mut params: Params) -> Result<Json<Value>, ApiError> {
    let filter = params.filter()?;
    params.finish()?;
    let items = filter.apply(state.feed.items());
    let count = with_pool!(&state.pool, |pool| items.count(pool).await)?;
    Ok(Json(json!({ "count": count })))
}

/// `GET /feed/by-author`: items per author, after the filter parameters.
async fn by_author(
    State(state): State<AppState>,
    mut params: Params,
) -> Result<Json<Value>, ApiError> {
    let filter = params.filter()?;
    params.finish()?;
    let per_author = Feed::per_author(filter.apply(state.feed.items()));
    let authors: Vec<AuthorCount> =
        with_pool!(&state.pool, |pool| per_author.fetch_all(pool).await)?;
    Ok(Json(json!({ "authors": authors })))
}

/// `GET /feed/mutual?a=&b=`: the posts both authors commented on.
async fn mutual(
    State(state): State<AppState>,
    mut params: Params,
) -> Result<Json<Value>, ApiError> {
    let (a, b) = params.two_authors()?;
    params.finish()?;
    let posts = state.feed.mutual(&a, &b);
    let items: Vec<Item> = with_pool!(&state.pool, |pool| posts.fetch_all(pool).await)?;
    Ok(Json(json!({ "items": items })))
}
