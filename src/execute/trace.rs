//! The one span every execution emits.
//!
//! Each call of an execution method emits exactly one `setql.execute` span, at DEBUG level,
//! whatever the method: a numbered page's two statements, a stream read row by row, and a
//! set that sends nothing all get one span each. Its fields:
//! - `method`: the method called (`fetch_all`, `count`, `page`, `update`, …);
//! - `dialect`: `sqlite`, `postgres` or `mysql`;
//! - `sql`: the statement sent, with a placeholder for every bound value and never the value
//!   itself, so nothing a user typed reaches the log; a numbered page's count and window
//!   joined by `; `; absent when nothing is sent;
//! - `plan`: the planner's decisions in short form (see `render::PlanNote`), written from the
//!   plan rendering makes anyway, and only when a subscriber reads the span;
//! - `rows`: the rows returned, counted (`count`, `exists`) or matched (`update`, `delete`),
//!   recorded once known: for a stream, when it ends or is dropped; absent after an error;
//! - `elapsed_us`: microseconds from the first poll, when the statement is about to be sent,
//!   to the result (for a stream, to its end).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use futures::Stream;
use tracing::field::Empty;
use tracing::{Instrument, Span};

use super::backend::Backend;
use super::on_server::Target;
use super::statement::{self, Ready};
use crate::Dialect;
use crate::error::Result;
use crate::query::node::Node;
use crate::render::PlanNote;

/// The plan field of a set that is empty by construction.
const NOTHING_SENT: &str = "empty set: nothing sent";

/// One execution's span, from the method call to its result.
pub(super) struct Trace {
    span: Span,
}

impl Trace {
    /// Opens the span of one call of `method` on `dialect`.
    pub(super) fn new(method: &'static str, dialect: Dialect) -> Trace {
        let span = tracing::debug_span!(
            "setql.execute",
            method,
            dialect = dialect.name(),
            sql = Empty,
            plan = Empty,
            rows = Empty,
            elapsed_us = Empty,
        );
        Trace { span }
    }

    /// A note for the planner's decisions, or `None` when no subscriber reads this span, so
    /// that describing the plan costs nothing then.
    pub(super) fn plan_note(&self) -> Option<PlanNote> {
        (!self.span.is_disabled()).then(PlanNote::default)
    }

    /// Renders `node` (counted, or as it is) and records its SQL and plan.
    pub(super) fn prepare<DB: Backend>(
        &self,
        target: &(impl Target + ?Sized),
        node: &Node,
        counted: bool,
    ) -> Result<Option<Ready>> {
        let mut plan = self.plan_note();
        let prepared =
            statement::prepare::<DB>(target, node, counted, plan.as_mut(), Some(self.recorder()));
        self.record_prepared(&prepared, plan);
        prepared
    }

    /// Renders the set for a one-column read and records its SQL and plan.
    pub(super) fn prepare_scalar<DB: Backend>(
        &self,
        target: &(impl Target + ?Sized),
    ) -> Result<Option<Ready>> {
        let mut plan = self.plan_note();
        let prepared =
            statement::prepare_scalar::<DB>(target, plan.as_mut(), Some(self.recorder()));
        self.record_prepared(&prepared, plan);
        prepared
    }

    /// Renders a numbered page's two statements, the count and the `window`, and records
    /// them as one: their SQL joined by `; `, and the window's plan.
    #[allow(clippy::type_complexity)]
    pub(super) fn prepare_page<DB: Backend>(
        &self,
        target: &(impl Target + ?Sized),
        window: &Node,
    ) -> (Result<Option<Ready>>, Result<Option<Ready>>) {
        let counted = statement::prepare::<DB>(target, target.node(), true, None, None);
        let mut plan = self.plan_note();
        let rows = statement::prepare::<DB>(target, window, false, plan.as_mut(), None);
        if let (Ok(Some(counted)), Ok(Some(rows))) = (&counted, &rows)
            && !self.span.is_disabled()
        {
            self.record_sql(&format!("{}; {}", counted.sql(), rows.sql()));
        }
        self.record_plan(&rows, plan);
        (counted, rows)
    }

    fn record_prepared(&self, prepared: &Result<Option<Ready>>, plan: Option<PlanNote>) {
        if let Ok(Some(prepared)) = prepared {
            self.record_sql(prepared.sql());
        }
        self.record_plan(prepared, plan);
    }

    fn record_plan<T>(&self, prepared: &Result<Option<T>>, plan: Option<PlanNote>) {
        // A misuse sends nothing and plans nothing: its error tells what happened.
        if let Ok(prepared) = prepared {
            self.record_plan_note(plan, prepared.is_some());
        }
    }

    /// A handle on the same span, to record the statement once it is rendered again.
    pub(super) fn recorder(&self) -> Trace {
        Trace {
            span: self.span.clone(),
        }
    }

    /// Records the statement sent, which carries placeholders, never values.
    pub(super) fn record_sql(&self, sql: &str) {
        self.span.record("sql", sql);
    }

    /// Records the planner's decisions for a statement that `sends` (or `NOTHING_SENT`).
    pub(super) fn record_plan_note(&self, plan: Option<PlanNote>, sends: bool) {
        if !sends {
            self.span.record("plan", NOTHING_SENT);
        } else if let Some(plan) = plan {
            self.span.record("plan", tracing::field::display(plan));
        }
    }

    /// Runs `work` inside the span, then records its rows (read from the result by `rows`)
    /// and how long it took.
    pub(super) async fn run<T>(
        self,
        work: impl Future<Output = Result<T>>,
        rows: impl FnOnce(&T) -> u64,
    ) -> Result<T> {
        let started = Instant::now();
        let result = work.instrument(self.span.clone()).await;
        self.finish(started, result.as_ref().ok().map(rows));
        result
    }

    /// Runs `rows` inside the span, counting its rows, and records the count and the time
    /// when the stream ends or is dropped.
    pub(super) fn stream<S>(self, rows: S) -> TracedStream<S> {
        TracedStream {
            rows,
            trace: Some(self),
            started: None,
            count: 0,
            failed: false,
        }
    }

    fn finish(&self, started: Instant, rows: Option<u64>) {
        if let Some(rows) = rows {
            self.span.record("rows", rows);
        }
        let elapsed = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.span.record("elapsed_us", elapsed);
    }
}

/// The number of rows in a `Vec`, as the span records it.
pub(super) fn count<T>(rows: &[T]) -> u64 {
    u64::try_from(rows.len()).unwrap_or(u64::MAX)
}

/// A stream of rows inside its execution's span, see [`Trace::stream`].
pub(super) struct TracedStream<S> {
    rows: S,
    /// Taken when the rows are recorded, so they are recorded once.
    trace: Option<Trace>,
    started: Option<Instant>,
    count: u64,
    failed: bool,
}

impl<S> TracedStream<S> {
    fn finish(&mut self) {
        if let Some(trace) = self.trace.take() {
            let rows = (!self.failed).then_some(self.count);
            trace.finish(self.started.unwrap_or_else(Instant::now), rows);
        }
    }
}

impl<S, R> Stream for TracedStream<S>
where
    S: Stream<Item = Result<R>> + Unpin,
{
    type Item = Result<R>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let Some(trace) = &this.trace else {
            return Pin::new(&mut this.rows).poll_next(cx);
        };
        this.started.get_or_insert_with(Instant::now);
        let polled = {
            let _inside = trace.span.enter();
            Pin::new(&mut this.rows).poll_next(cx)
        };
        match &polled {
            Poll::Ready(Some(Ok(_))) => this.count += 1,
            Poll::Ready(Some(Err(_))) => this.failed = true,
            Poll::Ready(None) => this.finish(),
            Poll::Pending => {}
        }
        polled
    }
}

impl<S> Drop for TracedStream<S> {
    fn drop(&mut self) {
        // A stream dropped before its end has returned the rows it counted.
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::filter::LevelFilter;
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::Trace;
    use crate::Dialect;

    #[test]
    fn the_plan_is_described_only_for_a_subscriber_that_reads_the_span() {
        let wants_plan = |level| {
            let subscriber = tracing_subscriber::registry().with(level);
            tracing::subscriber::with_default(subscriber, || {
                Trace::new("count", Dialect::Sqlite).plan_note().is_some()
            })
        };
        assert!(wants_plan(LevelFilter::DEBUG));
        assert!(!wants_plan(LevelFilter::INFO));
        assert!(Trace::new("count", Dialect::Sqlite).plan_note().is_none());
    }
}
