// The kernel's and glibc's numbers that capexec passes to system calls, as in the Linux
// UAPI headers (x86_64 and arm64 agree on all of them). One place, so a reader checks
// them against <linux/prctl.h>, <fcntl.h> and <linux/capability.h> at a glance.

// Capability sets are 64-bit masks in the kernel ABI (two u32 words in capget v3).
export const MAX_CAP = 63;

// prctl(2)
export const PR_GET_KEEPCAPS = 7;
export const PR_SET_KEEPCAPS = 8;
export const PR_CAPBSET_READ = 23;
export const PR_CAPBSET_DROP = 24;
export const PR_GET_SECUREBITS = 27;
export const PR_SET_NO_NEW_PRIVS = 38;
export const PR_GET_NO_NEW_PRIVS = 39;
export const PR_CAP_AMBIENT = 47;
export const PR_CAP_AMBIENT_IS_SET = 1;
export const PR_CAP_AMBIENT_RAISE = 2;
export const PR_CAP_AMBIENT_LOWER = 3;
export const PR_CAP_AMBIENT_CLEAR_ALL = 4;

// capget(2)/capset(2): two 32-bit words per set, enough for capabilities 0..63.
export const LINUX_CAPABILITY_VERSION_3 = 0x20080522;

// struct vfs_cap_data / vfs_ns_cap_data: the security.capability attribute.
export const CAPABILITY_XATTR = 'security.capability';
export const VFS_CAP_REVISION_MASK = 0xff000000;
export const VFS_CAP_REVISION_1 = 0x01000000;
export const VFS_CAP_REVISION_2 = 0x02000000;
export const VFS_CAP_REVISION_3 = 0x03000000;
export const VFS_CAP_FLAGS_EFFECTIVE = 0x000001;

// fcntl(2)
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const FD_CLOEXEC = 1;

// open(2) flags
export const O_NONBLOCK = 0o4000;
// Opens a file only to name it: no read permission needed, nothing executed or locked.
export const O_PATH = 0o10000000;

// openat(2), execveat(2)
export const O_CLOEXEC = 0o2000000;
export const AT_EMPTY_PATH = 0x1000;

// memfd_create(2), and the seals fcntl(2) puts on it.
export const MFD_CLOEXEC = 0x0001;
export const MFD_ALLOW_SEALING = 0x0002;
export const F_ADD_SEALS = 1033;
export const F_SEAL_SEAL = 0x0001;
export const F_SEAL_SHRINK = 0x0002;
export const F_SEAL_GROW = 0x0004;
export const F_SEAL_WRITE = 0x0008;

// close_range(2)
export const CLOSE_RANGE_CLOEXEC = 1 << 2;

// Capabilities capexec itself uses to change a process's identity (<linux/capability.h>).
export const CAP_SETGID = 6;
export const CAP_SETUID = 7;
export const CAP_SETPCAP = 8;

// securebits(7): what PR_GET_SECUREBITS returns.
export const SECBIT_NOROOT = 1 << 0;

// getauxval(3)
export const AT_SECURE = 23;

// Signals, and pthread_sigmask(3)'s how.
export const SIGPIPE = 13;
export const SIGXFSZ = 25;
export const SIG_SETMASK = 2;

// syslog(3): facility and priorities.
export const LOG_AUTHPRIV = 10 << 3;
export const LOG_ALERT = 1;
export const LOG_NOTICE = 5;

// inode(7) mode bits
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_IXGRP = 0o0010;
export const S_ISVTX = 0o1000;
export const S_IWGRP = 0o0020;
export const S_IWOTH = 0o0002;
