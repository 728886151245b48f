//! Where the daemon's log lines go: syslog (what `logread` shows on OpenWrt) when it runs
//! as a service, stderr with `--foreground`. One line per change or outcome; the level
//! comes from `log_level` and can change on SIGHUP.
//!
//! Shell. Nothing here formats secrets: callers never pass them (see `types::Secret`).

use std::io::Write as _;
use std::sync::Mutex;

use log::{Level, LevelFilter, Log, Metadata, Record};
use syslog::{Facility, Formatter3164, Logger, LoggerBackend};

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
        let formatter = Formatter3164 {
            facility: Facility::LOG_DAEMON,
            hostname: None,
            process: "homeport".into(),
            pid: std::process::id(),
        };
        match syslog::unix(formatter) {
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

struct Syslog(Mutex<Logger<LoggerBackend, Formatter3164>>);

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
