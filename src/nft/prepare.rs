//! Everything `homeport rules`, `apply` and `check` compute before touching the system:
//! plan, lint, render, in one pure step.

use super::plan::{Plan, plan};
use super::render::{Network, Ruleset, render};
use crate::config::Forward;
use crate::device::resolve;
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
    let resolved = resolve::targets(forwards, &ctx.devices);
    let (plan, plan_diags) = plan(resolved.forwards.as_deref().unwrap_or(forwards));
    // Device diagnostics first: for an inactive device forward it is the reason.
    let mut diagnostics = resolved.diagnostics;
    diagnostics.extend(plan_diags);
    diagnostics.extend(lint::lint(forwards, ctx));
    let ruleset = render(&plan, net);
    diagnostics.extend(ruleset.diagnostics.iter().cloned());
    Prepared { plan, ruleset, diagnostics }
}

/// The forward diagnostics alone, for `homeport check` (no WAN side needed).
pub fn check(forwards: &[Forward], ctx: &Context) -> Vec<Diagnostic> {
    let resolved = resolve::targets(forwards, &ctx.devices);
    let (_, plan_diags) = plan(resolved.forwards.as_deref().unwrap_or(forwards));
    let mut diags = resolved.diagnostics;
    diags.extend(plan_diags);
    diags.extend(lint::lint(forwards, ctx));
    diags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Proto;
    use crate::device::leases::Lease;
    use crate::device::{Device, HostName};
    use crate::nft::plan::tests::fwd;
    use crate::types::Mac;

    fn device_fwd(index: usize, name: &str, ext: &str, d: Device) -> Forward {
        Forward { dest_device: Some(d), ..fwd(index, name, Proto::Tcp, ext, None, ext) }
    }

    #[test]
    fn device_targets_render_to_their_current_address_or_not_at_all() {
        let nas = Mac([0xaa, 0xbb, 0xcc, 0, 0x11, 0x22]);
        let forwards = [
            device_fwd(0, "nas", "8443", Device::Mac(nas)),
            device_fwd(1, "cam", "8554", Device::Host(HostName::parse("cam").unwrap())),
        ];
        let mut ctx = Context::default();
        ctx.devices.leases.push(Lease { mac: Some(nas), name: None, addr: "192.168.1.140".parse().unwrap() });
        let net = Network { wan_devices: vec![crate::types::IfName::parse("wan").unwrap()], ..Network::default() };
        let p = prepare(&forwards, &net, &ctx);
        assert!(p.ruleset.text.contains("tcp . 8443 comment \"nas\" : 192.168.1.140 . 8443"), "{}", p.ruleset.text);
        // The unknown device is left out: no element, in particular no redirect to the router.
        assert!(!p.ruleset.text.contains("8554"), "{}", p.ruleset.text);
        assert_eq!(p.plan.forwards.len(), 1);
        let d = &p.diagnostics[0];
        assert_eq!(d.section.as_ref().and_then(|s| s.name.as_deref()), Some("cam"));
        assert!(d.message.starts_with("cam is not on the network"), "{d}");
        // `check` says the same, and the config stays valid (a warning, not an error).
        let c = check(&forwards, &ctx);
        assert!(c.iter().all(|d| !d.is_error()), "{c:?}");
        assert!(c.iter().any(|d| d.message.starts_with("cam is not on the network")), "{c:?}");
    }

    #[test]
    fn an_unresolved_device_target_never_becomes_a_redirect() {
        let nas = Mac([0xaa, 0xbb, 0xcc, 0, 0x11, 0x22]);
        let (p, d) = crate::nft::plan::plan(&[device_fwd(0, "nas", "8443", Device::Mac(nas))]);
        assert!(p.entries.is_empty());
        assert!(d[0].is_error());
    }
}
