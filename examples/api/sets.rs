//! Saved sets: callers save feed posts as named sets and combine them, as django-objectset's
//! REST resources do, on setql's object sets. Each set belongs to the caller named by the
//! `X-Caller` header; another caller's set is a 404, the same answer as for none at all.
//!
//! - `POST /sets`: a new set from the posts the feed's filter parameters keep (the query
//!   string, as on `GET /feed`) or from `ids` in the body, then its `operations` in order;
//! - `GET /sets/{id}`, and `GET /sets/{id}/items` (paged as `/feed` is);
//! - `PUT /sets/{id}`: applies `operations`;
//! - `DELETE /sets/{id}`.
//!
//! An operation is `{"op": "or" | "and" | "xor" | "sub", "set": <set id> | [post ids]}`.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use setql::Retry;
use setql::object_set::{Kind, ObjectSet, ObjectSetStore};
use setql::prelude::*;
use setql::sqlx::{self, Executor};
use std::time::UNIX_EPOCH;

use crate::db::with_pool;
use crate::error::ApiError;
use crate::feed::{Item, Sort};
use crate::params::{PageRequest, Params};
use crate::routes::AppState;

/// The saved sets' routes.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/sets", post(create))
        .route("/sets/{id}", get(show).put(apply).delete(delete))
        .route("/sets/{id}/items", get(items))
}

/// The caller, from the `X-Caller` header: whose sets a request sees.
pub(crate) struct Caller(String);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Caller, ApiError> {
        let caller = parts
            .headers
            .get("x-caller")
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|caller| !caller.is_empty() && caller.len() <= 128);
        caller
            .map(|caller| Caller(caller.to_owned()))
            .ok_or_else(|| ApiError::bad("x-caller", "name the caller, 1 to 128 characters"))
    }
}

/// One step of set algebra, applied to a saved set in place.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Operation {
    op: Op,
    set: Operand,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Op {
    Or,
    And,
    Xor,
    Sub,
}

/// Another of the caller's sets, by id, or post ids.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Operand {
    Set(i64),
    Ids(Vec<i64>),
}

/// `POST /sets`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewSet {
    name: String,
    ids: Option<Vec<i64>>,
    #[serde(default)]
    operations: Vec<Operation>,
}

/// `PUT /sets/{id}`'s body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Operations {
    operations: Vec<Operation>,
}

/// A saved set as the API returns it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct SetInfo {
    pub(crate) id: i64,
    pub(crate) name: String,
    pub(crate) count: u64,
    /// Unix seconds.
    pub(crate) created: u64,
    pub(crate) modified: u64,
}

impl From<&ObjectSet> for SetInfo {
    fn from(set: &ObjectSet) -> SetInfo {
        let seconds = |at: std::time::SystemTime| {
            at.duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs())
        };
        SetInfo {
            id: set.id(),
            name: set.name().to_owned(),
            count: set.count(),
            created: seconds(set.created()),
            modified: seconds(set.modified()),
        }
    }
}

/// The kind every saved set holds: posts, by id, seen as `caller` sees them.
fn posts(state: &AppState, caller: &Caller) -> Kind {
    state
        .sets
        .for_owner(caller.0.as_str())
        .kind(state.feed.posts_table(), "id")
}

/// A body that is not the JSON an endpoint takes is a 400 naming `body`.
fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(body)| body)
        .map_err(|rejection| ApiError::bad("body", rejection.body_text()))
}

async fn create(
    State(state): State<AppState>,
    caller: Caller,
    mut params: Params,
    new: Result<Json<NewSet>, JsonRejection>,
) -> Result<(StatusCode, Json<SetInfo>), ApiError> {
    let new = body(new)?;
    let filter = params.filter()?;
    params.finish()?;
    let kind = posts(&state, &caller);
    let set = match new.ids {
        Some(ids) if filter.is_empty() => {
            with_pool!(&state.pool, |pool| saved(
                pool,
                &kind,
                &new.name,
                ids,
                &new.operations
            )
            .await)
        }
        Some(_) => return Err(ApiError::bad("ids", "give ids or feed filters, not both")),
        // The feed narrowed after combining, then its posts' ids: a union pipeline saved.
        None => {
            let kept = filter
                .apply(state.feed.items())
                .filter(Expr::col("kind").eq("post"));
            let source = kept.columns(["id"]);
            with_pool!(&state.pool, |pool| saved(
                pool,
                &kind,
                &new.name,
                source,
                &new.operations
            )
            .await)
        }
    }?;
    Ok((StatusCode::CREATED, Json(SetInfo::from(&set))))
}

async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<SetInfo>, ApiError> {
    let kind = posts(&state, &caller);
    let set = with_pool!(&state.pool, |pool| kind.load(pool, id).await)?;
    Ok(Json(SetInfo::from(&set)))
}

/// `GET /sets/{id}/items`: the set's posts as feed items, newest first, `page`/`per_page`.
async fn items(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    mut params: Params,
) -> Result<Json<Value>, ApiError> {
    let PageRequest::Number { number, per_page } = params.page()? else {
        return Err(ApiError::bad("cursor", "saved sets are paged by number"));
    };
    params.finish()?;
    let kind = posts(&state, &caller);
    let set = with_pool!(&state.pool, |pool| kind.load(pool, id).await)?;
    let posts = Sort::NewestFirst.apply(state.feed.posts().filter_in("id", &set.ids()));
    let page: Page<Item> =
        with_pool!(&state.pool, |pool| posts.page(number, per_page, pool).await)?;
    Ok(Json(json!({
        "items": page.items,
        "total": page.total,
        "page": page.number,
        "num_pages": page.num_pages,
    })))
}

async fn apply(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    operations: Result<Json<Operations>, JsonRejection>,
) -> Result<Json<SetInfo>, ApiError> {
    let operations = body(operations)?.operations;
    let kind = posts(&state, &caller);
    let set = with_pool!(&state.pool, |pool| applied(pool, &kind, id, &operations)
        .await)?;
    Ok(Json(SetInfo::from(&set)))
}

async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let kind = posts(&state, &caller);
    with_pool!(&state.pool, |pool| {
        let set = kind.load(pool, id).await?;
        set.delete(pool).await
    })?;
    Ok(StatusCode::NO_CONTENT)
}

/// Saves `source` as `name`, then applies `operations`, all in one transaction: a request
/// whose operation fails saves nothing. A transaction the database gives up for another
/// (a deadlock, a Galera certification failure) runs again, as `Retry` allows.
async fn saved<DB>(
    pool: &sqlx::Pool<DB>,
    kind: &Kind,
    name: &str,
    source: impl setql::object_set::MemberSource + Clone + Sync,
    operations: &[Operation],
) -> Result<ObjectSet, ApiError>
where
    DB: setql::Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let set = Retry::default()
        .transaction(pool, |tx| {
            // The work may run more than once: each try takes its own copy of the source.
            let source = source.clone();
            Box::pin(async move {
                let mut set = kind.create(&mut *tx, name, source).await?;
                run(tx, kind, &mut set, operations).await?;
                Ok(set)
            })
        })
        .await?;
    Ok(set)
}

/// Applies `operations` to set `id` in order, in one transaction, run again as `saved` is.
async fn applied<DB>(
    pool: &sqlx::Pool<DB>,
    kind: &Kind,
    id: i64,
    operations: &[Operation],
) -> Result<ObjectSet, ApiError>
where
    DB: setql::Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let set = Retry::default()
        .transaction(pool, |tx| {
            Box::pin(async move {
                let mut set = kind.load(&mut *tx, id).await?;
                run(tx, kind, &mut set, operations).await?;
                Ok(set)
            })
        })
        .await?;
    Ok(set)
}

/// Applies `operations` to `set` in order, each in the database.
async fn run<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    kind: &Kind,
    set: &mut ObjectSet,
    operations: &[Operation],
) -> setql::Result<()>
where
    DB: setql::Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    for operation in operations {
        match &operation.set {
            Operand::Set(other) => {
                // Another caller's set is not found, as a set that never existed.
                let other = kind.load(&mut *tx, *other).await?;
                step(tx, set, operation.op, &other).await?;
            }
            Operand::Ids(ids) => {
                step(tx, set, operation.op, ids.clone()).await?;
            }
        }
    }
    Ok(())
}

async fn step<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    set: &mut ObjectSet,
    op: Op,
    other: impl setql::object_set::MemberSource,
) -> setql::Result<u64>
where
    DB: setql::Backend,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    match op {
        Op::Or => set.union_with(&mut *tx, other).await,
        Op::And => set.intersect_with(&mut *tx, other).await,
        Op::Xor => set.symmetric_difference_with(&mut *tx, other).await,
        Op::Sub => set.difference_with(&mut *tx, other).await,
    }
}

/// The store of saved sets next to the feed's tables.
pub(crate) fn store(prefix: &str) -> ObjectSetStore {
    ObjectSetStore::with_prefix(prefix)
}
