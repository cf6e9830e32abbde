use setql::prelude::*;
fn leaf(n: i64) -> QuerySet {
    QuerySet::table("t")
        .primary_key("id")
        .filter(Expr::col("n").eq(n))
}
fn deep(depth: i64, keep: bool) -> DelayedUnion {
    let mut set = DelayedUnion::new([leaf(0)]);
    for level in 1..=depth {
        let next = leaf(level);
        set = match level % 3 {
            0 => DelayedUnion::new([set.intersection(next).filter(Expr::col("m").gt(level))]),
            1 => DelayedUnion::new([set.difference(next)]),
            _ => set.union(next),
        };
        if keep {
            set = set.keep_branches();
        }
    }
    set
}
fn main() {
    let keep = std::env::args().nth(1).as_deref() == Some("keep");
    let depth: i64 = std::env::args()
        .nth(2)
        .and_then(|d| d.parse().ok())
        .unwrap_or(128);
    let t = std::time::Instant::now();
    let set = deep(depth, keep);
    let built = t.elapsed();
    let sql = set.build(Dialect::Postgres).unwrap().0;
    eprintln!(
        "build {:?} total {:?} sql {}",
        built,
        t.elapsed(),
        sql.len()
    );
}
