//! Controllers: the work queue and the reconcilers that make the engine match the store.

mod backoff;
mod queue;

pub use backoff::Backoff;
pub use queue::{Action, WorkQueue};
