//! Dynamic DNS: providers (pure request builders and response classifiers), the update
//! policy engine, and the thin HTTP/DNS shell that carries requests.

pub mod basic_auth;
pub mod engine;
pub mod http;
pub mod oneshot;
pub mod percent;
pub mod plan;
pub mod providers;
pub mod request;
pub mod run;
pub mod state;
pub mod state_key;

use std::time::Duration;

use serde::Serialize;

/// Words in an `Updated` detail when the provider reports another address than the one
/// sent; the engine logs such a success as a warning.
pub const REPORTS_OTHER: &str = "the provider reports";

/// What one update attempt came to, as a provider's classifier says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Outcome {
    /// The provider now holds the new address. `detail` is the provider's word (`good`).
    Updated { detail: String },
    /// The provider already held it (`nochg`).
    Unchanged { detail: String },
    /// A transient failure; try again, no sooner than `after` when the provider said so.
    Retry { after: Option<Duration>, reason: String },
    /// A permanent failure (bad credentials, unknown host, abuse block): stop this host
    /// until its configuration changes.
    Fatal { reason: String },
}
