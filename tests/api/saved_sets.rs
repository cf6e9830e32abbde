//! The saved-set endpoints on every engine: sets made from a feed filter or ids, operations
//! applied in order inside the database, paged items, another caller's 404, and the 400s.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::engines;
use crate::seed::POSTS;
use crate::{Service, db};

/// The ids of `answer["items"]`, in order.
fn ids(answer: &Value) -> Vec<i64> {
    answer["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_i64().expect("an id"))
        .collect()
}

engines!(saved_sets_are_made_combined_and_read, |pool, engine| {
    let service = Service::start(db::Pool::from(pool.clone())).await;
    let ana = Some("ana");
    // From the feed narrowed after combining: ana's posts (1 and 4), not her comments.
    let (status, mine) = service
        .send(
            Method::POST,
            "/sets?author=ana",
            ana,
            Some(json!({ "name": "mine" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{engine:?}: {mine}");
    let ana_posts = POSTS.iter().filter(|post| post.author == "ana").count();
    assert_eq!(mine["count"], json!(ana_posts));
    let mine_id = mine["id"].as_i64().unwrap();
    // From ids, then operations in order: {2, 3, 5} ∪ mine = {1..5}, minus {2} -> {1, 3, 4, 5},
    // ^ {5, 6} -> {1, 3, 4, 6}.
    let body = json!({
        "name": "picked",
        "ids": [2, 3, 5, 5],
        "operations": [
            { "op": "or", "set": mine_id },
            { "op": "sub", "set": [2] },
            { "op": "xor", "set": [5, 6] },
        ],
    });
    let (status, picked) = service.send(Method::POST, "/sets", ana, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{engine:?}: {picked}");
    assert_eq!(picked["count"], json!(4));
    let picked_id = picked["id"].as_i64().unwrap();
    // Its items: the feed's posts in the set, newest first, in pages that neither overlap
    // nor skip.
    let path = |page: u64| format!("/sets/{picked_id}/items?per_page=3&page={page}");
    let (status, first) = service.send(Method::GET, &path(1), ana, None).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (_, second) = service.send(Method::GET, &path(2), ana, None).await;
    assert_eq!(
        (first["total"].clone(), first["num_pages"].clone()),
        (json!(4), json!(2))
    );
    assert_eq!(
        [ids(&first), ids(&second)].concat(),
        [6, 4, 3, 1],
        "{engine:?}"
    );
    // PUT applies operations: {1, 3, 4, 6} & {1, 4} -> {1, 4}.
    let (status, info) = service
        .send(
            Method::PUT,
            &format!("/sets/{picked_id}"),
            ana,
            Some(json!({ "operations": [{ "op": "and", "set": [1, 4] }] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{info}");
    assert_eq!(info["count"], json!(2));
    let (_, read) = service
        .send(Method::GET, &format!("/sets/{picked_id}"), ana, None)
        .await;
    assert_eq!(
        (read["name"].clone(), read["count"].clone()),
        (json!("picked"), json!(2))
    );
    // DELETE, then it is gone.
    let (status, _) = service
        .send(Method::DELETE, &format!("/sets/{picked_id}"), ana, None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = service
        .send(Method::GET, &format!("/sets/{picked_id}"), ana, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
});

engines!(another_callers_set_is_not_found, |pool, engine| {
    let service = Service::start(db::Pool::from(pool.clone())).await;
    let (_, anas) = service
        .send(
            Method::POST,
            "/sets",
            Some("ana"),
            Some(json!({ "name": "s", "ids": [1, 2] })),
        )
        .await;
    let id = anas["id"].as_i64().unwrap();
    let ben = Some("ben");
    let path = format!("/sets/{id}");
    let operations = json!({ "operations": [{ "op": "or", "set": [3] }] });
    for (method, path, body) in [
        (Method::GET, path.clone(), None),
        (Method::GET, format!("{path}/items"), None),
        (Method::PUT, path.clone(), Some(operations)),
        (Method::DELETE, path.clone(), None),
    ] {
        let (status, answer) = service.send(method.clone(), &path, ben, body).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{engine:?} {method} {path}: {answer}"
        );
        assert_eq!(answer["error"]["code"], "not_found");
    }
    // Ana's set as the operand of ben's own set.
    let body = json!({ "name": "b", "ids": [3], "operations": [{ "op": "or", "set": id }] });
    let (status, _) = service.send(Method::POST, "/sets", ben, Some(body)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{engine:?}");
    // Ana's set is as it was; ben's refused set was never saved (the name is free).
    let (_, read) = service.send(Method::GET, &path, Some("ana"), None).await;
    assert_eq!(read["count"], json!(2));
    let (status, _) = service
        .send(
            Method::POST,
            "/sets",
            ben,
            Some(json!({ "name": "b", "ids": [3] })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{engine:?}");
});

engines!(
    bad_saved_set_requests_are_400s_that_name_them,
    |pool, engine| {
        let service = Service::start(db::Pool::from(pool.clone())).await;
        let ana = Some("ana");
        let post = |path: &'static str, caller, body: Value| {
            let service = &service;
            async move { service.send(Method::POST, path, caller, Some(body)).await }
        };
        let cases: [(&str, Option<&str>, Value, &str); 7] = [
            (
                "/sets",
                None,
                json!({ "name": "x", "ids": [1] }),
                "x-caller",
            ),
            ("/sets", ana, json!({ "ids": [1] }), "body"),
            (
                "/sets",
                ana,
                json!({ "name": "x", "ids": [1], "operations": [{ "op": "nand", "set": [1] }] }),
                "body",
            ),
            (
                "/sets?author=ana",
                ana,
                json!({ "name": "x", "ids": [1] }),
                "ids",
            ),
            (
                "/sets",
                ana,
                json!({ "name": "x", "ids": [1, 998, 999] }),
                "ids",
            ),
            ("/sets", ana, json!({ "name": "", "ids": [1] }), "name"),
            ("/sets?colour=red", ana, json!({ "name": "x" }), "colour"),
        ];
        for (path, caller, body, parameter) in cases {
            let (status, answer) = post(path, caller, body.clone()).await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{engine:?} {path} {body}: {answer}"
            );
            assert_eq!(
                answer["error"]["parameter"], parameter,
                "{path} {body}: {answer}"
            );
        }
        // A name the caller already uses is a conflict; nothing was saved by the refusals.
        let (status, _) = post("/sets", ana, json!({ "name": "x", "ids": [1] })).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, answer) = post("/sets", ana, json!({ "name": "x", "ids": [2] })).await;
        assert_eq!(status, StatusCode::CONFLICT, "{engine:?}: {answer}");
    }
);
