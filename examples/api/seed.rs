//! The two tables the feed reads, and a small, fixed activity history to fill them with.

use setql::sea_query::{ColumnDef, ForeignKey, Index, Query, Table};
use setql::sqlx;

use crate::db::{Pool, with_pool};

/// The names of the feed's tables. A prefix keeps copies apart, e.g. tests that run in
/// parallel against one server.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    /// `posts (id, author, title, published_at)`.
    pub(crate) posts: String,
    /// `comments (id, post_id, commenter, body, created_at)`.
    pub(crate) comments: String,
    /// The saved sets' store: `{sets_prefix}object_sets` and `{sets_prefix}object_set_members`.
    pub(crate) sets_prefix: String,
}

impl Tables {
    /// `{prefix}posts` and `{prefix}comments`.
    pub(crate) fn with_prefix(prefix: &str) -> Tables {
        Tables {
            posts: format!("{prefix}posts"),
            comments: format!("{prefix}comments"),
            sets_prefix: prefix.to_owned(),
        }
    }
}

/// A post; times are Unix seconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Post<'a> {
    pub(crate) id: i64,
    pub(crate) author: &'a str,
    pub(crate) title: &'a str,
    pub(crate) published_at: i64,
}

/// A comment on a post.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Comment<'a> {
    pub(crate) id: i64,
    pub(crate) post_id: i64,
    pub(crate) commenter: &'a str,
    pub(crate) body: &'a str,
    pub(crate) created_at: i64,
}

/// When the history starts: 2024-04-24 23:06:40 UTC.
pub(crate) const START: i64 = 1_714_000_000;
pub(crate) const HOUR: i64 = 3_600;

/// The posts [`fill`] adds.
pub(crate) const POSTS: [Post<'static>; 6] = [
    post(1, "ana", "Shipping setql 0.1", 0),
    post(2, "ben", "Notes on keyset pagination", HOUR),
    post(3, "cleo", "Why UNION needs parentheses on SQLite", 2 * HOUR),
    post(4, "ana", "Counting unions without counting twice", 3 * HOUR),
    post(5, "dev", "A week with MariaDB 10.11", 4 * HOUR),
    post(6, "ben", "Tracing queries without leaking values", 5 * HOUR),
];

/// The comments [`fill`] adds. Comments 6 and 12 share their second with a post, so
/// ordering by time alone has ties.
pub(crate) const COMMENTS: [Comment<'static>; 13] = [
    comment(1, 1, "ben", "Congrats on the release!", 600),
    comment(2, 1, "cleo", "Does it support MariaDB?", 1_200),
    comment(3, 1, "dev", "It does, from 10.5 on.", 1_800),
    comment(
        4,
        2,
        "ana",
        "Cursors beat offsets for deep pages.",
        HOUR + 600,
    ),
    comment(
        5,
        2,
        "cleo",
        "What about ties in the ordering?",
        HOUR + 1_200,
    ),
    comment(6, 3, "ana", "Derived tables to the rescue.", 2 * HOUR),
    comment(
        7,
        3,
        "ben",
        "Precedence bit me last year.",
        2 * HOUR + 1_800,
    ),
    comment(8, 4, "ben", "Key unions are a neat trick.", 3 * HOUR + 600),
    comment(
        9,
        4,
        "dev",
        "The OR plan on MySQL is the reason.",
        3 * HOUR + 1_200,
    ),
    comment(10, 5, "ana", "Which collation did you use?", 4 * HOUR + 600),
    comment(11, 5, "ben", "Same question as ana.", 4 * HOUR + 1_200),
    comment(12, 6, "cleo", "Placeholders only, good.", 5 * HOUR),
    comment(
        13,
        6,
        "ana",
        "One span per execution is a nice rule.",
        5 * HOUR + 1_800,
    ),
];

const fn post(id: i64, author: &'static str, title: &'static str, at: i64) -> Post<'static> {
    Post {
        id,
        author,
        title,
        published_at: START + at,
    }
}

const fn comment(
    id: i64,
    post_id: i64,
    commenter: &'static str,
    body: &'static str,
    at: i64,
) -> Comment<'static> {
    Comment {
        id,
        post_id,
        commenter,
        body,
        created_at: START + at,
    }
}

/// Creates both tables, with the indexes the feed's filters and orderings use, replacing
/// any tables of the same names.
pub(crate) async fn create(pool: &Pool, tables: &Tables) -> sqlx::Result<()> {
    drop(pool, tables).await?;
    let posts = Table::create()
        .table(tables.posts.clone())
        .col(ColumnDef::new("id").big_integer().not_null().primary_key())
        .col(ColumnDef::new("author").string_len(40).not_null())
        .col(ColumnDef::new("title").string_len(200).not_null())
        .col(ColumnDef::new("published_at").big_integer().not_null())
        .to_owned();
    pool.run_schema(&posts).await?;
    let comments = Table::create()
        .table(tables.comments.clone())
        .col(ColumnDef::new("id").big_integer().not_null().primary_key())
        .col(ColumnDef::new("post_id").big_integer().not_null())
        .col(ColumnDef::new("commenter").string_len(40).not_null())
        .col(ColumnDef::new("body").string_len(500).not_null())
        .col(ColumnDef::new("created_at").big_integer().not_null())
        .foreign_key(
            ForeignKey::create()
                .from(tables.comments.clone(), "post_id")
                .to(tables.posts.clone(), "id"),
        )
        .to_owned();
    pool.run_schema(&comments).await?;
    let indexes = [
        ("published", &tables.posts, ["published_at", "id"]),
        ("created", &tables.comments, ["created_at", "id"]),
        ("commenter", &tables.comments, ["commenter", "post_id"]),
    ];
    for (name, table, [first, second]) in indexes {
        let index = Index::create()
            .name(format!("{table}_{name}"))
            .table(table.clone())
            .col(first)
            .col(second)
            .to_owned();
        pool.run_schema(&index).await?;
    }
    let store = crate::sets::store(&tables.sets_prefix);
    with_pool!(pool, |pool| store.install(pool).await).map_err(|error| match error {
        setql::Error::Query { driver, .. } | setql::Error::Sqlx(driver) => driver,
        other => sqlx::Error::Protocol(other.to_string()),
    })
}

/// Fills the tables with the fixed history: 6 posts by 4 authors and 13 comments.
pub(crate) async fn fill(pool: &Pool, tables: &Tables) -> setql::Result<()> {
    insert_posts(pool, tables, &POSTS).await?;
    insert_comments(pool, tables, &COMMENTS).await
}

/// Adds posts, their values bound.
pub(crate) async fn insert_posts(
    pool: &Pool,
    tables: &Tables,
    posts: &[Post<'_>],
) -> setql::Result<()> {
    if posts.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert();
    insert
        .into_table(tables.posts.clone())
        .columns(["id", "author", "title", "published_at"]);
    for post in posts {
        // Four columns, four values: the one way `values` fails cannot happen here.
        insert.values_panic([
            post.id.into(),
            post.author.into(),
            post.title.into(),
            post.published_at.into(),
        ]);
    }
    pool.execute(&insert).await.map(|_| ())
}

/// Adds comments, their values bound.
pub(crate) async fn insert_comments(
    pool: &Pool,
    tables: &Tables,
    comments: &[Comment<'_>],
) -> setql::Result<()> {
    if comments.is_empty() {
        return Ok(());
    }
    let mut insert = Query::insert();
    insert.into_table(tables.comments.clone()).columns([
        "id",
        "post_id",
        "commenter",
        "body",
        "created_at",
    ]);
    for comment in comments {
        // Five columns, five values.
        insert.values_panic([
            comment.id.into(),
            comment.post_id.into(),
            comment.commenter.into(),
            comment.body.into(),
            comment.created_at.into(),
        ]);
    }
    pool.execute(&insert).await.map(|_| ())
}

/// Drops the saved sets' tables and both feed tables, each before the tables it references.
pub(crate) async fn drop(pool: &Pool, tables: &Tables) -> sqlx::Result<()> {
    let store = crate::sets::store(&tables.sets_prefix);
    let (members, sets) = (
        store.members_table().to_owned(),
        store.sets_table().to_owned(),
    );
    for table in [&members, &sets, &tables.comments, &tables.posts] {
        let statement = Table::drop().table(table.clone()).if_exists().to_owned();
        pool.run_schema(&statement).await?;
    }
    Ok(())
}
