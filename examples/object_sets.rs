//! Stored sets on embedded SQLite: save two cohorts from queries, combine them in the
//! database, edit one by hand, and use it inside a delayed union with a later filter.
//! Run with `cargo run --example object_sets`.

use setql::object_set::ObjectSetStore;
use setql::prelude::*;
use sqlx::sqlite::SqlitePoolOptions;

#[tokio::main]
async fn main() -> Result<(), setql::Error> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await?;
    sqlx::raw_sql(
        "CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT, age INTEGER, ward TEXT);
         INSERT INTO patients VALUES (1, 'Ada', 71, 'north'), (2, 'Ben', 45, 'south'),
             (3, 'Cy', 66, 'north'), (4, 'Dee', 30, 'east'), (5, 'Eve', 82, 'south'),
             (6, 'Fox', 59, 'north'), (7, 'Gus', 64, 'east');",
    )
    .execute(&pool)
    .await?;

    let store = ObjectSetStore::new();
    store.install(&pool).await?;
    let patients = store.kind("patients", "id");
    let table = || QuerySet::table("patients").primary_key("id");

    // Two cohorts, each written by one INSERT ... SELECT inside the database.
    let older = patients
        .create(&pool, "over 60", table().filter(Expr::col("age").gt(60)))
        .await?;
    let mut north = patients
        .create(
            &pool,
            "north ward",
            table().filter(Expr::col("ward").eq("north")),
        )
        .await?;
    println!(
        "over 60: {} patients, north ward: {}",
        older.count(),
        north.count()
    );

    // Set algebra, lazy until counted or saved.
    let both = &older & &north;
    println!("over 60 in the north ward: {}", both.count(&pool).await?);
    let either = (&older | &north).save_as(&pool, "over 60 or north").await?;
    println!("saved '{}' with {} members", either.name(), either.count());

    // Edits return how many members changed; the stored count stays exact.
    let added = north.add_many(&pool, [2, 4, 4]).await?;
    let removed = north.remove(&pool, 6).await?;
    println!(
        "north ward edited: +{added} -{removed}, now {}",
        north.count()
    );

    // A stored set is an ordinary query set: in a delayed union, filtered after combining.
    let recent = table().filter(Expr::col("id").gt(6));
    let round: Vec<(i64, String)> = north
        .members()
        .union(recent)
        .exclude(Expr::col("age").lt(40))
        .order_by("name", Order::Asc)
        .columns(["id", "name"])
        .fetch_all(&pool)
        .await?;
    println!("ward round: {round:?}");
    assert_eq!(
        round,
        [
            (1, "Ada".into()),
            (2, "Ben".into()),
            (3, "Cy".into()),
            (7, "Gus".into())
        ]
    );

    // And a filter on any other query.
    let elsewhere = table().exclude_in("id", &north.ids()).count(&pool).await?;
    println!("patients outside the north-ward set: {elsewhere}");
    Ok(())
}
