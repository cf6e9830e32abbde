//! A tracing layer that keeps every span and the fields recorded on it, so a test can read
//! what an execution recorded: its SQL, plan and rows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

/// One captured span: its name, level and fields as text.
#[derive(Debug, Clone)]
pub struct Captured {
    pub name: &'static str,
    pub level: Level,
    pub fields: HashMap<&'static str, String>,
}

impl Captured {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    pub fn rows(&self) -> Option<u64> {
        self.field("rows")
            .map(|rows| rows.parse().expect("rows is a number"))
    }
}

/// Keeps every span in creation order, with the fields recorded on it later.
#[derive(Clone, Default)]
pub struct Capture {
    spans: Arc<Mutex<Vec<(Id, Captured)>>>,
}

impl Capture {
    pub fn spans(&self) -> Vec<Captured> {
        let spans = self.spans.lock().unwrap_or_else(PoisonError::into_inner);
        spans.iter().map(|(_, span)| span.clone()).collect()
    }

    /// Calls `work` and awaits it, and returns the one span it emitted. (A span opens when
    /// the method is called, so the count starts before the call.)
    pub async fn one<F: Future>(&self, work: impl FnOnce() -> F) -> (F::Output, Captured) {
        let before = self.spans().len();
        let out = work().await;
        let spans = self.spans();
        assert_eq!(
            spans.len(),
            before + 1,
            "one span per execution: {spans:#?}"
        );
        (out, spans[before].clone())
    }
}

struct Fields<'a>(&'a mut HashMap<&'static str, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name(), format!("{value:?}"));
    }
}

impl<S: Subscriber> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = HashMap::new();
        attrs.record(&mut Fields(&mut fields));
        let span = Captured {
            name: attrs.metadata().name(),
            level: *attrs.metadata().level(),
            fields,
        };
        let mut spans = self.spans.lock().unwrap_or_else(PoisonError::into_inner);
        spans.push((id.clone(), span));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut spans = self.spans.lock().unwrap_or_else(PoisonError::into_inner);
        // Ids are reused after a span closes: the latest span with this id is the open one.
        if let Some((_, span)) = spans.iter_mut().rev().find(|(known, _)| known == id) {
            values.record(&mut Fields(&mut span.fields));
        }
    }
}
