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
        // The unknown device's forward is planned, with no translation element: in
        // particular no redirect to the router.
        assert!(!p.ruleset.text.contains("8554"), "{}", p.ruleset.text);
        assert_eq!(p.plan.forwards.len(), 2);
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
        // Ranges too, and with reflection off (its set element stays: not a translation).
        let mut f = device_fwd(0, "nas", "8000-8010", Device::Mac(nas));
        f.reflection = false;
        let (p, d) = crate::nft::plan::plan(&[f]);
        assert!(d.is_empty());
        let r = crate::nft::render::render(&p, &Network::default());
        for map in ["redirect4", "redirect4_range", "dnat4", "dnat4_range"] {
            let decl =
                r.text.split(&format!("map {map} {{")).nth(1).or_else(|| r.text.split(&format!("set {map} {{")).nth(1));
            let body = decl.and_then(|b| b.split("\n\t}").next()).unwrap_or_default();
            assert!(!body.contains("8000"), "{map}: {body}");
        }
        assert!(r.text.contains("tcp . 8000-8010 comment \"nas\""), "noreflect element kept: {}", r.text);
        assert!(r.elements.is_empty());
        assert!(r.frame.is_some());
    }

    #[test]
    fn a_device_that_moves_changes_elements_only() {
        use crate::nft::render::{element_update, render};
        let nas = Mac([0xaa, 0xbb, 0xcc, 0, 0x11, 0x22]);
        let mut fs = [
            device_fwd(0, "nas", "8443", Device::Mac(nas)),
            device_fwd(1, "nas-range", "6000-6001", Device::Mac(nas)),
            fwd(2, "web", Proto::Tcp, "443", Some("192.168.1.9"), "443"),
        ];
        fs[0].dest_port = crate::types::PortRange::parse("443").unwrap();
        let at = |ip: Option<&str>| {
            let fs: Vec<Forward> = fs
                .iter()
                .map(|f| Forward { dest_ip: f.dest_ip.or(ip.map(|i| i.parse().unwrap())), ..f.clone() })
                .collect();
            render(&crate::nft::plan::plan(&fs).0, &Network::default())
        };
        let (a, b, away) = (at(Some("192.168.1.140")), at(Some("192.168.1.141")), at(None));
        assert_ne!(a.digest, b.digest);
        assert_eq!((a.frame.as_ref(), b.frame.as_ref()), (away.frame.as_ref(), away.frame.as_ref()));
        assert_eq!(a.frame.as_ref(), Some(&away.digest), "the frame is the table with the device away");
        assert_eq!(
            element_update(&a.elements, &b.elements).unwrap(),
            "delete element inet homeport dnat4 { tcp . 8443 }\n\
             delete element inet homeport dnat4_range { tcp . 6000-6001 }\n\
             add element inet homeport dnat4 { tcp . 8443 comment \"nas\" : 192.168.1.141 . 443 }\n\
             add element inet homeport dnat4_range { tcp . 6000-6001 comment \"nas-range\" : 192.168.1.141 }\n"
        );
        // Away: deletions only; back: additions only; no change: nothing.
        assert!(element_update(&a.elements, &away.elements).unwrap().lines().all(|l| l.starts_with("delete")));
        assert!(element_update(&away.elements, &b.elements).unwrap().lines().all(|l| l.starts_with("add")));
        assert_eq!(element_update(&a.elements, &a.elements), None);
        // Every element update script applied to `a` gives `b`'s elements: the text of each
        // element is what the whole table writes.
        for e in &b.elements {
            assert!(b.text.contains(&e.text), "{}", e.text);
        }
        // A table without device forwards has no frame.
        assert_eq!(render(&crate::nft::plan::plan(&fs[2..]).0, &Network::default()).frame, None);
    }

    #[test]
    fn src_ip_and_reflection_hold_for_device_targets_as_for_dest_ip() {
        use crate::types::AddrMatch;
        let nas = Mac([0xaa, 0xbb, 0xcc, 0, 0x11, 0x22]);
        let mut by_device = device_fwd(0, "nas", "8443", Device::Mac(nas));
        by_device.src_ip = vec![AddrMatch::parse("198.51.100.0/24").unwrap()];
        by_device.reflection = false;
        let by_ip = Forward { dest_device: None, dest_ip: Some("192.168.1.140".parse().unwrap()), ..by_device.clone() };
        let mut ctx = Context::default();
        ctx.devices.leases.push(Lease { mac: Some(nas), name: None, addr: "192.168.1.140".parse().unwrap() });
        let net = Network::default();
        let (a, b) = (prepare(&[by_device.clone()], &net, &ctx), prepare(&[by_ip], &net, &ctx));
        assert_eq!(a.ruleset.text, b.ruleset.text, "the same table for the same address");
        // Away, the allow list and the reflection exclusion stay in force: a device that
        // comes back is not reachable from everywhere for a moment.
        let away = prepare(&[by_device], &net, &Context::default());
        for line in ["tcp . 8443 . 198.51.100.0/24 comment \"nas\"", "set noreflect4"] {
            assert!(away.ruleset.text.contains(line), "{line}: {}", away.ruleset.text);
        }
        let restricted = away.ruleset.text.split("set restricted4 {").nth(1).and_then(|b| b.split("\n\t}").next());
        assert!(restricted.is_some_and(|b| b.contains("tcp . 8443")), "{restricted:?}");
    }
}
