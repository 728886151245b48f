//! The two things the daemon drives, seen through small interfaces: the Dynamic DNS
//! engine and the forward table. The loop knows nothing of providers or nft syntax; the
//! composition root (`homeport run`) plugs the real ones in, tests plug in fakes.

use std::net::IpAddr;
use std::time::SystemTime;

use crate::netlink::AddrInfo;
use crate::status::{ForwardStatus, HostStatus, Warning};
use crate::types::IfName;

/// The WAN as the loop last saw it after a debounce.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WanSnapshot {
    /// The device resolved for the WAN, if any could be.
    pub device: Option<IfName>,
    /// The device exists now.
    pub present: bool,
    /// Up and with carrier.
    pub running: bool,
    /// All its addresses, kernel flags and lifetimes included (the engine chooses).
    pub addrs: Vec<AddrInfo>,
}

impl WanSnapshot {
    /// What matters for "did the WAN change": device, presence and the addresses with their
    /// flags — not the lifetimes, which tick down with every router advertisement.
    pub fn same_as(&self, other: &WanSnapshot) -> bool {
        // The same addresses in any order, repeats counted (what comparing sorted lists
        // says, without a sort instance for the tuple).
        let essentials = |a: &AddrInfo| (a.addr, a.prefix_len, a.flags);
        let count = |s: &WanSnapshot, e: (IpAddr, u8, u32)| s.addrs.iter().filter(|a| essentials(a) == e).count();
        self.device == other.device
            && self.present == other.present
            && self.running == other.running
            && self.addrs.len() == other.addrs.len()
            && self.addrs.iter().all(|a| count(self, essentials(a)) == count(other, essentials(a)))
    }
}

/// What a job produced, handed back to the engine unopened: the loop never looks inside
/// (an update's outcome, a lookup's answer), so engine types do not leak into it.
pub type JobOutput = Box<dyn std::any::Any + Send>;

/// One piece of provider work (an update, a lookup) to run on a worker thread.
pub struct UpdateJob {
    /// Which host (index into the engine's hosts); the output comes back with it.
    pub host: usize,
    /// What is sent, for the log and for `--dry-run`, with secrets redacted.
    pub summary: String,
    /// The work. Under `--dry-run` the engine hands out jobs that send nothing.
    pub run: Box<dyn FnOnce() -> JobOutput + Send>,
}

/// The Dynamic DNS engine as the loop drives it. Times are wall-clock (the engine persists
/// them); the loop converts its next wake-up to a monotonic deadline.
pub trait Ddns {
    /// The WAN changed (after debounce), or is first known. Returns updates to start now.
    fn wan_changed(&mut self, wan: &WanSnapshot, now: SystemTime) -> Vec<UpdateJob>;
    /// A job finished with `output`.
    fn finished(&mut self, host: usize, output: JobOutput, now: SystemTime) -> Vec<UpdateJob>;
    /// Timers (periodic check, retry, force interval) that are due at `now`.
    fn tick(&mut self, now: SystemTime) -> Vec<UpdateJob>;
    /// When `tick` next has something to do.
    fn next_wakeup(&self) -> Option<SystemTime>;
    /// Per-host status and warnings (CGNAT, private WAN, no IPv6...).
    fn status(&self) -> (Vec<HostStatus>, Vec<Warning>);
    /// The IPv4 address an outside echo service last reported (hosts with
    /// `ip_source web`), for the status' `wan.ipv4_seen_outside`.
    fn seen_outside_v4(&self) -> Option<std::net::Ipv4Addr> {
        None
    }
    /// The LAN devices whose IPv6 address hosts publish (`ip_source 'device'`).
    fn devices(&self) -> Vec<crate::device::Device> {
        Vec::new()
    }
    /// Their stable global IPv6 addresses now, in the order of [`Self::devices`].
    /// Returns updates to start now.
    fn devices_seen(&mut self, _addrs: &[Vec<std::net::Ipv6Addr>], _now: SystemTime) -> Vec<UpdateJob> {
        Vec::new()
    }
}

/// A rendered forward table.
#[derive(Clone, Debug, PartialEq)]
pub struct Rules {
    /// The whole `table inet homeport` ruleset, or `None` when there is nothing to forward
    /// (then the table is removed).
    pub text: Option<String>,
    /// Stable digest of `text`: equal digests mean nothing to re-apply.
    pub digest: String,
    /// With forwards to a device: the digest of the table without their translation
    /// elements (`nft::render::Ruleset::frame`). Equal frames: [`Self::elements`] are all
    /// that differs, and element updates turn one table into the other.
    pub frame: Option<String>,
    /// The translation elements of forwards to a device.
    pub elements: Vec<crate::nft::render::Element>,
    /// With forwards to a device's IPv6 side: the script that sets fw4's pinhole sets to
    /// what they must hold now (`nft::fw4::pinholes`).
    pub pinholes: Option<String>,
    pub forwards: Vec<ForwardStatus>,
    pub warnings: Vec<Warning>,
}

/// The forward table: pure rendering; applying runs on a worker thread.
pub trait Forwards {
    /// The ruleset for these WAN devices. Depends only on the device names (not on
    /// addresses), so an address change does not re-apply the table.
    fn render(&self, wan_devices: &[IfName]) -> Rules;
    /// A job that applies `rules` (pipes them to `nft`); its result is an error in words.
    /// Without `force` a live table that already carries the digest is left alone (a
    /// restart keeps its counters); with it (restoring after someone else's removal) the
    /// table is written regardless.
    fn apply_job(&self, rules: &Rules, force: bool) -> Box<dyn FnOnce() -> Result<(), String> + Send>;
    /// A job that runs an element update script (`nft::render::element_update`) against
    /// the live table, in one transaction.
    fn update_job(&self, script: String) -> Box<dyn FnOnce() -> Result<(), String> + Send>;
    /// Some forward points at a device: the loop then watches the neighbour table.
    fn follows_devices(&self) -> bool;
    /// The kernel's neighbour table changed: take it from `tables` (and read the lease
    /// files again). True when a device forward points elsewhere now (render again).
    fn devices_changed(&mut self, tables: &crate::netlink::Tables) -> bool;
    /// A followed device's stable global IPv6 addresses now (`Devices::ipv6`).
    fn device_ipv6(&self, _d: &crate::device::Device) -> Vec<std::net::Ipv6Addr> {
        Vec::new()
    }
    /// The DHCP lease files the devices are read from (watched for changes).
    fn lease_files(&self) -> Vec<std::path::PathBuf> {
        Vec::new()
    }
    /// Runs a pinhole script (`Rules::pinholes`, `nft::fw4::pinholes_closed`) at once, in
    /// one nft transaction against fw4's table.
    fn set_pinholes(&self, _script: &str) -> Result<(), String> {
        Ok(())
    }
    /// Empties fw4's pinhole sets where they exist (`Nft::close_pinholes`): at start,
    /// when no forward wants a pinhole but a daemon that died may have left some.
    fn close_pinholes(&self) -> Result<(), String> {
        Ok(())
    }
    /// Removes `table inet homeport`, synchronously (at exit, after [`Self::end_applying`]
    /// and once the apply job has reported back).
    fn remove(&self) -> Result<(), String>;
    /// At stop: ends the apply's running child, if any, and refuses to start another, so
    /// nothing can commit after [`Self::remove`]. True when a child was running.
    fn end_applying(&self) -> bool;
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn addr(a: &str, flags: u32, preferred_lft: u32) -> AddrInfo {
        let addr: IpAddr = a.parse().unwrap();
        let prefix_len = if addr.is_ipv4() { 24 } else { 64 };
        AddrInfo { ifindex: 2, addr, prefix_len, flags, preferred_lft, valid_lft: preferred_lft }
    }

    fn snap(addrs: Vec<AddrInfo>) -> WanSnapshot {
        WanSnapshot { device: Some(IfName::parse("wan").unwrap()), present: true, running: true, addrs }
    }

    /// The same addresses in another order with other lifetimes are the same WAN; another
    /// flag, another address or a repeat more is not.
    #[test]
    fn same_as_ignores_order_and_lifetimes_only() {
        let a = snap(vec![addr("198.51.100.7", 0x80, 100), addr("2001:db8::7", 0, 3600), addr("2001:db8::7", 0, 3600)]);
        let b = snap(vec![addr("2001:db8::7", 0, 60), addr("198.51.100.7", 0x80, 7), addr("2001:db8::7", 0, 1)]);
        assert!(a.same_as(&b) && b.same_as(&a));
        let flag =
            snap(vec![addr("198.51.100.7", 0x20, 100), addr("2001:db8::7", 0, 3600), addr("2001:db8::7", 0, 3600)]);
        assert!(!a.same_as(&flag));
        let repeat =
            snap(vec![addr("198.51.100.7", 0x80, 100), addr("198.51.100.7", 0x80, 100), addr("2001:db8::7", 0, 1)]);
        assert!(!a.same_as(&repeat) && !repeat.same_as(&a));
        assert!(!a.same_as(&snap(vec![addr("198.51.100.7", 0x80, 100), addr("2001:db8::7", 0, 3600)])));
        assert!(!a.same_as(&WanSnapshot { running: false, ..a.clone() }));
    }
}
