//! Shared, copy-on-write ownership of the tree's nodes.
//!
//! Chaining, pushdown and planning copy nodes freely: a set is a value, cloned before each
//! change, and a plan rewrites a copy of the tree. With each node owned by one `Box`, every
//! copy was a deep copy, so a tree built one level at a time cost time quadratic in its
//! depth. A `Shared` node is copied by bumping a count, and copied for real only when a
//! change is made to a node that another tree still holds (`Arc::make_mut`).

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

/// A node part owned by every tree that holds it, and copied on the first change.
#[derive(Debug, PartialEq)]
pub struct Shared<T>(Arc<T>);

impl<T> Shared<T> {
    pub(crate) fn new(value: T) -> Self {
        Shared(Arc::new(value))
    }
}

impl<T: Clone> Shared<T> {
    /// The value, moved out where this is the only holder, else copied.
    pub(crate) fn into_inner(shared: Self) -> T {
        Arc::unwrap_or_clone(shared.0)
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(Arc::clone(&self.0))
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Clone> DerefMut for Shared<T> {
    fn deref_mut(&mut self) -> &mut T {
        Arc::make_mut(&mut self.0)
    }
}
