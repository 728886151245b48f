//! Where the daemon's log lines go: syslog (what `logread` shows on OpenWrt) when it runs
//! as a service, stderr with `--foreground`. One line per change or outcome; the level
//! comes from `log_level` and can change on SIGHUP.
//!
//! Shell. Nothing here formats secrets: callers never pass them (see `types::Secret`).

use std::fmt;
use std::io::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

use syslog::{Facility, LogFormat, Logger, LoggerBackend, Severity};

use crate::config::LogLevel;

/// How severe a line is; a line is written when its level is at most the configured one.
/// The `log` crate's levels without `Trace`: homeport has no trace lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

/// The most verbose level written; 0 writes nothing (before `init`, as with `log`).
static MAX: AtomicU8 = AtomicU8::new(0);
static SINK: OnceLock<Sink> = OnceLock::new();

enum Sink {
    Stderr,
    Syslog(Mutex<Logger<LoggerBackend, SyslogLine>>),
}

pub fn level_filter(level: LogLevel) -> Level {
    match level {
        LogLevel::Error => Level::Error,
        LogLevel::Warning => Level::Warn,
        // syslog's notice has no level of its own here: notices are logged as info.
        LogLevel::Notice | LogLevel::Info => Level::Info,
        LogLevel::Debug => Level::Debug,
    }
}

/// Installs the logger. With `foreground` (or when syslog cannot be reached) lines go to
/// stderr as `homeport: <level>: <message>`.
pub fn init(foreground: bool, level: LogLevel) {
    // A second init (tests) keeps the first logger; only the level changes.
    SINK.get_or_init(|| {
        if foreground {
            return Sink::Stderr;
        }
        match syslog::unix(SyslogLine { pid: std::process::id() }) {
            Ok(l) => Sink::Syslog(Mutex::new(l)),
            Err(e) => {
                eprintln!("homeport: cannot reach syslog ({e}); logging to stderr");
                Sink::Stderr
            }
        }
    });
    set_level(level);
}

pub fn set_level(level: LogLevel) {
    MAX.store(level_filter(level) as u8, Ordering::Relaxed);
}

/// Whether a line of this level is written; the macros below ask before formatting.
pub fn enabled(level: Level) -> bool {
    level as u8 <= MAX.load(Ordering::Relaxed)
}

/// Writes one line. Only homeport's own lines come here: the dependencies' `log` calls
/// (rustls, ureq) are compiled out (Cargo.toml, the `log` crate's `max_level_off`), as
/// the `log`-based logger used to drop them at run time.
pub fn write(level: Level, args: fmt::Arguments) {
    match SINK.get() {
        Some(Sink::Stderr) => {
            let name = match level {
                Level::Error => "error",
                Level::Warn => "warning",
                Level::Info => "info",
                Level::Debug => "debug",
            };
            let _ = writeln!(std::io::stderr().lock(), "homeport: {name}: {args}");
        }
        Some(Sink::Syslog(logger)) => {
            let Ok(mut logger) = logger.lock() else { return };
            let msg = args.to_string();
            let _ = match level {
                Level::Error => logger.err(msg),
                Level::Warn => logger.warning(msg),
                Level::Info => logger.info(msg),
                Level::Debug => logger.debug(msg),
            };
        }
        None => {}
    }
}

/// `log::info!(...)` and friends, for `use crate::log;`: format only when the level is on.
macro_rules! log_at {
    ($level:ident, $($arg:tt)+) => {
        if $crate::daemon::logging::enabled($crate::daemon::logging::Level::$level) {
            $crate::daemon::logging::write($crate::daemon::logging::Level::$level, format_args!($($arg)+))
        }
    };
}
macro_rules! log_error {
    ($($arg:tt)+) => { $crate::daemon::logging::log_at!(Error, $($arg)+) };
}
macro_rules! log_warn {
    ($($arg:tt)+) => { $crate::daemon::logging::log_at!(Warn, $($arg)+) };
}
macro_rules! log_info {
    ($($arg:tt)+) => { $crate::daemon::logging::log_at!(Info, $($arg)+) };
}
macro_rules! log_debug {
    ($($arg:tt)+) => { $crate::daemon::logging::log_at!(Debug, $($arg)+) };
}
pub(crate) use log_at;
pub(crate) use {log_debug as debug, log_error as error, log_info as info, log_warn as warn};

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
    fn a_line_is_written_up_to_the_configured_level() {
        set_level(LogLevel::Warning);
        assert!(enabled(Level::Error) && enabled(Level::Warn));
        assert!(!enabled(Level::Info) && !enabled(Level::Debug));
        set_level(LogLevel::Debug);
        assert!(enabled(Level::Info) && enabled(Level::Debug));
        set_level(LogLevel::Error);
        assert!(enabled(Level::Error) && !enabled(Level::Warn));
    }

    #[test]
    fn the_dependencies_log_calls_are_compiled_out() {
        // rustls and ureq log through the `log` crate; nothing of theirs was ever written
        // (only homeport's lines are), so their formatting code is left out of the binary.
        assert_eq!(dependencies_log::STATIC_MAX_LEVEL, dependencies_log::LevelFilter::Off);
    }

    #[test]
    fn levels_map_onto_log_filters() {
        assert_eq!(level_filter(LogLevel::Error), Level::Error);
        assert_eq!(level_filter(LogLevel::Warning), Level::Warn);
        assert_eq!(level_filter(LogLevel::Notice), Level::Info);
        assert_eq!(level_filter(LogLevel::Info), Level::Info);
        assert_eq!(level_filter(LogLevel::Debug), Level::Debug);
    }
}
