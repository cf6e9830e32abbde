//! Reading a set on the first day: `page()` inside a transaction and on any connection, one
//! column as `Vec<T>`, `get()` reading at most 21 rows, and pages as JSON.

mod common;

use common::*;
use sea_query::{Expr, ExprTrait, Order};
use setql::Error;
use setql::prelude::*;

type Row = (i32, i32, i32);

/// `(id BIGINT PRIMARY KEY, n BIGINT NOT NULL)` holding ids 1..=`rows` and `n = 10 * id`.
async fn bigints<DB>(pool: &sqlx::Pool<DB>, rows: i64) -> String
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let t = unique("bigints");
    exec(
        pool,
        format!("CREATE TABLE {t} (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)"),
    )
    .await;
    let values: Vec<String> = (1..=rows)
        .map(|id| format!("({id}, {})", id * 10))
        .collect();
    exec(
        pool,
        format!("INSERT INTO {t} VALUES {}", values.join(", ")),
    )
    .await;
    t
}

engines!(page_runs_inside_a_transaction, |pool, engine| {
    let t = numbers(pool).await;
    let set = (QuerySet::table(t.clone()).filter(Expr::col("num").lt(3))
        | QuerySet::table(t.clone()).filter(Expr::col("num").gte(100)))
    .order_by("num", Order::Asc);
    let mut tx = pool.begin().await.unwrap();
    let insert =
        format!("INSERT INTO {t} (id, num, other_num) VALUES (101, 100, 0), (102, 101, 0)");
    sqlx::query(sqlx::AssertSqlSafe(insert))
        .persistent(false)
        .execute(&mut *tx)
        .await
        .unwrap();
    // `&mut Transaction`, and the connection inside it, both see the uncommitted rows.
    let page: Page<Row> = set.page(2, 3, &mut tx).await.unwrap();
    assert_eq!(
        (page.total, page.num_pages, page.items.clone()),
        (5, 2, vec![(101, 100, 0), (102, 101, 0)]),
        "{engine:?}"
    );
    let page: Page<Row> = set.page(1, 3, &mut *tx).await.unwrap();
    assert_eq!(page.items, [(1, 0, 10), (2, 1, 9), (3, 2, 8)], "{engine:?}");
    tx.rollback().await.unwrap();
    // Outside, on a pool and on a pool connection, they are gone.
    let page: Page<Row> = set.page(1, 3, pool).await.unwrap();
    assert_eq!((page.total, page.num_pages), (3, 1), "{engine:?}");
    let mut conn = pool.acquire().await.unwrap();
    let page: Page<Row> = set.page(1, 2, &mut conn).await.unwrap();
    assert_eq!((page.total, page.items.len()), (3, 2), "{engine:?}");
    let err = set.page::<_, Row>(3, 2, &mut conn).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidPage {
                num_pages: Some(2),
                ..
            }
        ),
        "{engine:?}: {err:?}"
    );
});

engines!(one_column_reads_as_a_vec, |pool, engine| {
    let t = bigints(pool, 5).await;
    let set = QuerySet::table(t.clone())
        .columns(["n"])
        .order_by("n", Order::Desc);
    let values: Vec<i64> = set.fetch_scalars(pool).await.unwrap();
    assert_eq!(values, [50, 40, 30, 20, 10], "{engine:?}");
    // A combination, filtered after combining.
    let union = (QuerySet::table(t.clone())
        .columns(["id"])
        .filter(Expr::col("id").lt(3))
        | QuerySet::table(t.clone())
            .columns(["id"])
            .filter(Expr::col("id").gt(3)))
    .filter(Expr::col("id").ne(5))
    .order_by("id", Order::Asc);
    let ids: Vec<i64> = union.fetch_scalars(pool).await.unwrap();
    assert_eq!(ids, [1, 2, 4], "{engine:?}");
    let first: i64 = union.fetch_scalar(pool).await.unwrap();
    assert_eq!(first, 1, "{engine:?}");
    let none: Option<i64> = union
        .clone()
        .filter(Expr::col("id").gt(100))
        .fetch_optional_scalar(pool)
        .await
        .unwrap();
    assert_eq!(none, None, "{engine:?}");
    let err = union
        .clone()
        .filter(Expr::col("id").gt(100))
        .fetch_scalar::<_, i64>(pool)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound), "{engine:?}: {err:?}");
    // A computed column: the engine's integer type of `n + id` reads as i64 everywhere.
    let sums: Vec<i64> = QuerySet::table(t.clone())
        .column_as(Expr::col("n").add(Expr::col("id")), "total")
        .columns(["total"])
        .order_by("total", Order::Asc)
        .fetch_scalars(pool)
        .await
        .unwrap();
    assert_eq!(sums, [11, 22, 33, 44, 55], "{engine:?}");
});

engines!(
    more_than_one_column_is_refused_before_sending,
    |pool, engine| {
        let t = bigints(pool, 2).await;
        // A whole table's columns are known only from the rows: refused when they come back.
        let err = QuerySet::table(t.clone())
            .fetch_scalars::<_, i64>(pool)
            .await
            .unwrap_err();
        match &err {
            Error::NotOneColumn { output } => assert_eq!(output, &["id", "n"], "{engine:?}"),
            other => panic!("{engine:?}: {other:?}"),
        }
        let err = QuerySet::table(t.clone())
            .fetch_optional_scalar::<_, i64>(pool)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::NotOneColumn { .. }),
            "{engine:?}: {err:?}"
        );
        let closed = pool.clone();
        closed.close().await;
        let two = QuerySet::table(t.clone()).columns(["id", "n"]);
        let err = two.fetch_scalars::<_, i64>(&closed).await.unwrap_err();
        match &err {
            Error::NotOneColumn { output } => assert_eq!(output, &["id", "n"], "{engine:?}"),
            other => panic!("{engine:?}: {other:?}"),
        }
        assert_eq!(
            err.to_string(),
            "reading one column needs a set with one output column; the output is (id, n)"
        );
        // Every column of the table and one more: at least two.
        let widened = QuerySet::table(t.clone()).column_as(Expr::col("n").mul(2), "double");
        let err = widened.fetch_scalar::<_, i64>(&closed).await.unwrap_err();
        match &err {
            Error::NotOneColumn { output } => {
                assert_eq!(
                    output,
                    &[format!("{t}.*"), "double".to_owned()],
                    "{engine:?}"
                );
            }
            other => panic!("{engine:?}: {other:?}"),
        }
        let err = (two.clone() | two)
            .fetch_optional_scalar::<_, i64>(&closed)
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::NotOneColumn { .. }),
            "{engine:?}: {err:?}"
        );
    }
);

engines!(get_reads_at_most_21_rows, |pool, engine| {
    let t = bigints(pool, 30).await;
    let all = QuerySet::table(t.clone());
    let err = all.get::<_, (i64, i64)>(pool).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::MultipleRows {
                count: 20,
                exact: false
            }
        ),
        "{engine:?}: {err:?}"
    );
    assert_eq!(
        err.to_string(),
        "expected exactly one row, found more than 20"
    );
    // 21 rows are already more than 20.
    let err = all
        .clone()
        .filter(Expr::col("id").lte(21))
        .get::<_, (i64, i64)>(pool)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::MultipleRows {
                count: 20,
                exact: false
            }
        ),
        "{engine:?}: {err:?}"
    );
    // 20 rows, and slices that leave fewer, are counted exactly.
    let err = all
        .clone()
        .filter(Expr::col("id").lte(20))
        .get::<_, (i64, i64)>(pool)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::MultipleRows {
                count: 20,
                exact: true
            }
        ),
        "{engine:?}: {err:?}"
    );
    assert_eq!(err.to_string(), "expected exactly one row, found 20");
    let ordered = all.clone().order_by("id", Order::Asc);
    let err = ordered
        .clone()
        .offset(26)
        .get::<_, (i64, i64)>(pool)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::MultipleRows {
                count: 4,
                exact: true
            }
        ),
        "{engine:?}: {err:?}"
    );
    let union = all
        .clone()
        .union_all(all.clone())
        .order_by("id", Order::Asc);
    let err = union.limit(3).get::<_, (i64, i64)>(pool).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::MultipleRows {
                count: 3,
                exact: true
            }
        ),
        "{engine:?}: {err:?}"
    );
    let one: (i64, i64) = ordered.offset(29).get(pool).await.unwrap();
    assert_eq!(one, (30, 300), "{engine:?}");
});

#[derive(Debug, sqlx::FromRow, serde::Serialize)]
struct Item {
    id: i64,
    n: i64,
}

engines!(pages_serialize_as_json, |pool, engine| {
    let t = bigints(pool, 5).await;
    let set = QuerySet::table(t.clone())
        .primary_key("id")
        .order_by("n", Order::Desc);
    let page: Page<Item> = set.page(2, 2, pool).await.unwrap();
    assert_eq!(
        serde_json::to_string(&page).unwrap(),
        r#"{"items":[{"id":3,"n":30},{"id":2,"n":20}],"number":2,"per_page":2,"total":5,"num_pages":3}"#,
        "{engine:?}"
    );
    let first: KeysetPage<Item> = set.page_after(None, 2, pool).await.unwrap();
    let json = serde_json::to_value(&first).unwrap();
    assert_eq!(
        json["items"],
        serde_json::json!([{"id": 5, "n": 50}, {"id": 4, "n": 40}]),
        "{engine:?}"
    );
    assert_eq!(json["previous"], serde_json::Value::Null);
    // `next` is the cursor's token, which reads back as the cursor.
    let token = json["next"].as_str().unwrap();
    assert_eq!(Some(Cursor::decode(token).unwrap()), first.next);
    let second: KeysetPage<Item> = set
        .page_after(Some(&Cursor::decode(token).unwrap()), 2, pool)
        .await
        .unwrap();
    let json = serde_json::to_value(&second).unwrap();
    assert_eq!(
        json["items"],
        serde_json::json!([{"id": 3, "n": 30}, {"id": 2, "n": 20}]),
        "{engine:?}"
    );
    assert_eq!(
        json["previous"].as_str(),
        second.previous.as_ref().map(Cursor::encode).as_deref()
    );
});
