//! `pthread_setname_np` for the thread that calls it, which is the only way std uses it:
//! a thread built with `std::thread::Builder::name` names itself once it runs
//! (std `thread::lifecycle::spawn_unchecked`: `imp::set_name` in the new thread). The
//! workers' threads are named so, and `top -H`/`/proc/<pid>/task/*/comm` show the names.
//!
//! Shell, for flash size. musl's own version (src/thread/pthread_setname_np.c) can also
//! name another thread, by writing `/proc/self/task/<tid>/comm`, and builds that path with
//! `snprintf`; that call is the only one that links musl's `printf` machinery into the
//! static binary (10 KB of code, about 4.5 KB of the mipsel package: cross/README.md,
//! "After the device and doctor merges"). Defined here, the linker takes this one and
//! leaves musl's object, and `printf` with it, out. The thread naming itself does what
//! musl's does for the calling thread: `prctl(PR_SET_NAME)` (prctl(2)), ERANGE for a
//! name over 15 bytes. Naming another thread answers ENOTSUP; nothing in homeport does.

/// C signature and errors as pthread_setname_np(3).
///
/// # Safety
/// `name` must point to a NUL-terminated string, as for the C function.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pthread_setname_np(thread: libc::pthread_t, name: *const libc::c_char) -> libc::c_int {
    // SAFETY: the caller passes a NUL-terminated string; strnlen reads at most 16 bytes of it.
    if unsafe { libc::strnlen(name, 16) } > 15 {
        return libc::ERANGE;
    }
    // SAFETY: pthread_self and pthread_equal have no preconditions.
    if unsafe { libc::pthread_equal(thread, libc::pthread_self()) } == 0 {
        return libc::ENOTSUP;
    }
    // SAFETY: PR_SET_NAME reads a NUL-terminated string of at most 16 bytes from `name`.
    if unsafe { libc::prctl(libc::PR_SET_NAME, name, 0, 0, 0) } == -1 {
        return std::io::Error::last_os_error().raw_os_error().unwrap_or(libc::EINVAL);
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comm() -> String {
        std::fs::read_to_string("/proc/thread-self/comm").unwrap_or_default().trim_end().to_string()
    }

    /// A thread std names (as the workers do) carries the name in the kernel.
    #[test]
    fn a_named_thread_is_named_in_the_kernel() {
        let got = std::thread::Builder::new().name("hp-name-test".into()).spawn(comm).unwrap().join().unwrap();
        assert_eq!(got, "hp-name-test");
    }

    #[test]
    fn long_names_and_other_threads_are_refused() {
        let other = std::thread::spawn(|| {
            let me = unsafe { libc::pthread_self() };
            let long = c"sixteen-bytes-xx";
            assert_eq!(unsafe { pthread_setname_np(me, long.as_ptr()) }, libc::ERANGE);
            assert_eq!(unsafe { pthread_setname_np(me, c"fifteen-bytes-x".as_ptr()) }, 0);
            assert_eq!(comm(), "fifteen-bytes-x");
            // As an integer: musl's pthread_t is a pointer, which is not Send.
            me as usize
        });
        let me = other.join().unwrap() as libc::pthread_t;
        // That thread has ended; its id no longer equals the caller's.
        assert_eq!(unsafe { pthread_setname_np(me, c"x".as_ptr()) }, libc::ENOTSUP);
    }
}
