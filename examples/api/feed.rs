//! The activity feed as query sets. Posts and comments, two tables with different columns,
//! are projected onto one shape and combined; each request then narrows the combination,
//! the way a filter backend narrows a view's query set, and setql pushes every condition
//! into both branches, renamed to each branch's own columns.

use serde::{Deserialize, Serialize};
use setql::prelude::*;
use setql::sea_query::{Func, LikeExpr};
use setql::sqlx;

use crate::seed::Tables;

/// One feed item, a post or a comment, as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub(crate) struct Item {
    /// The post's or the comment's id; `(kind, id)` identifies an item.
    pub(crate) id: i64,
    /// `post` or `comment`.
    pub(crate) kind: String,
    /// Who wrote it.
    pub(crate) author: String,
    /// When, in Unix seconds.
    pub(crate) created_at: i64,
    /// A post's title, or a comment's text.
    pub(crate) title: String,
}

/// The output every branch is projected onto, in this order.
const OUTPUT: [&str; 5] = ["id", "kind", "author", "created_at", "title"];

/// What an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Post,
    Comment,
}

impl Kind {
    /// The value of the `kind` column.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Post => "post",
            Kind::Comment => "comment",
        }
    }
}

/// The order of the feed, by `created_at`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Sort {
    #[default]
    NewestFirst,
    OldestFirst,
}

impl Sort {
    /// Orders `items` by creation time; ties are broken by the feed's key, `(kind, id)`.
    pub(crate) fn apply<Q: QueryChain>(self, items: Q) -> Q {
        let order = match self {
            Sort::NewestFirst => Order::Desc,
            Sort::OldestFirst => Order::Asc,
        };
        items.order_by("created_at", order)
    }
}

/// What a request narrows the feed to. Every condition is optional.
#[derive(Debug, Clone, Default)]
pub(crate) struct FeedFilter {
    /// Items by this author.
    pub(crate) author: Option<String>,
    /// Items of this kind.
    pub(crate) kind: Option<Kind>,
    /// Items created at or after this time (Unix seconds).
    pub(crate) since: Option<i64>,
    /// Items whose title contains this text, ignoring ASCII case.
    pub(crate) text: Option<String>,
    /// Items by anyone but this author.
    pub(crate) exclude_author: Option<String>,
}

impl FeedFilter {
    /// Whether no condition was given.
    pub(crate) fn is_empty(&self) -> bool {
        self.author.is_none()
            && self.kind.is_none()
            && self.since.is_none()
            && self.text.is_none()
            && self.exclude_author.is_none()
    }

    /// Narrows `items` after they were combined; works on any set with the feed's columns.
    pub(crate) fn apply<Q: QueryChain>(&self, mut items: Q) -> Q {
        if let Some(author) = &self.author {
            items = items.filter(Expr::col("author").eq(author.as_str()));
        }
        if let Some(kind) = self.kind {
            items = items.filter(Expr::col("kind").eq(kind.as_str()));
        }
        if let Some(since) = self.since {
            items = items.filter(Expr::col("created_at").gte(since));
        }
        if let Some(text) = &self.text {
            items = items.filter(contains("title", text));
        }
        if let Some(author) = &self.exclude_author {
            items = items.exclude(Expr::col("author").eq(author.as_str()));
        }
        items
    }
}

/// Escapes LIKE's wildcards in user text. Not a backslash: MySQL reads that inside string
/// literals too, so each engine would need its own.
const ESCAPE: char = '!';

/// `LOWER(column) LIKE '%text%'`, matching `%` and `_` in `text` literally.
fn contains(column: &'static str, text: &str) -> Expr {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | ESCAPE) {
            pattern.push(ESCAPE);
        }
        pattern.push(c);
    }
    pattern.push('%');
    Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern).escape(ESCAPE))
}

/// One author's number of items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub(crate) struct AuthorCount {
    pub(crate) author: String,
    pub(crate) items: i64,
}

/// The feed's query sets, built once at start; each request clones the one it narrows.
#[derive(Debug, Clone)]
pub(crate) struct Feed {
    /// Posts as feed items.
    posts: QuerySet,
    /// The comments table as it is.
    comments: QuerySet,
    /// Posts and comments as feed items: the set every feed request starts from.
    items: DelayedUnion,
    posts_table: String,
}

impl Feed {
    /// The feed over `tables`. Nothing runs until a set is executed.
    pub(crate) fn new(tables: &Tables) -> Feed {
        let posts = QuerySet::table(tables.posts.clone())
            .primary_key("id")
            .column_as(Expr::val(Kind::Post.as_str()), "kind")
            .column_as(Expr::col("published_at"), "created_at")
            .columns(OUTPUT);
        let comments = QuerySet::table(tables.comments.clone()).primary_key("id");
        let comment_items = comments
            .clone()
            .column_as(Expr::val(Kind::Comment.as_str()), "kind")
            .column_as(Expr::col("commenter"), "author")
            .column_as(Expr::col("body"), "title")
            .columns(OUTPUT);
        // ALL: a post and a comment never make the same row, as their kinds differ, so there
        // are no duplicates for the engine to look for. `(kind, id)` identifies an item,
        // which pages and cursors break ties with.
        let items = posts
            .clone()
            .union_all(comment_items)
            .unique_key(["kind", "id"]);
        Feed {
            posts,
            comments,
            items,
            posts_table: tables.posts.clone(),
        }
    }

    /// Posts as feed items.
    pub(crate) fn posts(&self) -> QuerySet {
        self.posts.clone()
    }

    /// The posts table: what saved sets hold.
    pub(crate) fn posts_table(&self) -> String {
        self.posts_table.clone()
    }

    /// Every item.
    pub(crate) fn items(&self) -> DelayedUnion {
        self.items.clone()
    }

    /// Items per author, most items first: a grouping over the (narrowed) union.
    pub(crate) fn per_author<Q: QueryChain>(items: Q) -> QuerySet {
        items
            .group_by(["author"])
            .aggregate([Aggregate::count("items")])
            .order_by("items", Order::Desc)
            .order_by("author", Order::Asc)
    }

    /// The posts that both `a` and `b` commented on, newest first: the intersection of the
    /// post ids each commented on, nested in the query of posts as `id IN (…)`.
    pub(crate) fn mutual(&self, a: &str, b: &str) -> QuerySet {
        let commented_by = |author: &str| {
            self.comments
                .clone()
                .filter(Expr::col("commenter").eq(author))
                .columns(["post_id"])
        };
        let both = commented_by(a) & commented_by(b);
        Sort::NewestFirst.apply(self.posts.clone().filter_in("id", &both))
    }
}
