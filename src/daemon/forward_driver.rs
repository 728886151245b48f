//! The forward table (`compose::prepare`, `nft::apply`) behind the loop's [`Forwards`]
//! interface.
//!
//! Adapter, no policy: the lint context (LAN subnets, leases, fw4 redirects) is read once
//! per configuration; rendering depends only on the WAN device names; applying pipes the
//! text to `nft` on a worker thread. The `Nft` handed in carries the daemon's one
//! [`crate::nft::child::Children`], shared by every configuration the daemon reads, so a
//! stop reaches an apply started before a reload too.

use std::cell::RefCell;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use super::services::{Forwards, Rules};
use crate::compose::{Prepared, prepare};
use crate::config::Forward;
use crate::daemon::logging as log;
use crate::device::resolve::{ABSENT, lan_prefixes};
use crate::device::{Device, read};
use crate::diag::Diagnostic;
use crate::lint::Context;
use crate::netlink::Tables;
use crate::nft::apply::Nft;
use crate::nft::{Network, fw4};
use crate::status::{ForwardStatus, Warning};
use crate::types::IfName;

pub struct NftDriver {
    forwards: Vec<Forward>,
    ctx: Context,
    nft: Nft,
    /// DHCP lease files, read again when the neighbour table changes.
    lease_files: Vec<PathBuf>,
    /// Devices followed for the DDNS engine (`ip_source 'device'`), besides the forwards'.
    also: Vec<Device>,
    /// When each device target was last known on the network (wall clock, seconds): the
    /// moment a change showed it gone, for "not on the network since HH:MM".
    seen: Vec<(Device, u64)>,
    /// Of the last preparation, what naming a forward in an nft error takes: the digest,
    /// each line's owner and the forward names (the plan and the lint results are not
    /// kept: with 100 forwards that is tens of KiB of heap the idle daemon never reads).
    last: RefCell<Option<Owners>>,
}

struct Owners {
    digest: String,
    lines: Vec<Option<usize>>,
    names: Vec<String>,
}

impl NftDriver {
    pub fn new(forwards: &[Forward], ctx: Context, nft: Nft, lease_files: Vec<PathBuf>) -> NftDriver {
        NftDriver {
            forwards: forwards.to_vec(),
            ctx,
            nft,
            lease_files,
            also: Vec::new(),
            seen: Vec::new(),
            last: RefCell::new(None),
        }
    }

    /// Follows `devices` too (the DDNS hosts' `ip_device`).
    pub fn following(mut self, devices: Vec<Device>) -> NftDriver {
        self.also = devices;
        self
    }

    /// Why a device forward is inactive: its device is away, since when if it was seen.
    fn absent(&self, d: &Device) -> String {
        let who = self.ctx.devices.describe(d);
        match self.seen.iter().find(|(x, _)| x == d).map(|(_, t)| t) {
            Some(t) => format!("{who} is not on the network since {:02}:{:02} UTC", t % 86400 / 3600, t % 3600 / 60),
            None => format!("{who} {ABSENT}"),
        }
    }

    fn statuses(&self, p: &Prepared, wan_known: bool) -> Vec<ForwardStatus> {
        self.forwards
            .iter()
            .map(|f| {
                let mine = |d: &&Diagnostic| d.section.as_ref() == Some(&f.section);
                let planned = p.plan.forwards.iter().any(|x| x.section == f.section);
                // A device's IPv6 side: its stable addresses now (the pinholes).
                let side = fw4::pinhole_device(f);
                let v6 = side.map(|d| self.ctx.devices.ipv6(d)).unwrap_or_default();
                let away = f.dest_device.as_ref().filter(|_| planned && device_dest(p, f).is_none() && v6.is_empty());
                let reason = if !f.enabled {
                    Some("disabled".to_string())
                } else if let Some(d) = away {
                    Some(self.absent(d))
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
                    proto: f.proto.as_str().to_string(),
                    src_dport: f.src_dport.to_string(),
                    dest_ip: match &f.dest_device {
                        // A device: its address now, else the device itself.
                        Some(d) => Some(
                            device_dest(p, f)
                                .or(v6.first().map(|a| std::net::IpAddr::V6(*a)))
                                .map_or_else(|| d.to_string(), |ip| ip.to_string()),
                        ),
                        None => f.dest_ip.map(|a| a.to_string()),
                    },
                    dest_port: f.dest_port.to_string(),
                    packets: None,
                    bytes: None,
                    warnings: if planned {
                        p.diagnostics.iter().filter(mine).map(|d| d.message.clone()).collect()
                    } else {
                        Vec::new()
                    },
                    pinholes: v6.iter().map(ToString::to_string).collect(),
                    pinholes_reason: side
                        .filter(|_| v6.is_empty())
                        .map(|d| format!("{} has no stable global IPv6 address", self.ctx.devices.describe(d))),
                }
            })
            .collect()
    }
}

/// The address a device forward was planned with.
fn device_dest(p: &Prepared, f: &Forward) -> Option<std::net::IpAddr> {
    let i = p.plan.forwards.iter().position(|x| x.section == f.section)?;
    p.plan.entries.iter().find(|e| e.forward == i)?.dest
}

impl Forwards for NftDriver {
    fn render(&self, wan_devices: &[IfName]) -> Rules {
        let net = Network {
            wan_devices: wan_devices.to_vec(),
            lan_devices: self.ctx.lan_devices.clone(),
            lan_subnets: self.ctx.lan_subnets.clone(),
        };
        let p = prepare(&self.forwards, &net, &self.ctx);
        // Forward-specific lines go with their forward; the rest are table-wide warnings.
        let (pinholes, holes) = fw4::pinholes(&self.forwards, &self.ctx.devices);
        let warnings = p
            .diagnostics
            .iter()
            .filter(|d| d.section.is_none())
            .chain(&holes)
            .map(|d| Warning { code: "forward".into(), message: d.to_string() })
            .collect();
        let forwards = self.statuses(&p, !wan_devices.is_empty());
        let names = p.names();
        let r = p.ruleset;
        *self.last.borrow_mut() = Some(Owners { digest: r.digest.clone(), lines: r.owners, names });
        Rules {
            text: Some(r.text),
            digest: r.digest,
            frame: r.frame,
            elements: r.elements,
            pinholes,
            forwards,
            warnings,
        }
    }

    fn apply_job(&self, rules: &Rules, force: bool) -> Box<dyn FnOnce() -> Result<(), String> + Send> {
        let nft = self.nft.clone();
        let (owners, names) = match self.last.borrow().as_ref().filter(|o| o.digest == rules.digest) {
            Some(o) => (o.lines.clone(), o.names.clone()),
            None => (Vec::new(), Vec::new()),
        };
        let ruleset = crate::nft::Ruleset {
            text: rules.text.clone().unwrap_or_default(),
            owners,
            rules_per_packet: 0,
            digest: rules.digest.clone(),
            frame: None,
            elements: Vec::new(),
            diagnostics: Vec::new(),
        };
        Box::new(move || nft.apply(&ruleset, &names, force).map(|_| ()).map_err(|e| e.to_string()))
    }

    fn update_job(&self, script: String) -> Box<dyn FnOnce() -> Result<(), String> + Send> {
        let nft = self.nft.clone();
        Box::new(move || nft.update(&script).map_err(|e| e.to_string()))
    }

    fn follows_devices(&self) -> bool {
        !self.also.is_empty() || self.forwards.iter().any(|f| f.enabled && f.dest_device.is_some())
    }

    fn devices_changed(&mut self, tables: &Tables) -> bool {
        if !self.follows_devices() {
            return false;
        }
        // Each followed device's addresses before the reread, and its description while it
        // is there (for "left the network"): no copy of the whole `Devices`.
        let mut before: Vec<(&Device, Option<Ipv4Addr>, Vec<Ipv6Addr>, String)> = Vec::new();
        for d in self.forwards.iter().filter_map(|f| f.dest_device.as_ref()).chain(&self.also) {
            if !before.iter().any(|(x, ..)| *x == d) {
                let (was, was6) = (self.ctx.devices.ipv4(d), self.ctx.devices.ipv6(d));
                let who = if was.is_some() || !was6.is_empty() { self.ctx.devices.describe(d) } else { String::new() };
                before.push((d, was, was6, who));
            }
        }
        for d in read::leases_into(&mut self.ctx.devices, &self.lease_files) {
            log::warn!("{}", d.body());
        }
        let devs = &mut self.ctx.devices;
        devs.neighbours = tables.neighbours().cloned().collect();
        devs.lan_ifindexes = read::lan_ifindexes(&mut tables.links(), self.ctx.lan_devices.as_deref());
        devs.prefixes = lan_prefixes(&mut tables.addresses(), devs.lan_ifindexes.as_deref());
        let mut moved = false;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        for (d, was, was6, who) in before {
            let (is, is6) = (self.ctx.devices.ipv4(d), self.ctx.devices.ipv6(d));
            if was != is || was6 != is6 {
                moved = true;
                // One line per device that moved, came or left.
                let mut at: Vec<String> = is.iter().map(|a| a.to_string()).collect();
                at.extend(is6.iter().map(|a| a.to_string()));
                match at.is_empty() {
                    false => log::info!("{} is at {}", self.ctx.devices.describe(d), at.join(", ")),
                    true => log::info!("{who} left the network"),
                }
            }
            if !who.is_empty() && is.is_none() && is6.is_empty() {
                self.seen.retain(|(x, _)| x != d);
                self.seen.push((d.clone(), now));
            }
        }
        moved
    }

    fn device_ipv6(&self, d: &Device) -> Vec<Ipv6Addr> {
        self.ctx.devices.ipv6(d)
    }

    fn lease_files(&self) -> Vec<PathBuf> {
        self.lease_files.clone()
    }

    fn set_pinholes(&self, script: &str) -> Result<(), String> {
        // At once, in the loop's thread: a handful of elements, and never racing the stop.
        Nft { children: None, ..self.nft.clone() }.update(script).map_err(|e| e.to_string())
    }

    fn close_pinholes(&self) -> Result<(), String> {
        Nft { children: None, ..self.nft.clone() }
            .close_pinholes()
            .map_err(|e| format!("emptying the IPv6 pinhole sets: {e}"))
    }

    fn remove(&self) -> Result<(), String> {
        // Not through `children`: at stop it refuses new children, and the loop calls
        // this only after the apply's child was reaped, so this is still the only one.
        let nft = Nft { children: None, ..self.nft.clone() };
        // No pinhole stays open either (they live in fw4's table, not in ours), whatever
        // the configuration says now: a reload may have dropped the forward that set one.
        let closed = self.close_pinholes();
        nft.flush().map_err(|e| e.to_string()).and(closed)
    }

    fn end_applying(&self) -> bool {
        self.nft.children.as_ref().is_some_and(|c| c.stop())
    }
}
