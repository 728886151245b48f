//! Reading what [`super::resolve::Devices`] needs: the DHCP servers' lease files and the
//! kernel's neighbour table.
//!
//! Shell, no decisions: a missing lease file is no lease (the server is not installed or
//! has given none yet); a file or dump that cannot be read is reported as a warning and
//! the rest is used.

use std::path::PathBuf;

use super::leases;
use super::resolve::{Devices, lan_prefixes};
use crate::diag::Diagnostic;
use crate::netlink::{LinkInfo, dump_all_addresses, dump_links, dump_neighbours};
use crate::types::IfName;

/// dnsmasq's (`/etc/config/dhcp` `leasefile`) and odhcpd's (`leasefile`) defaults.
pub fn default_lease_files() -> Vec<PathBuf> {
    vec![PathBuf::from("/tmp/dhcp.leases"), PathBuf::from("/tmp/hosts/odhcpd")]
}

/// Fills in `devices.leases`, `neighbours` and `lan_ifindexes` (for `lan`, the LAN
/// devices when known).
pub fn current(devices: &mut Devices, lease_files: &[PathBuf], lan: Option<&[IfName]>) -> Vec<Diagnostic> {
    let mut diags = leases_into(devices, lease_files);
    match dump_neighbours() {
        Ok(n) => devices.neighbours = n,
        Err(e) => diags.push(Diagnostic::warning(format!("cannot read the neighbour table: {e}"))),
    }
    match dump_links() {
        Ok(links) => devices.lan_ifindexes = lan_ifindexes(&mut links.iter(), lan),
        Err(e) => diags.push(Diagnostic::warning(format!("cannot read the network devices: {e}"))),
    }
    match dump_all_addresses() {
        Ok(a) => devices.prefixes = lan_prefixes(&mut a.iter(), devices.lan_ifindexes.as_deref()),
        Err(e) => diags.push(Diagnostic::warning(format!("cannot read the LAN's addresses: {e}"))),
    }
    diags
}

/// The indexes of the `lan` devices among `links`; `None` when the LAN is not known.
/// Takes `dyn Iterator`: one copy for the dump's vector and the watcher's map alike.
pub fn lan_ifindexes(links: &mut dyn Iterator<Item = &LinkInfo>, lan: Option<&[IfName]>) -> Option<Vec<u32>> {
    let lan = lan?;
    Some(
        links
            .filter(|l| l.name.as_deref().is_some_and(|n| lan.iter().any(|d| d.as_str() == n)))
            .map(|l| l.ifindex)
            .collect(),
    )
}

/// Reads the lease files again into `devices.leases`.
pub fn leases_into(devices: &mut Devices, lease_files: &[PathBuf]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    devices.leases.clear();
    for p in lease_files {
        match crate::uci::read_bounded(p) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                // odhcpd's lines start with '#', dnsmasq's never do: one file may be either.
                devices.leases.extend(leases::dnsmasq(&text, now));
                devices.leases.extend(leases::odhcpd(&text, now));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => diags.push(Diagnostic::warning(format!("cannot read {}: {e}", p.display()))),
        }
    }
    diags
}
