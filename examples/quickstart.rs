//! setql in one screen: combine query sets, keep filtering and ordering them, and run them
//! on embedded SQLite. Run with `cargo run --example quickstart`.

use setql::prelude::*; // the set types, and sea-query's Expr, ExprTrait and Order
use sqlx::sqlite::SqlitePoolOptions;

#[derive(Debug, sqlx::FromRow)]
struct Item {
    id: i64,
    category: i64,
    owner_id: i64,
    status: Option<String>,
    score: i64,
}

#[tokio::main]
async fn main() -> Result<(), setql::Error> {
    // One connection: an in-memory database lives as long as its connection.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await?;
    sqlx::raw_sql(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, category INTEGER, owner_id INTEGER,
                             status TEXT, score INTEGER);
         INSERT INTO items VALUES (1, 3, 7, 'open', 50), (2, 3, 42, 'closed', 90),
             (3, 5, 42, 'open', 70), (4, 3, 8, 'open', 95), (5, 6, 9, 'open', 10),
             (6, 5, 42, 'archived', 30), (7, 3, 42, NULL, 60);",
    )
    .execute(&pool)
    .await?;

    let items = || QuerySet::table("items").primary_key("id");
    let in_category = items().filter(Expr::col("category").eq(3));
    let owned = items().filter(Expr::col("owner_id").eq(42));

    // "Category 3 or owner 42", then filtered and ordered after combining: counted whole,
    // then sliced.
    let open = (in_category.clone() | owned.clone())
        .filter(Expr::col("status").eq("open"))
        .order_by("score", Order::Desc);
    println!("open in either: {}", open.count(&pool).await?);
    show("open, best two", &open.limit(2), &pool).await?;

    // Both, then everything except the closed ones (rows with no status are kept).
    let both = (in_category.clone() & owned.clone()).exclude(Expr::col("status").eq("closed"));
    show("both, not closed", &both, &pool).await?;

    // Nesting mixes operators safely on every engine.
    let nested = (in_category | owned) - items().filter(Expr::col("score").lt(40));
    show("either, minus low scores", &nested, &pool).await?;
    println!("count: {}", nested.count(&pool).await?);
    Ok(())
}

async fn show(
    label: &str,
    set: &(impl QueryChain + Sync),
    pool: &sqlx::SqlitePool,
) -> Result<(), setql::Error> {
    println!("== {label}");
    for dialect in Dialect::ALL {
        println!("{dialect:>8}: {}", set.to_sql(dialect)?);
    }
    let rows: Vec<Item> = set.fetch_all(pool).await?;
    for item in rows {
        println!(
            "  #{} category={} owner={} status={:?} score={}",
            item.id, item.category, item.owner_id, item.status, item.score
        );
    }
    Ok(())
}
