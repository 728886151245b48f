//! Where the daemon's log lines go: syslog (what `logread` shows on OpenWrt) when it runs
//! as a service, stderr with `--foreground`. One line per change or outcome; the level
//! comes from `log_level` and can change on SIGHUP.
//!
//! Shell. Nothing here formats secrets: callers never pass them (see `types::Secret`).

use std::io::Write as _;
use std::sync::Mutex;

use log::{Level, LevelFilter, Log, Metadata, Record};
use syslog::{Facility, LogFormat, Logger, LoggerBackend, Severity};

use crate::config::LogLevel;

pub fn level_filter(level: LogLevel) -> LevelFilter {
    match level {
        LogLevel::Error => LevelFilter::Error,
        LogLevel::Warning => LevelFilter::Warn,
        // `log` has no notice level: notices are logged as info.
        LogLevel::Notice | LogLevel::Info => LevelFilter::Info,
        LogLevel::Debug => LevelFilter::Debug,
    }
}

/// Installs the logger. With `foreground` (or when syslog cannot be reached) lines go to
/// stderr as `homeport: <level>: <message>`.
pub fn init(foreground: bool, level: LogLevel) {
    let logger: Box<dyn Log> = if foreground {
        Box::new(Stderr)
    } else {
        match syslog::unix(SyslogLine { pid: std::process::id() }) {
            Ok(l) => Box::new(Syslog(Mutex::new(l))),
            Err(e) => {
                eprintln!("homeport: cannot reach syslog ({e}); logging to stderr");
                Box::new(Stderr)
            }
        }
    };
    // A second init (tests) keeps the first logger; only the level changes.
    let _ = log::set_boxed_logger(logger);
    set_level(level);
}

pub fn set_level(level: LogLevel) {
    log::set_max_level(level_filter(level));
}

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, m: &Metadata) -> bool {
        m.level() <= log::max_level()
    }

    fn log(&self, r: &Record) {
        if self.enabled(r.metadata()) && r.target().starts_with("homeport") {
            let level = match r.level() {
                Level::Error => "error",
                Level::Warn => "warning",
                Level::Info => "info",
                Level::Debug | Level::Trace => "debug",
            };
            let _ = writeln!(std::io::stderr().lock(), "homeport: {level}: {}", r.args());
        }
    }

    fn flush(&self) {}
}

struct Syslog(Mutex<Logger<LoggerBackend, SyslogLine>>);

impl Log for Syslog {
    fn enabled(&self, m: &Metadata) -> bool {
        m.level() <= log::max_level()
    }

    fn log(&self, r: &Record) {
        if !self.enabled(r.metadata()) || !r.target().starts_with("homeport") {
            return;
        }
        let Ok(mut logger) = self.0.lock() else { return };
        let msg = r.args().to_string();
        let _ = match r.level() {
            Level::Error => logger.err(msg),
            Level::Warn => logger.warning(msg),
            Level::Info => logger.info(msg),
            Level::Debug | Level::Trace => logger.debug(msg),
        };
    }

    fn flush(&self) {
        if let Ok(mut l) = self.0.lock() {
            let _ = l.backend.flush();
        }
    }
}

/// The datagram for /dev/log: `<PRI>homeport[PID]: message`, facility daemon. No timestamp
/// and no hostname: OpenWrt's logd and busybox syslogd stamp each line with their own
/// clock when it arrives (logd drops a client timestamp anyway), and so do rsyslog and
/// journald. Leaving it out also keeps the `time` crate, which the syslog crate's own
/// RFC 3164 formatter parses a format description with at every line, out of the binary
/// (25 KB on mipsel).
#[derive(Clone)]
struct SyslogLine {
    pid: u32,
}

impl LogFormat<String> for SyslogLine {
    fn format<W: std::io::Write>(&self, w: &mut W, severity: Severity, message: String) -> syslog::Result<()> {
        let pri = Facility::LOG_DAEMON as u8 | severity as u8;
        write!(w, "<{pri}>homeport[{}]: {message}", self.pid).map_err(syslog::Error::Write)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(severity: Severity, msg: &str) -> String {
        let mut out = Vec::new();
        SyslogLine { pid: 4242 }.format(&mut out, severity, msg.to_string()).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn syslog_lines_carry_daemon_facility_severity_tag_and_pid() {
        // PRI = facility 3 (daemon) * 8 + severity.
        assert_eq!(line(Severity::LOG_ERR, "boom"), "<27>homeport[4242]: boom");
        assert_eq!(line(Severity::LOG_WARNING, "w"), "<28>homeport[4242]: w");
        assert_eq!(line(Severity::LOG_INFO, "up"), "<30>homeport[4242]: up");
        assert_eq!(line(Severity::LOG_DEBUG, "d"), "<31>homeport[4242]: d");
    }

    #[test]
    fn levels_map_onto_log_filters() {
        assert_eq!(level_filter(LogLevel::Error), LevelFilter::Error);
        assert_eq!(level_filter(LogLevel::Warning), LevelFilter::Warn);
        assert_eq!(level_filter(LogLevel::Notice), LevelFilter::Info);
        assert_eq!(level_filter(LogLevel::Debug), LevelFilter::Debug);
    }
}
