//! Room on the stack for walking deep trees.
//!
//! Planning and rendering walk the node tree recursively, and sea-query writes nested
//! statements recursively too. A tree of depth 256 (W7) needed more than the 2 MiB a tokio
//! worker thread has, in release builds as well as debug ones. Each recursive step runs
//! through [`deeper`], which moves to a fresh stack segment when the current one is nearly
//! used up; on shallow trees that is one comparison per step.

/// Space that must be left on the stack before a recursive step runs on the current one.
/// A step of the renderer takes a few KiB; the rest is for sea-query's own recursion over
/// what the step builds.
const RED_ZONE: usize = 256 * 1024;

/// The size of each new stack segment.
const SEGMENT: usize = 2 * 1024 * 1024;

/// Runs `step` with at least [`RED_ZONE`] of stack left.
pub(crate) fn deeper<R>(step: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(RED_ZONE, SEGMENT, step)
}

/// Room for sea-query writing a whole statement, which it does recursively and without
/// [`deeper`]'s checks: a fresh segment four times as large when less than 1 MiB is left.
pub(crate) fn written<R>(write: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(4 * RED_ZONE, 4 * SEGMENT, write)
}
