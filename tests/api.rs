//! The `api` example, tested end to end on every reachable engine: its own modules, its
//! router in process, its real answers compared with an oracle of the seeded history.

mod common;

// The example's modules, shared rather than copied. Each is mounted at the crate root, as
// in the example; reading the environment and naming tables by prefix are `main`'s alone.
#[path = "../examples/api/client.rs"]
mod client;
#[allow(dead_code)]
#[path = "../examples/api/config.rs"]
mod config;
#[path = "../examples/api/db.rs"]
mod db;
#[path = "../examples/api/error.rs"]
mod error;
#[path = "../examples/api/feed.rs"]
mod feed;
#[path = "../examples/api/params.rs"]
mod params;
#[path = "../examples/api/routes.rs"]
mod routes;
#[allow(dead_code)]
#[path = "../examples/api/seed.rs"]
mod seed;
#[path = "../examples/api/sets.rs"]
mod sets;

use std::cmp::Reverse;
use std::collections::HashSet;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use http_body_util::BodyExt as _;
use serde_json::Value;
use setql::sea_query::Table;
use tower::ServiceExt as _;

use crate::feed::Item;
use crate::routes::{AppState, FeedPage};
use crate::seed::{COMMENTS, Comment, HOUR, POSTS, START, Tables};

#[path = "api/load.rs"]
mod load;
#[path = "api/saved_sets.rs"]
mod saved_sets;

/// Generous: a debug build on a shared machine, with other tests running.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The service over its own copy of the seeded tables, answering in process.
struct Service {
    app: Router,
    pool: db::Pool,
    tables: Tables,
}

impl Service {
    /// Seeds fresh tables (dropped when the test ends) and builds the router over them.
    async fn start(pool: db::Pool) -> Service {
        let tables = Tables {
            posts: unique("api_posts"),
            comments: unique("api_comments"),
            sets_prefix: format!("{}_", unique("api_sets")),
        };
        // The saved sets' tables, members before the sets they reference.
        let store = sets::store(&tables.sets_prefix);
        drop_later(store.sets_table());
        drop_later(store.members_table());
        seed::create(&pool, &tables)
            .await
            .expect("creating the tables");
        seed::fill(&pool, &tables)
            .await
            .expect("seeding the tables");
        let app = routes::router(AppState::new(pool.clone(), &tables), TIMEOUT);
        Service { app, pool, tables }
    }

    /// `GET path`: the status and the raw body.
    async fn raw(&self, path: &str) -> (StatusCode, String) {
        let request = Request::get(path).body(Body::empty()).expect("a request");
        let response = self.app.clone().oneshot(request).await.expect("an answer");
        let status = response.status();
        let body = response.into_body().collect().await.expect("a body");
        let body = String::from_utf8(body.to_bytes().to_vec()).expect("UTF-8");
        (status, body)
    }

    /// `method path` as `caller`, with a JSON `body`: the status and the JSON answer
    /// (`null` for none).
    async fn send(
        &self,
        method: axum::http::Method,
        path: &str,
        caller: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(caller) = caller {
            request = request.header("x-caller", caller);
        }
        let body = match body {
            Some(body) => {
                request = request.header("content-type", "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        let response = self
            .app
            .clone()
            .oneshot(request.body(body).expect("a request"))
            .await
            .expect("an answer");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("a body")
            .to_bytes();
        let answer = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("JSON")
        };
        (status, answer)
    }

    /// `GET path`, which must answer 200 with JSON.
    async fn json(&self, path: &str) -> Value {
        let (status, body) = self.raw(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        serde_json::from_str(&body).expect("JSON")
    }

    async fn page(&self, path: &str) -> FeedPage {
        serde_json::from_value(self.json(path).await).expect("a feed page")
    }

    /// `GET path`, which must answer 400 naming `parameter`.
    async fn rejects(&self, path: &str, parameter: &str) {
        let (status, body) = self.raw(path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "GET {path}: {body}");
        let body: Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(body["error"]["code"], "bad_parameter", "GET {path}: {body}");
        assert_eq!(body["error"]["parameter"], parameter, "GET {path}: {body}");
    }

    async fn add_comments(&self, comments: &[Comment<'_>]) {
        let added = seed::insert_comments(&self.pool, &self.tables, comments).await;
        added.expect("adding comments");
    }
}

/// Every seeded item, in the feed's default order: newest first, ties by kind, then id,
/// both descending.
fn history() -> Vec<Item> {
    let posts = POSTS.iter().map(|post| Item {
        id: post.id,
        kind: "post".to_owned(),
        author: post.author.to_owned(),
        created_at: post.published_at,
        title: post.title.to_owned(),
    });
    let comments = COMMENTS.iter().map(|comment| Item {
        id: comment.id,
        kind: "comment".to_owned(),
        author: comment.commenter.to_owned(),
        created_at: comment.created_at,
        title: comment.body.to_owned(),
    });
    let mut items: Vec<Item> = posts.chain(comments).collect();
    items.sort_by_key(|item| Reverse((item.created_at, item.kind.clone(), item.id)));
    items
}

/// Which seeded items a request should return.
type Keep = Box<dyn Fn(&Item) -> bool>;

/// The seeded items `keep` keeps, newest first.
fn expected(keep: impl Fn(&Item) -> bool) -> Vec<Item> {
    history().into_iter().filter(keep).collect()
}

/// A comment on post 1.
fn comment(id: i64, created_at: i64) -> Comment<'static> {
    Comment {
        id,
        post_id: 1,
        commenter: "eve",
        body: "Late to the party.",
        created_at,
    }
}

engines!(filters_apply_to_the_combined_feed, |pool, engine| {
    let service = Service::start(db::Pool::from(pool.clone())).await;
    let all = |path: &str| format!("{path}&per_page=100");
    let cases: [(&str, Keep); 9] = [
        ("/feed?author=ana", Box::new(|item| item.author == "ana")),
        (
            "/feed?kind=comment",
            Box::new(|item| item.kind == "comment"),
        ),
        // Case does not matter; LIKE's wildcards in the text are matched literally.
        (
            "/feed?q=MariaDB",
            Box::new(|item| item.title.to_lowercase().contains("mariadb")),
        ),
        ("/feed?q=%25", Box::new(|_| false)),
        ("/feed?q=_", Box::new(|_| false)),
        (
            "/feed?since=1714018000",
            Box::new(|item| item.created_at >= START + 5 * HOUR),
        ),
        (
            "/feed?exclude_author=ben",
            Box::new(|item| item.author != "ben"),
        ),
        (
            "/feed?author=ana&kind=comment&since=1714007200&q=the",
            Box::new(|item| {
                item.author == "ana"
                    && item.kind == "comment"
                    && item.created_at >= START + 2 * HOUR
                    && item.title.to_lowercase().contains("the")
            }),
        ),
        ("/feed?author=nobody", Box::new(|_| false)),
    ];
    for (path, keep) in cases {
        let page = service.page(&all(path)).await;
        let want = expected(keep);
        assert_eq!(page.items, want, "{engine:?} GET {path}");
        assert_eq!(
            page.total,
            u64::try_from(want.len()).unwrap(),
            "{engine:?} GET {path}"
        );
        assert_eq!(
            (page.page, page.num_pages),
            (Some(1), 1),
            "{engine:?} GET {path}"
        );
        assert!(page.next_cursor.is_none());
    }
    // Both kinds come from their own tables' columns: a comment's author is its commenter.
    let ana = service.page("/feed?author=ana&per_page=100").await;
    let kinds: HashSet<&str> = ana.items.iter().map(|item| item.kind.as_str()).collect();
    assert_eq!(kinds, HashSet::from(["post", "comment"]), "{engine:?}");
    let oldest = service.page("/feed?order=created_at&per_page=1").await;
    assert_eq!(oldest.items[0].title, "Shipping setql 0.1", "{engine:?}");
});

engines!(numbered_pages_neither_overlap_nor_skip, |pool, engine| {
    let service = Service::start(db::Pool::from(pool.clone())).await;
    for (order, mut want) in [("-created_at", history()), ("created_at", history())] {
        if order == "created_at" {
            want.reverse();
        }
        let first = service
            .page(&format!("/feed?order={order}&per_page=4"))
            .await;
        assert_eq!((first.total, first.num_pages), (19, 5), "{engine:?}");
        let mut walked = first.items;
        for number in 2..=first.num_pages {
            let path = format!("/feed?order={order}&per_page=4&page={number}");
            let page = service.page(&path).await;
            assert_eq!(page.page, Some(number));
            assert!(page.items.len() <= 4);
            walked.extend(page.items);
        }
        // Ties in time (a post and a comment in the same second) are broken by the key, so
        // the pages add up to the whole feed, in order.
        assert_eq!(walked, want, "{engine:?} order={order}");
    }
    service.rejects("/feed?per_page=4&page=6", "page").await;
});

engines!(
    a_cursor_walk_visits_each_row_once_while_rows_arrive,
    |pool, engine| {
        let service = Service::start(db::Pool::from(pool.clone())).await;
        let key = |item: &Item| (item.kind.clone(), item.id);
        let mut seen = HashSet::new();
        let mut walked = Vec::new();
        let mut cursor = String::new();
        for step in 0..20 {
            let page = service
                .page(&format!("/feed?per_page=3&cursor={cursor}"))
                .await;
            assert_eq!(page.page, None);
            for item in &page.items {
                assert!(seen.insert(key(item)), "{engine:?}: {item:?} came twice");
            }
            walked.extend(page.items);
            // Between requests: one comment newer than every row (behind the walk, so not in
            // it) and one older than every row (ahead of it, so in it).
            service
                .add_comments(&[
                    comment(100 + step, START + 10 * HOUR + step),
                    comment(200 + step, START - HOUR - step),
                ])
                .await;
            match page.next_cursor {
                Some(next) => cursor = next,
                None => break,
            }
        }
        let seeded = history();
        let (old, new): (Vec<Item>, Vec<Item>) = walked
            .into_iter()
            .partition(|item| item.created_at >= START);
        assert_eq!(old, seeded, "{engine:?}: every seeded row, once, in order");
        assert!(new.iter().all(|item| item.id >= 200), "{engine:?}: {new:?}");
        assert!(
            !new.is_empty(),
            "{engine:?}: rows added ahead of the walk are read"
        );
    }
);

engines!(
    count_by_author_and_mutual_answer_from_the_union,
    |pool, engine| {
        let service = Service::start(db::Pool::from(pool.clone())).await;
        assert_eq!(service.json("/feed/count").await["count"], 19, "{engine:?}");
        let count = service
            .json("/feed/count?kind=post&exclude_author=ana")
            .await;
        assert_eq!(count["count"], 4, "{engine:?}");

        let by_author = service.json("/feed/by-author").await;
        let rows: Vec<(String, i64)> = by_author["authors"]
            .as_array()
            .expect("authors")
            .iter()
            .map(|row| {
                (
                    row["author"].as_str().unwrap().to_owned(),
                    row["items"].as_i64().unwrap(),
                )
            })
            .collect();
        let want = [("ana", 6), ("ben", 6), ("cleo", 4), ("dev", 3)];
        assert_eq!(rows, want.map(|(a, n)| (a.to_owned(), n)), "{engine:?}");
        let posts_only = service.json("/feed/by-author?kind=post&author=ben").await;
        assert_eq!(
            posts_only["authors"],
            serde_json::json!([{ "author": "ben", "items": 2 }]),
            "{engine:?}"
        );

        let mutual = |a: &str, b: &str| {
            let path = format!("/feed/mutual?a={a}&b={b}");
            let service = &service;
            async move {
                let items: Vec<Item> =
                    serde_json::from_value(service.json(&path).await["items"].clone()).unwrap();
                items
                    .into_iter()
                    .map(|item| (item.kind, item.id))
                    .collect::<Vec<_>>()
            }
        };
        let posts = |ids: &[i64]| {
            ids.iter()
                .map(|&id| ("post".to_owned(), id))
                .collect::<Vec<_>>()
        };
        assert_eq!(mutual("ana", "ben").await, posts(&[5, 3]), "{engine:?}");
        assert_eq!(mutual("ana", "cleo").await, posts(&[6, 2]), "{engine:?}");
        assert_eq!(mutual("dev", "cleo").await, posts(&[1]), "{engine:?}");
        assert_eq!(mutual("ana", "nobody").await, posts(&[]), "{engine:?}");
    }
);

engines!(bad_parameters_are_400s_that_name_them, |pool, engine| {
    let service = Service::start(db::Pool::from(pool.clone())).await;
    let _ = engine;
    // A cursor read in one order is refused in the other.
    let newest = service.page("/feed?cursor=&per_page=2").await;
    let cursor = newest.next_cursor.expect("a next page");
    let long = "x".repeat(101);
    let cases = [
        ("/feed?per_page=0", "per_page"),
        ("/feed?per_page=101", "per_page"),
        ("/feed?per_page=ten", "per_page"),
        ("/feed?page=0", "page"),
        ("/feed?page=-1", "page"),
        ("/feed?page=99", "page"),
        ("/feed?page=2&cursor=", "cursor"),
        ("/feed?cursor=not-a-cursor", "cursor"),
        (&format!("/feed?order=created_at&cursor={cursor}"), "cursor"),
        ("/feed?order=title", "order"),
        ("/feed?kind=video", "kind"),
        ("/feed?since=yesterday", "since"),
        ("/feed?since=-5", "since"),
        ("/feed?author=", "author"),
        ("/feed?author=ana&author=ben", "author"),
        (&format!("/feed?q={long}"), "q"),
        ("/feed?colour=red", "colour"),
        ("/feed/count?page=2", "page"),
        ("/feed/by-author?order=created_at", "order"),
        ("/feed/mutual?a=ana", "b"),
        ("/feed/mutual?b=ana", "a"),
    ];
    for (path, parameter) in cases {
        service.rejects(path, parameter).await;
    }
    let (status, body) = service.raw("/no/such/route").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("not_found"), "{body}");
});

engines!(
    a_database_error_is_a_500_that_leaks_nothing,
    |pool, engine| {
        let service = Service::start(db::Pool::from(pool.clone())).await;
        let gone = Table::drop()
            .table(service.tables.comments.clone())
            .to_owned();
        service
            .pool
            .run_schema(&gone)
            .await
            .expect("dropping comments");
        let secret = "k3ep-th1s-private";
        for path in [
            format!("/feed?author={secret}"),
            format!("/feed?cursor=&q={secret}"),
            format!("/feed/count?author={secret}"),
            format!("/feed/by-author?exclude_author={secret}"),
            format!("/feed/mutual?a={secret}&b=ana"),
        ] {
            let (status, body) = service.raw(&path).await;
            assert_eq!(
                status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{engine:?} GET {path}: {body}"
            );
            let error: Value = serde_json::from_str(&body).expect("JSON");
            assert_eq!(error["error"]["code"], "internal", "{body}");
            for leak in [
                secret,
                "SELECT",
                "select",
                &service.tables.comments,
                &service.tables.posts,
            ] {
                assert!(
                    !body.contains(leak),
                    "{engine:?} GET {path} leaks {leak:?}: {body}"
                );
            }
        }
    }
);

engines!(
    a_request_past_its_timeout_is_a_503_and_the_pool_lives_on,
    |pool, engine| {
        let service = Service::start(db::Pool::from(pool.clone())).await;
        let state = AppState::new(service.pool.clone(), &service.tables);
        let hurried = Service {
            app: routes::router(state, Duration::from_millis(200)),
            pool: service.pool.clone(),
            tables: service.tables.clone(),
        };
        // With every connection taken, a request waits for one until its timeout cuts it off.
        let mut taken = Vec::new();
        for _ in 0..pool.options().get_max_connections() {
            taken.push(pool.acquire().await.expect("a connection"));
        }
        for path in ["/feed?author=ana", "/feed?cursor=", "/feed/count"] {
            let (status, body) = hurried.raw(path).await;
            assert_eq!(
                status,
                StatusCode::SERVICE_UNAVAILABLE,
                "{engine:?} GET {path}: {body}"
            );
            assert!(body.contains("the request took too long"), "{body}");
        }
        // Once they are back, the pool serves again.
        drop(taken);
        let page = service.page("/feed?author=ana&per_page=100").await;
        assert_eq!(
            page.items,
            expected(|item| item.author == "ana"),
            "{engine:?}"
        );
    }
);
