//! The forward table (`nft::prepare`, `nft::apply`) behind the loop's [`Forwards`]
//! interface.
//!
//! Adapter, no policy: the lint context (LAN subnets, leases, fw4 redirects) is read once
//! per configuration; rendering depends only on the WAN device names; applying pipes the
//! text to `nft` on a worker thread.

use std::cell::RefCell;

use super::services::{Forwards, Rules};
use crate::config::Forward;
use crate::diag::Diagnostic;
use crate::lint::Context;
use crate::nft::apply::Nft;
use crate::nft::{Network, Prepared, prepare};
use crate::status::{ForwardStatus, Warning};
use crate::types::IfName;

pub struct NftDriver {
    forwards: Vec<Forward>,
    ctx: Context,
    nft: Nft,
    /// The last preparation, so an nft error can name the forward its line belongs to.
    last: RefCell<Option<Prepared>>,
}

impl NftDriver {
    pub fn new(forwards: &[Forward], ctx: Context, nft: Nft) -> NftDriver {
        NftDriver { forwards: forwards.to_vec(), ctx, nft, last: RefCell::new(None) }
    }

    fn statuses(&self, p: &Prepared, wan_known: bool) -> Vec<ForwardStatus> {
        self.forwards
            .iter()
            .map(|f| {
                let mine = |d: &&Diagnostic| d.section.as_ref() == Some(&f.section);
                let planned = p.plan.forwards.iter().any(|x| x.section == f.section);
                let reason = if !f.enabled {
                    Some("disabled".to_string())
                } else if !planned {
                    Some(p.diagnostics.iter().find(mine).map_or("not planned".to_string(), |d| d.message.clone()))
                } else if !wan_known {
                    Some("no WAN device is known".to_string())
                } else {
                    None
                };
                ForwardStatus {
                    section: f.section.name.clone().unwrap_or_else(|| format!("@forward[{}]", f.section.index)),
                    name: f.name.clone(),
                    active: reason.is_none(),
                    reason,
                    proto: format!("{:?}", f.proto).to_lowercase(),
                    src_dport: f.src_dport.to_string(),
                    dest_ip: f.dest_ip.map(|a| a.to_string()),
                    dest_port: f.dest_port.to_string(),
                    packets: None,
                    bytes: None,
                    warnings: if planned {
                        p.diagnostics.iter().filter(mine).map(|d| d.message.clone()).collect()
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect()
    }
}

impl Forwards for NftDriver {
    fn render(&self, wan_devices: &[IfName]) -> Rules {
        let net = Network { wan_devices: wan_devices.to_vec(), lan_subnets: self.ctx.lan_subnets.clone() };
        let p = prepare(&self.forwards, &net, &self.ctx);
        // Forward-specific lines go with their forward; the rest are table-wide warnings.
        let warnings = p
            .diagnostics
            .iter()
            .filter(|d| d.section.is_none())
            .map(|d| Warning { code: "forward".into(), message: d.to_string() })
            .collect();
        let rules = Rules {
            text: Some(p.ruleset.text.clone()),
            digest: p.ruleset.digest.clone(),
            forwards: self.statuses(&p, !wan_devices.is_empty()),
            warnings,
        };
        *self.last.borrow_mut() = Some(p);
        rules
    }

    fn apply_job(&self, rules: &Rules, force: bool) -> Box<dyn FnOnce() -> Result<(), String> + Send> {
        let nft = self.nft.clone();
        let last = self.last.borrow();
        let prepared = last.as_ref().filter(|p| p.ruleset.digest == rules.digest).cloned();
        let text = rules.text.clone().unwrap_or_default();
        let digest = rules.digest.clone();
        Box::new(move || {
            let (ruleset, names) = match prepared {
                Some(p) => {
                    let names = p.names();
                    (p.ruleset, names)
                }
                None => (
                    crate::nft::Ruleset {
                        text,
                        owners: Vec::new(),
                        rules_per_packet: 0,
                        digest,
                        diagnostics: Vec::new(),
                    },
                    Vec::new(),
                ),
            };
            nft.apply(&ruleset, &names, force).map(|_| ()).map_err(|e| e.to_string())
        })
    }

    fn remove(&self) -> Result<(), String> {
        self.nft.flush().map_err(|e| e.to_string())
    }
}
