//! An HTTP service whose list endpoints are setql query sets: an activity feed that is the
//! union of two tables, filtered, counted, grouped and paged after combining.
//!
//! ```text
//! cargo run --example api                  # demonstrate, then exit (CI runs this)
//! cargo run --example api -- --serve       # serve on API_ADDR until ctrl-c or SIGTERM
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo run --example api --all-features -- --serve
//! ```
//!
//! By default it seeds an in-memory SQLite database, serves on a free localhost port, sends
//! itself a few requests, prints each answer, and shuts down gracefully. With `--serve` it
//! keeps serving: `curl 'localhost:3000/feed?author=ana&per_page=2'`. `DATABASE_URL` selects
//! PostgreSQL or MySQL/MariaDB (their features must be on) and the other settings are in
//! [`config`]. The log (stderr, `RUST_LOG`, by default `info,setql=debug`) shows each
//! request, and inside it the one span setql emits per query: its SQL with placeholders, the
//! planner's decisions, the rows and the time.
//!
//! | endpoint | what it runs |
//! |---|---|
//! | `GET /feed` | `(posts ∪ comments)` narrowed, ordered, then a page or a cursor page |
//! | `GET /feed/count` | `SELECT COUNT(*)` of the narrowed union |
//! | `GET /feed/by-author` | the narrowed union grouped by author |
//! | `GET /feed/mutual?a=&b=` | posts whose id is in `(ids a commented on) ∩ (ids b commented on)` |
//! | `POST /sets?author=…` | a saved set of the posts the narrowed union keeps, `INSERT … SELECT` |
//! | `PUT /sets/{id}` | `{"operations": [{"op": "or", "set": 2}, {"op": "sub", "set": [1, 4]}]}`, in the database |
//! | `GET /sets/{id}/items` | the feed's posts whose id is in the saved set, paged |

mod client;
mod config;
mod db;
mod error;
mod feed;
mod params;
mod routes;
mod seed;
mod sets;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use axum::Router;
use axum::http::StatusCode;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower::BoxError;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::client::Client;
use crate::config::Config;
use crate::db::Pool;
use crate::routes::AppState;
use crate::seed::Tables;

/// What the demonstration asks, and the status each answer must have.
const DEMO: [(&str, StatusCode); 7] = [
    ("/feed?per_page=3", StatusCode::OK),
    (
        "/feed?kind=comment&author=ana&order=created_at",
        StatusCode::OK,
    ),
    ("/feed?q=mariadb", StatusCode::OK),
    ("/feed/count?exclude_author=ben", StatusCode::OK),
    ("/feed/by-author?since=1714010000", StatusCode::OK),
    ("/feed/mutual?a=ana&b=ben", StatusCode::OK),
    ("/feed?per_page=500", StatusCode::BAD_REQUEST),
];

#[tokio::main]
async fn main() -> ExitCode {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,setql=debug"));
    // A span's fields are complete when it closes: that is when the log prints it.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "the service stopped");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), BoxError> {
    let serve = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--serve") => true,
        Some(_) => return Err("usage: api [--serve]".into()),
    };
    let config = Config::from_env()?;
    let pool = Pool::connect(&config.database_url, &config.pool).await?;
    let tables = Tables::with_prefix(&config.table_prefix);
    seed::create(&pool, &tables).await?;
    seed::fill(&pool, &tables).await?;
    let app = routes::router(AppState::new(pool.clone(), &tables), config.request_timeout);
    if serve {
        let listener = TcpListener::bind(config.addr).await?;
        tracing::info!(addr = %listener.local_addr()?, "serving until ctrl-c or SIGTERM");
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await?;
    } else {
        demonstrate(app).await?;
    }
    // Every request has finished: wait for the connections to come back, then close them.
    pool.close().await;
    Ok(())
}

/// Serves on a free localhost port, asks [`DEMO`]'s questions and walks the feed by cursor,
/// printing each answer, then shuts the server down gracefully.
async fn demonstrate(app: Router) -> Result<(), BoxError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let client = Client::new(listener.local_addr()?);
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let stopped = async {
            // A dropped sender stops the server too.
            let _ = stopped.await;
        };
        axum::serve(listener, app)
            .with_graceful_shutdown(stopped)
            .await
    });
    for (path, expected) in DEMO {
        ask(&client, path, expected).await?;
    }
    saved_sets(&client).await?;
    let mut path = "/feed?cursor=&per_page=8".to_owned();
    loop {
        let page = ask(&client, &path, StatusCode::OK).await?;
        let Some(next) = page["next_cursor"].as_str() else {
            break;
        };
        path = format!("/feed?cursor={next}&per_page=8");
    }
    let _ = stop.send(());
    server.await??;
    Ok(())
}

/// Sends one request and prints its answer, which must have the `expected` status.
async fn ask(
    client: &Client,
    path: &str,
    expected: StatusCode,
) -> Result<serde_json::Value, BoxError> {
    let (status, body) = client.get(path).await?;
    println!(
        "GET {path} -> {status}\n{}\n",
        serde_json::to_string_pretty(&body)?
    );
    if status != expected {
        return Err(format!("GET {path} answered {status}, not {expected}").into());
    }
    Ok(body)
}

/// Saves two of ana's sets, combines them, reads the result, and shows that ben cannot
/// see it.
async fn saved_sets(client: &Client) -> Result<(), BoxError> {
    use axum::http::Method;
    use serde_json::json;
    let requests = [
        (
            Method::POST,
            "/sets?author=ana",
            "ana",
            Some(json!({ "name": "mine" })),
            StatusCode::CREATED,
        ),
        (
            Method::POST,
            "/sets",
            "ana",
            Some(json!({ "name": "picked", "ids": [2, 5] })),
            StatusCode::CREATED,
        ),
        (
            Method::PUT,
            "/sets/1",
            "ana",
            Some(json!({ "operations": [{ "op": "xor", "set": 2 }] })),
            StatusCode::OK,
        ),
        (
            Method::GET,
            "/sets/1/items?per_page=5",
            "ana",
            None,
            StatusCode::OK,
        ),
        (Method::GET, "/sets/1", "ben", None, StatusCode::NOT_FOUND),
    ];
    for (method, path, caller, body, expected) in requests {
        let (status, answer) = client
            .send(method.clone(), path, Some(caller), body.as_ref())
            .await?;
        println!(
            "{method} {path} as {caller} -> {status}\n{}\n",
            serde_json::to_string_pretty(&answer)?
        );
        if status != expected {
            return Err(format!("{method} {path} answered {status}, not {expected}").into());
        }
    }
    Ok(())
}

/// Resolves on ctrl-c, or on SIGTERM, which service managers and containers send.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for ctrl-c");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
