//! Running a query set on a server whose capabilities were read or set explicitly.

use super::backend::{Backend, Executor, private::Sealed as _};
use super::trace::Trace;
use crate::dialect::Capabilities;
use crate::error::{Error, Result};
use crate::query::QueryChain;
use crate::query::node::Node;
use crate::render;

pub(crate) mod target {
    use crate::dialect::Capabilities;
    use crate::query::node::Node;

    /// What execution needs from a query set: its tree, and the server it renders for when
    /// that is not simply a current server of the executor's dialect.
    pub trait Target {
        fn node(&self) -> &Node;
        fn capabilities(&self) -> Option<&Capabilities>;
    }
}

pub(crate) use target::Target;

impl<Q: QueryChain> Target for Q {
    fn node(&self) -> &Node {
        crate::query::sealed::Sealed::node(self)
    }

    fn capabilities(&self) -> Option<&Capabilities> {
        None
    }
}

/// A query set bound to the [`Capabilities`] of one server, from [`Execute::on`](super::Execute::on). It runs,
/// renders and explains for that server, e.g. with emulations an older MySQL needs.
#[derive(Debug, Clone, Copy)]
#[must_use = "a query set runs nothing until it is executed"]
pub struct OnServer<'a, Q> {
    set: &'a Q,
    capabilities: &'a Capabilities,
}

impl<Q: QueryChain> Target for OnServer<'_, Q> {
    fn node(&self) -> &Node {
        crate::query::sealed::Sealed::node(self.set)
    }

    fn capabilities(&self) -> Option<&Capabilities> {
        Some(self.capabilities)
    }
}

impl<'a, Q: QueryChain> OnServer<'a, Q> {
    pub(crate) fn new(set: &'a Q, capabilities: &'a Capabilities) -> Self {
        OnServer { set, capabilities }
    }

    /// The SQL for this server, with values inlined.
    ///
    /// # Errors
    /// Misuse in the chain, or an operation this server cannot run.
    pub fn to_sql(&self) -> Result<String> {
        let dialect = self.capabilities.dialect();
        Ok(render::render(Target::node(self), self.capabilities)?.to_string(dialect))
    }

    /// The SQL for this server with placeholders, and its values.
    ///
    /// # Errors
    /// As [`to_sql`](Self::to_sql).
    pub fn build(&self) -> Result<(String, sea_query::Values)> {
        let dialect = self.capabilities.dialect();
        Ok(render::render(Target::node(self), self.capabilities)?.build(dialect))
    }

    /// How the set runs on this server; see [`QueryChain::explain`].
    ///
    /// # Errors
    /// As [`to_sql`](Self::to_sql).
    pub fn explain(&self) -> Result<String> {
        render::explain(Target::node(self), self.capabilities)
    }
}

impl Capabilities {
    /// Reads the server's version once, through any [`Executor`], and returns what that
    /// server can do. Keep the result (e.g. next to the pool) and run sets with
    /// [`Execute::on`](super::Execute::on).
    ///
    /// # Errors
    /// [`Error::Query`] when the version cannot be read, [`Error::Connection`] when the
    /// server cannot be reached.
    pub async fn detect<'c, E: Executor<'c>>(executor: E) -> Result<Capabilities> {
        let dialect = E::Database::DIALECT;
        let sql = dialect.version_query();
        let trace = Trace::new("detect", dialect);
        trace.record_sql(sql);
        let version = async move {
            let mut conn = executor
                .acquire()
                .await
                .map_err(|source| Error::query(sql, source))?;
            let rows =
                E::Database::fetch_all(&mut conn, sql.to_owned(), sea_query::Values(Vec::new()))
                    .await
                    .map_err(|source| Error::query(sql, source))?;
            let row = rows.first().ok_or(Error::NotFound)?;
            let version = E::Database::read_text_at(row, 0);
            Ok(version
                .map_err(|source| Error::query(sql, source))?
                .unwrap_or_default())
        };
        let version = trace.run(version, |_| 1).await?;
        Ok(Capabilities::new(dialect).with_server_version(&version))
    }
}
