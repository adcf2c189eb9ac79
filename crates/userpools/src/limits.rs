//! Operating-system limits at start-up: the open-file limit is raised to its
//! hard limit, and the connection cap is kept below it so that the server
//! always has descriptors left for its store and its logs (issue 12 item 13).

/// Descriptors kept out of the connection cap for the store, the listener and the logs.
pub const RESERVED_FILES: u64 = 64;

/// The connection cap when `--max-connections` is not given, if the open-file limit allows.
pub const DEFAULT_MAX_CONNECTIONS: u64 = 16_384;

/// The soft open-file limit before and after [`raise_open_file_limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFiles {
    /// The soft limit the process started with.
    pub before: u64,
    /// The soft limit now.
    pub now: u64,
}

/// Raises the soft `RLIMIT_NOFILE` to the hard limit (bounded, since an
/// unlimited hard limit cannot be set as a soft one). `None` where the
/// platform has no such limit or it cannot be read.
#[cfg(unix)]
#[allow(clippy::useless_conversion)] // rlim_t is not u64 everywhere
pub fn raise_open_file_limit() -> Option<OpenFiles> {
    // Linux's default fs.nr_open: a soft limit above it is refused.
    const CEILING: libc::rlim_t = 1 << 20;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return None;
    }
    let before = u64::from(limit.rlim_cur);
    let hard_rlim = limit.rlim_max.min(CEILING);
    let hard = u64::from(hard_rlim);
    if hard <= before {
        return Some(OpenFiles {
            before,
            now: before,
        });
    }
    let raised = libc::rlimit {
        rlim_cur: hard_rlim,
        rlim_max: limit.rlim_max,
    };
    // SAFETY: setrlimit only reads the struct.
    let now = if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
        hard
    } else {
        before
    };
    Some(OpenFiles { before, now })
}

/// No open-file limit to raise on this platform.
#[cfg(not(unix))]
pub fn raise_open_file_limit() -> Option<OpenFiles> {
    None
}

/// The connection cap: `requested`, else [`DEFAULT_MAX_CONNECTIONS`], in both
/// cases at most the open-file limit less `reserved` descriptors (and at least 1).
/// Returns the cap and whether `requested` had to be lowered.
pub fn connection_cap(
    requested: Option<u64>,
    open_files: Option<u64>,
    reserved: u64,
) -> (u64, bool) {
    let ceiling = open_files.map_or(u64::MAX, |limit| limit.saturating_sub(reserved).max(1));
    let wanted = requested.unwrap_or(DEFAULT_MAX_CONNECTIONS);
    let cap = wanted.min(ceiling);
    (cap, requested.is_some_and(|r| r > cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_stays_below_the_open_file_limit() {
        assert_eq!(connection_cap(None, Some(1024), 64), (960, false));
        assert_eq!(connection_cap(None, Some(1 << 20), 64), (16_384, false));
        assert_eq!(connection_cap(Some(100), Some(1024), 64), (100, false));
        assert_eq!(connection_cap(Some(5000), Some(1024), 64), (960, true));
        assert_eq!(connection_cap(Some(10), Some(16), 64), (1, true));
        assert_eq!(connection_cap(None, None, 64), (16_384, false));
    }

    #[cfg(unix)]
    #[test]
    fn the_soft_limit_is_raised_to_the_hard_one() {
        let files = raise_open_file_limit().expect("RLIMIT_NOFILE");
        assert!(files.now >= files.before);
        // A second call finds nothing left to raise.
        let again = raise_open_file_limit().unwrap();
        assert_eq!(again.before, again.now);
        assert_eq!(again.now, files.now);
    }
}
