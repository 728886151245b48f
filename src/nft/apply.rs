//! The shell around `nft`: check, apply, flush, read back our table's digest.
//!
//! Imperative and thin. The ruleset goes to `nft` on stdin (`-f -`), arguments are fixed
//! words, and no shell is involved, so nothing from the configuration can become a
//! command. The ruleset is a single `nft -f` transaction: if the kernel refuses any part,
//! nothing changes and the previous table keeps working.

use std::fmt;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

use super::child::Children;
use super::render::{Ruleset, TABLE, render_flush};

/// How to run nft (the program is configurable for tests and odd installs).
#[derive(Clone, Debug)]
pub struct Nft {
    pub program: PathBuf,
    /// Words before nft's own arguments: with `program` = `ip`, `netns exec NS nft` runs
    /// it inside a network namespace (the end-to-end tests do).
    pub prefix: Vec<String>,
    /// The daemon's: every child is started and can be ended through it. `None` for the
    /// one-shot commands, whose nft ends with them.
    pub children: Option<Arc<Children>>,
}

impl Default for Nft {
    fn default() -> Self {
        Nft { program: PathBuf::from("nft"), prefix: Vec::new(), children: None }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Check,
    Apply,
    Flush,
    Read,
}

#[derive(Debug)]
pub enum NftError {
    /// nft could not be started at all.
    Spawn { program: PathBuf, error: std::io::Error },
    /// nft refused the ruleset; `forwards` are the forwards its error lines point at.
    Rejected { stage: Stage, message: String, forwards: Vec<String> },
}

impl fmt::Display for NftError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NftError::Spawn { program, error } => write!(f, "cannot run {}: {error}", program.display()),
            NftError::Rejected { stage, message, forwards } => {
                let what = match stage {
                    Stage::Check => "nft rejected the ruleset (nothing was changed)",
                    Stage::Apply => "nft failed to apply the ruleset (the previous table stays)",
                    Stage::Flush => "nft failed to remove table inet homeport",
                    Stage::Read => "nft failed to list table inet homeport",
                };
                write!(f, "{what}")?;
                if !forwards.is_empty() {
                    write!(f, "; in forward {}", forwards.join(", "))?;
                }
                write!(f, ":\n{}", message.trim_end())
            }
        }
    }
}

impl std::error::Error for NftError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The new table is in place.
    Replaced,
    /// The live table already carries this ruleset's digest; it was left alone (its
    /// counters and conntrack state too).
    Unchanged,
}

impl Nft {
    /// Runs nft with `args`, feeding `input` on stdin; returns stdout, or stderr as error.
    fn run(&self, args: &[&str], input: &str) -> Result<Result<String, String>, NftError> {
        let spawn_err = |error| NftError::Spawn { program: self.program.clone(), error };
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.prefix).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = match &self.children {
            Some(children) => children.spawn(&mut cmd),
            None => cmd.spawn(),
        }
        .map_err(spawn_err)?;
        let stdin = child.stdin.take();
        let output = std::thread::scope(|s| {
            // Write from a second thread so a chatty nft cannot deadlock us on a full pipe.
            s.spawn(move || {
                if let Some(mut w) = stdin {
                    let _ = w.write_all(input.as_bytes());
                }
            });
            child.wait_with_output()
        });
        if let Some(children) = &self.children {
            children.reaped();
        }
        let output = output.map_err(spawn_err)?;
        let (status, out, err) = (output.status, output.stdout, output.stderr);
        if status.success() {
            Ok(Ok(String::from_utf8_lossy(&out).into_owned()))
        } else {
            let mut msg = String::from_utf8_lossy(&err).into_owned();
            if msg.trim().is_empty() {
                msg = format!("nft exited with {status}");
            }
            Ok(Err(msg))
        }
    }

    /// `nft -c -f -`: would the kernel take this script? Changes nothing.
    pub fn check(&self, rs: &Ruleset, names: &[String]) -> Result<(), NftError> {
        self.run(&["-c", "-f", "-"], &rs.text)?.map(|_| ()).map_err(|m| rejected(Stage::Check, m, rs, names))
    }

    /// Checks, then applies in one transaction, unless the live table already has this
    /// ruleset's digest (and `force` is off).
    pub fn apply(&self, rs: &Ruleset, names: &[String], force: bool) -> Result<Applied, NftError> {
        if !force && self.live_digest()?.as_deref() == Some(rs.digest.as_str()) {
            return Ok(Applied::Unchanged);
        }
        self.check(rs, names)?;
        self.load(rs, names)?;
        Ok(Applied::Replaced)
    }

    /// `nft -f -` alone (one transaction; on failure nothing changes). `apply` checks first.
    pub fn load(&self, rs: &Ruleset, names: &[String]) -> Result<(), NftError> {
        self.run(&["-f", "-"], &rs.text)?.map(|_| ()).map_err(|m| rejected(Stage::Apply, m, rs, names))
    }

    /// Element updates (`render::element_update`): one `nft -f -` transaction, all or
    /// nothing, against the live table; the table itself and every other element (with its
    /// counter) stay as they are.
    pub fn update(&self, script: &str) -> Result<(), NftError> {
        self.run(&["-f", "-"], script)?.map(|_| ()).map_err(|m| NftError::Rejected {
            stage: Stage::Apply,
            message: m,
            forwards: vec![],
        })
    }

    /// Removes our table (a no-op when it is absent).
    pub fn flush(&self) -> Result<(), NftError> {
        self.run(&["-f", "-"], &render_flush())?.map(|_| ()).map_err(|m| NftError::Rejected {
            stage: Stage::Flush,
            message: m,
            forwards: vec![],
        })
    }

    /// Empties fw4's pinhole sets, the allow set first, one set per transaction. A set
    /// that is not there (no `inet fw4`, or fw4 has not loaded our includes) holds nothing
    /// open, so that is success. For `homeport flush` after a daemon that died, and for
    /// the daemon's start and stop, when stale elements may be left.
    pub fn close_pinholes(&self) -> Result<(), NftError> {
        for set in [super::fw4::PINHOLES, super::fw4::PINHOLES_DENY] {
            match self.update(&format!("flush set inet fw4 {set}\n")) {
                Err(NftError::Rejected { message, .. }) if message.contains("No such file or directory") => {}
                r => r?,
            }
        }
        Ok(())
    }

    /// The digest in the live table's comment; `None` when there is no table of ours.
    pub fn live_digest(&self) -> Result<Option<String>, NftError> {
        Ok(self.list(&["-t"])?.as_deref().and_then(parse_digest))
    }

    /// The live table with its elements and their counters (`nft list table`); `None`
    /// when there is no table of ours.
    pub fn listing(&self) -> Result<Option<String>, NftError> {
        self.list(&[])
    }

    fn list(&self, flags: &[&str]) -> Result<Option<String>, NftError> {
        let (family, name) = TABLE.split_once(' ').unwrap_or(("inet", "homeport"));
        let args: Vec<&str> = flags.iter().copied().chain(["list", "table", family, name]).collect();
        self.list_args(&args)
    }

    /// Another table's chain or set (`nft list chain inet fw4 upnp_prerouting`, `nft list
    /// set inet fw4 homeport_pinholes6`, for `doctor`); `None` when it does not exist.
    pub fn list_in(&self, kind: &str, family: &str, table: &str, name: &str) -> Result<Option<String>, NftError> {
        self.list_args(&["list", kind, family, table, name])
    }

    fn list_args(&self, args: &[&str]) -> Result<Option<String>, NftError> {
        match self.run(args, "")? {
            Ok(out) => Ok(Some(out)),
            // Absent table: nft says "No such file or directory".
            Err(m) if m.contains("No such file") => Ok(None),
            Err(m) => Err(NftError::Rejected { stage: Stage::Read, message: m, forwards: vec![] }),
        }
    }
}

fn rejected(stage: Stage, message: String, rs: &Ruleset, names: &[String]) -> NftError {
    // Each forward once, in the order nft complains about them (a forward's lines are
    // spread over several maps and sets, so its errors need not be adjacent).
    let mut owners: Vec<usize> = Vec::new();
    for i in error_lines(&message).into_iter().filter_map(|l| rs.owner_of_line(l)) {
        if !owners.contains(&i) {
            owners.push(i);
        }
    }
    let forwards = owners.into_iter().filter_map(|i| names.get(i).cloned()).collect();
    NftError::Rejected { stage, message, forwards }
}

/// Line numbers nft's error messages point at (`/dev/stdin:12:5-9: Error: …`).
pub fn error_lines(stderr: &str) -> Vec<usize> {
    stderr
        .lines()
        .filter_map(|l| {
            let (head, _) = l.split_once(": Error:")?;
            let mut parts = head.rsplitn(3, ':');
            let _cols = parts.next()?;
            parts.next()?.parse().ok()
        })
        .collect()
}

/// `comment "homeport <digest>"` from `nft -t list table` output.
pub fn parse_digest(listing: &str) -> Option<String> {
    listing.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("comment \"homeport ")?;
        let d = rest.strip_suffix('"')?;
        (d.len() == 16 && d.bytes().all(|b| b.is_ascii_hexdigit())).then(|| d.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_error_lines() {
        let e = "/dev/stdin:12:5-9: Error: Could not process rule: No such file or directory\n  x\n  ^^\n\
                 /dev/stdin:40:1-2: Error: syntax error\n";
        assert_eq!(error_lines(e), [12, 40]);
        assert!(error_lines("Error: something without a place").is_empty());
    }

    #[test]
    fn names_each_rejected_forward_once() {
        let rs = Ruleset {
            text: String::new(),
            owners: vec![None, Some(0), Some(1), Some(0), Some(1)],
            rules_per_packet: 0,
            digest: String::new(),
            frame: None,
            elements: vec![],
            diagnostics: vec![],
        };
        let err = "/dev/stdin:2:1-2: Error: a\n/dev/stdin:3:1-2: Error: b\n/dev/stdin:4:1-2: Error: c\n\
                   /dev/stdin:5:1-2: Error: d\n/dev/stdin:1:1-2: Error: e\n";
        let names = ["web".to_string(), "ssh".to_string()];
        match rejected(Stage::Check, err.into(), &rs, &names) {
            NftError::Rejected { forwards, .. } => assert_eq!(forwards, ["web", "ssh"]),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn reads_digest() {
        let l = "table inet homeport {\n\tcomment \"homeport 0123456789abcdef\"\n\tchain x {\n";
        assert_eq!(parse_digest(l).as_deref(), Some("0123456789abcdef"));
        assert_eq!(parse_digest("table inet homeport {\n\tcomment \"homeport x\"\n"), None);
        assert_eq!(parse_digest("table inet homeport {\n}"), None);
    }
}
