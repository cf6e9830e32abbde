//! Set-valued columns: tags kept as comma-separated text, read as a `CommaSet`, looked up with
//! `set_contains` and `set_len`, and changed in the database with `set_add` and `set_remove`.
//! Run with `cargo run --example set_fields`.

use setql::prelude::*;
use setql::{CommaSet, set_add, set_contains, set_len, set_remove};
use sqlx::sqlite::SqlitePoolOptions;

#[derive(Debug, sqlx::FromRow)]
struct Post {
    id: i64,
    tags: Option<CommaSet<String, 8, 64>>, // at most 8 tags, 64 characters of text
}

#[tokio::main]
async fn main() -> Result<(), setql::Error> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await?;
    sqlx::raw_sql(
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, tags VARCHAR(64));
         INSERT INTO posts VALUES (1, 'rust,sql'), (2, 'go'), (3, ''), (4, NULL), (5, 'Rust');",
    )
    .execute(&pool)
    .await?;
    // A set is bound like any value, and checked first: no member may hold a comma.
    let tags: CommaSet<String, 8, 64> = ["async".to_owned(), "rust".to_owned()].into();
    sqlx::query("INSERT INTO posts VALUES (6, ?)")
        .bind(&tags)
        .execute(&pool)
        .await?;
    let bad: CommaSet<String, 8, 64> = ["a,b".to_owned()].into();
    assert!(matches!(
        bad.to_text(),
        Err(setql::Error::SetMemberComma { .. })
    ));

    let posts = || QuerySet::table("posts").primary_key("id");
    // Whole members, exact bytes: `rust` is not `Rust`.
    let rust = posts().filter(set_contains("tags", "rust"));
    println!("{}", rust.to_sql(Dialect::MySql)?);
    let found: Vec<Post> = rust.order_by("id", Order::Asc).fetch_all(&pool).await?;
    assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), [1, 6]);

    // `exclude` keeps the NULL row; `set_len` is 0 for '' and NULL for NULL.
    let others = posts().exclude(set_contains("tags", "rust"));
    assert_eq!(others.count(&pool).await?, 4);
    assert_eq!(posts().filter(set_len("tags").eq(0)).count(&pool).await?, 1);

    // Computed in the database, through a combined set: add `web` to posts 2 and 4 (NULL
    // becomes the one-member set), then remove `go`.
    let picked = posts().filter(Expr::col("id").eq(2)) | posts().filter(Expr::col("id").eq(4));
    picked
        .update(&pool, [("tags", set_add("tags", "web"))])
        .await?;
    picked
        .update(&pool, [("tags", set_remove("tags", "go"))])
        .await?;

    for post in posts()
        .order_by("id", Order::Asc)
        .fetch_all::<_, Post>(&pool)
        .await?
    {
        let tags = post
            .tags
            .map(|t| t.into_iter().collect::<Vec<_>>().join(" "));
        println!("post {}: {}", post.id, tags.as_deref().unwrap_or("NULL"));
    }
    let two: Post = posts().filter(Expr::col("id").eq(2)).get(&pool).await?;
    assert_eq!(two.tags, Some(["web".to_owned()].into()));
    Ok(())
}
