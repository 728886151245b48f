//! The firewall4 include files that let our DNAT'd traffic through fw4's filter chains.
//!
//! Pure. An `accept` in our table is not final (fw4's own base chains still see the
//! packet), and fw4 writes `ct status dnat accept` into `forward_<zone>`/`input_<zone>`
//! only when it has a redirect of its own from that zone. So we add that one rule through
//! fw4's automatic includes, at `chain-post` (after fw4's traffic rules, so a user's
//! REJECT rule still wins, as it does for fw4's own port forwards). The files are static
//! and reference nothing of ours: they can never make fw4's transaction fail.

use std::path::PathBuf;

use crate::types::UciName;

/// Where firewall4 looks for automatic includes.
pub const INCLUDE_ROOT: &str = "/usr/share/nftables.d";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Include {
    /// Relative to [`INCLUDE_ROOT`].
    pub path: PathBuf,
    pub text: String,
}

/// The includes for one firewall zone (the WAN zone, `main.zone`).
pub fn includes(zone: &UciName) -> Vec<Include> {
    let z = zone.as_str();
    vec![
        Include {
            path: PathBuf::from(format!("chain-post/forward_{z}/30-homeport.nft")),
            text: "ct status dnat accept comment \"homeport: accept port forwards\"\n".to_string(),
        },
        Include {
            path: PathBuf::from(format!("chain-post/input_{z}/30-homeport.nft")),
            text: "ct status dnat accept comment \"homeport: accept port forwards to the router\"\n".to_string(),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_zone() {
        let inc = includes(&UciName::parse("wan6").unwrap());
        assert_eq!(inc[0].path, PathBuf::from("chain-post/forward_wan6/30-homeport.nft"));
        assert_eq!(inc[1].path, PathBuf::from("chain-post/input_wan6/30-homeport.nft"));
        assert!(inc.iter().all(|i| i.text.starts_with("ct status dnat accept")));
    }
}
