//! A bounded load test of the `api` example on localhost: 32 concurrent clients make 2,000
//! mixed requests against a pool of 8 connections. No request may fail or outlast the
//! timeout, and the pool must be whole at the end. It prints one `LOAD` line with requests
//! per second and p50/p99 latency; speed is reported, never asserted.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::client::Client;
use crate::common::unique;
use crate::config::Config;
use crate::db::{Pool, with_pool};
use crate::routes::{self, AppState};
use crate::seed::{self, Tables};

const CLIENTS: usize = 32;
const REQUESTS: usize = 2_000;
const POOL_SIZE: u32 = 8;
/// The service's request timeout: no answer may take longer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// What the clients ask, in turn: every endpoint, filters, both kinds of page.
const PATHS: [&str; 10] = [
    "/feed?per_page=10",
    "/feed?page=2&per_page=5&order=created_at",
    "/feed?author=ana",
    "/feed?kind=comment&since=1714005000",
    "/feed?q=union",
    "/feed?cursor=&per_page=5",
    "/feed/count?exclude_author=ben",
    "/feed/count",
    "/feed/by-author",
    "/feed/mutual?a=ana&b=ben",
];

/// One answered request.
struct Answer {
    path: &'static str,
    status: StatusCode,
    took: Duration,
}

async fn load(engine: &str, url: &str) {
    let config = Config::new(url, POOL_SIZE, TIMEOUT);
    let pool = Pool::connect(url, &config.pool).await.expect("a pool");
    let tables = Tables {
        posts: unique("load_posts"),
        comments: unique("load_comments"),
        sets_prefix: format!("{}_", unique("load_sets")),
    };
    seed::create(&pool, &tables)
        .await
        .expect("creating the tables");
    seed::fill(&pool, &tables)
        .await
        .expect("seeding the tables");
    let app = routes::router(AppState::new(pool.clone(), &tables), config.request_timeout);
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let client = Client::new(listener.local_addr().expect("an address"));
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let stopped = async {
            let _ = stopped.await;
        };
        axum::serve(listener, app)
            .with_graceful_shutdown(stopped)
            .await
    });

    let sent = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (client, sent) = (client.clone(), Arc::clone(&sent));
            tokio::spawn(async move {
                let mut answers = Vec::new();
                loop {
                    let n = sent.fetch_add(1, Ordering::Relaxed);
                    let Some(&path) = (n < REQUESTS).then(|| &PATHS[n % PATHS.len()]) else {
                        return answers;
                    };
                    let asked = Instant::now();
                    let (status, body) = client.get(path).await.expect("an answer");
                    assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
                    let took = asked.elapsed();
                    answers.push(Answer { path, status, took });
                }
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(REQUESTS);
    for client in clients {
        answers.extend(client.await.expect("a client ran to the end"));
    }
    let elapsed = started.elapsed();
    let _ = stop.send(());
    server
        .await
        .expect("the server task")
        .expect("a graceful shutdown");

    assert_eq!(answers.len(), REQUESTS);
    assert!(answers.iter().all(|answer| answer.status == StatusCode::OK));
    let slowest = answers
        .iter()
        .max_by_key(|answer| answer.took)
        .expect("answers");
    assert!(
        slowest.took < TIMEOUT,
        "{engine}: GET {} took {:?}",
        slowest.path,
        slowest.took
    );
    // Every connection the requests took came back, and none was lost.
    let mut usage = (0, 0);
    for _ in 0..100 {
        usage = with_pool!(&pool, |pool| (pool.size(), pool.num_idle()));
        if usize::try_from(usage.0).is_ok_and(|size| size == usage.1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(usage, (POOL_SIZE, 8), "{engine}: (open, idle) connections");

    let mut took: Vec<Duration> = answers.iter().map(|answer| answer.took).collect();
    took.sort_unstable();
    let at = |percent: usize| took[(took.len() * percent / 100).min(took.len() - 1)];
    let ms = |duration: Duration| duration.as_secs_f64() * 1_000.0;
    // Straight to the stream: libtest captures `eprintln!` of passing tests.
    let _ = writeln!(
        std::io::stderr(),
        "LOAD engine={engine} clients={CLIENTS} requests={REQUESTS} pool={POOL_SIZE} \
         rps={:.0} p50_ms={:.2} p99_ms={:.2} max_ms={:.2}",
        answers.len() as f64 / elapsed.as_secs_f64(),
        ms(at(50)),
        ms(at(99)),
        ms(slowest.took),
    );
    seed::drop(&pool, &tables)
        .await
        .expect("dropping the tables");
    pool.close().await;
}

/// The server URL in `var`, or `None` (with a note) when it is not set.
#[cfg(any(feature = "postgres", feature = "mysql"))]
fn server_url(var: &str) -> Option<String> {
    let url = std::env::var(var).ok().filter(|url| !url.is_empty());
    if url.is_none() {
        let _ = writeln!(
            std::io::stderr(),
            "note: {var} is not set; skipping its load test"
        );
    }
    url
}

// Two workers, as many as this machine has cores: the server and the clients share them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_sqlite() {
    load("sqlite", "sqlite::memory:").await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_postgres() {
    if let Some(url) = server_url("SETQL_POSTGRES_URL") {
        load("postgres", &url).await;
    }
}

#[cfg(feature = "mysql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_mysql() {
    if let Some(url) = server_url("SETQL_MYSQL_URL") {
        load("mysql", &url).await;
    }
}
