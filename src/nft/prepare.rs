//! Everything `homeport rules`, `apply` and `check` compute before touching the system:
//! plan, lint, render, in one pure step.

use super::plan::{Plan, plan};
use super::render::{Network, Ruleset, render};
use crate::config::Forward;
use crate::diag::Diagnostic;
use crate::lint::{self, Context};

#[derive(Clone, Debug, PartialEq)]
pub struct Prepared {
    pub plan: Plan,
    pub ruleset: Ruleset,
    /// Planner errors (conflicts), lint warnings, then renderer notes.
    pub diagnostics: Vec<Diagnostic>,
}

impl Prepared {
    /// Forward names by plan index, for naming the forward in an nft error.
    pub fn names(&self) -> Vec<String> {
        self.plan.forwards.iter().map(|f| f.name.clone()).collect()
    }
}

pub fn prepare(forwards: &[Forward], net: &Network, ctx: &Context) -> Prepared {
    let (plan, mut diagnostics) = plan(forwards);
    diagnostics.extend(lint::lint(forwards, ctx));
    let ruleset = render(&plan, net);
    diagnostics.extend(ruleset.diagnostics.iter().cloned());
    Prepared { plan, ruleset, diagnostics }
}

/// The forward diagnostics alone, for `homeport check` (no WAN side needed).
pub fn check(forwards: &[Forward], ctx: &Context) -> Vec<Diagnostic> {
    let (_, mut diags) = plan(forwards);
    diags.extend(lint::lint(forwards, ctx));
    diags
}
