//! Starting a task's process without copying Keelson.
//!
//! A task's private `/tmp` needs code between fork and exec (unshare,
//! mount, chdir). With `std`'s `pre_exec` that means a real `fork()`:
//! the kernel copies Keelson's page tables for every task and the two
//! processes then fault on each other's pages until the exec, which
//! measured as about two thirds of `keelson run`'s time on a wide DAG of
//! no-op tasks (docs/performance.md). Here the child is created with
//! `clone(CLONE_VM | CLONE_VFORK)`, as `posix_spawn` does: it borrows
//! Keelson's memory, runs a few system calls on a stack of its own while
//! the calling thread waits, and execs. Its exit is awaited through a
//! pidfd.
//!
//! The child shares memory with a running multi-threaded process, so it
//! may only make system calls on data prepared before the clone: no
//! allocation, no locks, no Rust code that could panic.

use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use tokio::io::unix::AsyncFd;
use tokio::net::unix::pipe;

use super::sandbox::Setup;

/// What to start.
pub struct Command<'a> {
    pub program: &'a std::path::Path,
    pub argv: &'a [String],
    pub env: &'a [(String, String)],
    /// The private `/tmp` and working directory to enter, or only a
    /// working directory on the host.
    pub setup: Option<&'a Setup>,
    pub cwd_host: &'a std::path::Path,
}

/// A started process: the leader of its own process group.
pub struct Child {
    pub pid: libc::pid_t,
    pidfd: AsyncFd<OwnedFd>,
    pub stdout: Option<pipe::Receiver>,
    pub stderr: Option<pipe::Receiver>,
    reaped: bool,
}

/// Everything the child reads, prepared before the clone.
struct ChildContext<'a> {
    program: &'a CString,
    argv: *const *const libc::c_char,
    envp: *const *const libc::c_char,
    setup: Option<&'a Setup>,
    cwd: &'a CString,
    stdin: RawFd,
    stdout: RawFd,
    stderr: RawFd,
    /// Where the child reports why it could not exec (an errno).
    report: RawFd,
    /// The signal mask to restore before exec.
    mask: libc::sigset_t,
}

const STACK_SIZE: usize = 64 * 1024;

pub fn spawn(cmd: &Command<'_>) -> io::Result<Child> {
    let cstr =
        |b: &[u8]| CString::new(b).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e));
    let program = cstr(cmd.program.as_os_str().as_bytes())?;
    let argv: Vec<CString> =
        cmd.argv.iter().map(|a| cstr(a.as_bytes())).collect::<Result<_, _>>()?;
    let envp: Vec<CString> = cmd
        .env
        .iter()
        .map(|(k, v)| cstr(format!("{k}={v}").as_bytes()))
        .collect::<Result<_, _>>()?;
    let cwd = cstr(cmd.cwd_host.as_os_str().as_bytes())?;
    let mut argv_ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    argv_ptrs.push(std::ptr::null());
    let mut envp_ptrs: Vec<*const libc::c_char> = envp.iter().map(|e| e.as_ptr()).collect();
    envp_ptrs.push(std::ptr::null());

    let (out_r, out_w) = pipe_pair()?;
    let (err_r, err_w) = pipe_pair()?;
    let (report_r, report_w) = pipe_pair()?;
    // SAFETY: a NUL-terminated path; the descriptor is owned at once.
    let null = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
    if null < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `null` is a fresh descriptor nobody else owns.
    let null = unsafe { OwnedFd::from_raw_fd(null) };

    // Block every signal while the child shares our memory: a handler of
    // ours must not run on its stack. It restores the mask before exec.
    // SAFETY: sigset_t is plain data, initialised by the calls below.
    let mut all: libc::sigset_t = unsafe { std::mem::zeroed() };
    let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointers to sigset_t values on this stack.
    unsafe {
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
    }
    let ctx = ChildContext {
        program: &program,
        argv: argv_ptrs.as_ptr(),
        envp: envp_ptrs.as_ptr(),
        setup: cmd.setup,
        cwd: &cwd,
        stdin: null.as_raw_fd(),
        stdout: out_w.as_raw_fd(),
        stderr: err_w.as_raw_fd(),
        report: report_w.as_raw_fd(),
        mask: old,
    };
    let mut stack = vec![0u8; STACK_SIZE];
    // The stack grows down; keep its top 16-byte aligned.
    let top = (stack.as_mut_ptr() as usize + STACK_SIZE) & !15;
    // SAFETY: `child_main` only makes system calls on `ctx`, which lives
    // on this frame; with CLONE_VFORK this thread is suspended until the
    // child has exec'd or exited, so `ctx` and `stack` outlive its use.
    let pid = unsafe {
        libc::clone(
            child_main,
            top as *mut libc::c_void,
            libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD,
            (&ctx as *const ChildContext<'_>).cast_mut().cast(),
        )
    };
    let clone_error = io::Error::last_os_error();
    // SAFETY: restores the mask saved above.
    unsafe {
        libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
    }
    drop(stack);
    drop((out_w, err_w, report_w, null));
    if pid < 0 {
        return Err(clone_error);
    }
    // The exec closed the report pipe; four bytes in it are an errno.
    let mut errno = [0u8; 4];
    // SAFETY: reading into a 4-byte buffer from a descriptor we own.
    let n = unsafe { libc::read(report_r.as_raw_fd(), errno.as_mut_ptr().cast(), 4) };
    if n == 4 {
        reap_blocking(pid);
        return Err(io::Error::from_raw_os_error(i32::from_ne_bytes(errno)));
    }
    // SAFETY: pidfd_open has no memory preconditions.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    if fd < 0 {
        let e = io::Error::last_os_error();
        // SAFETY: kill has no memory preconditions.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        reap_blocking(pid);
        return Err(io::Error::new(e.kind(), format!("pidfd_open (Linux ≥ 5.3 is needed): {e}")));
    }
    // SAFETY: a fresh descriptor from pidfd_open.
    let pidfd = unsafe { OwnedFd::from_raw_fd(fd as RawFd) };
    // SAFETY: an OwnedFd stays open, and is the same descriptor, for as
    // long as the AsyncFd owns it.
    let pidfd = unsafe { AsyncFd::register_with_interest(pidfd, tokio::io::Interest::READABLE) }
        .map_err(|e| e.into_parts().1)?;
    Ok(Child {
        pid,
        pidfd,
        stdout: Some(pipe::Receiver::from_owned_fd(out_r)?),
        stderr: Some(pipe::Receiver::from_owned_fd(err_r)?),
        reaped: false,
    })
}

impl Child {
    /// Wait for the process to exit, and reap it.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        loop {
            if let Some(status) = self.try_reap()? {
                return Ok(status);
            }
            let mut guard = self.pidfd.readable().await?;
            guard.clear_ready();
        }
    }

    fn try_reap(&mut self) -> io::Result<Option<ExitStatus>> {
        let mut status: libc::c_int = 0;
        // SAFETY: a valid pointer to an int; WNOHANG never blocks.
        let r = unsafe { libc::waitpid(self.pid, &mut status, libc::WNOHANG) };
        match r {
            0 => Ok(None),
            r if r == self.pid => {
                self.reaped = true;
                Ok(Some(ExitStatus::from_raw(status)))
            }
            _ => Err(io::Error::last_os_error()),
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        if !self.reaped {
            // Like tokio's kill_on_drop: the task must not outlive us.
            // SAFETY: kill and waitpid have no memory preconditions.
            unsafe {
                libc::kill(-self.pid, libc::SIGKILL);
                libc::waitpid(self.pid, std::ptr::null_mut(), libc::WNOHANG);
            }
        }
    }
}

fn pipe_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: a valid two-element array.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fresh descriptors, owned from here on.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

fn reap_blocking(pid: libc::pid_t) {
    // SAFETY: the child has exited or is about to (it failed to exec).
    unsafe { libc::waitpid(pid, std::ptr::null_mut(), 0) };
}

/// The child: runs on its own stack in our memory until it execs.
extern "C" fn child_main(arg: *mut libc::c_void) -> libc::c_int {
    // SAFETY: `arg` is the `ChildContext` the parent keeps alive (it is
    // suspended until we exec or exit).
    let ctx = unsafe { &*(arg as *const ChildContext<'_>) };
    let errno = match child_setup(ctx) {
        Ok(()) => {
            // SAFETY: NUL-terminated strings and NULL-terminated arrays
            // prepared by the parent.
            unsafe { libc::execve(ctx.program.as_ptr(), ctx.argv, ctx.envp) };
            io::Error::last_os_error().raw_os_error().unwrap_or(libc::EIO)
        }
        Err(e) => e.raw_os_error().unwrap_or(libc::EIO),
    };
    let bytes = errno.to_ne_bytes();
    // SAFETY: writing a 4-byte buffer, then leaving without running any
    // of the parent's exit handlers.
    unsafe {
        libc::write(ctx.report, bytes.as_ptr().cast(), 4);
        libc::_exit(127)
    }
}

/// Between clone and exec: only async-signal-safe system calls.
fn child_setup(ctx: &ChildContext<'_>) -> io::Result<()> {
    let check = |r: libc::c_int| if r < 0 { Err(io::Error::last_os_error()) } else { Ok(()) };
    // SAFETY: plain system calls on descriptors and data the parent
    // prepared; nothing allocates.
    unsafe {
        // Handlers of ours must not run here: back to the defaults, then
        // the mask the parent had.
        for sig in 1..32 {
            let mut action: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, std::ptr::null(), &mut action) == 0
                && action.sa_sigaction != libc::SIG_DFL
                && action.sa_sigaction != libc::SIG_IGN
            {
                libc::signal(sig, libc::SIG_DFL);
            }
        }
        check(libc::setpgid(0, 0))?;
        // A task must not outlive a keelson that dies (kill -9, a crash):
        // the restarted server marks it lost and may run it again. (The
        // "parent" is the runtime's worker thread, which lives as long.)
        check(libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong, 0, 0, 0))?;
        check(libc::dup2(ctx.stdin, 0))?;
        check(libc::dup2(ctx.stdout, 1))?;
        check(libc::dup2(ctx.stderr, 2))?;
        match ctx.setup {
            Some(setup) => setup.enter()?,
            None => check(libc::chdir(ctx.cwd.as_ptr()))?,
        }
        libc::pthread_sigmask(libc::SIG_SETMASK, &ctx.mask, std::ptr::null_mut());
    }
    Ok(())
}
