import { CAP_SETGID, CAP_SETPCAP, CAP_SETUID, PR_CAPBSET_DROP, PR_CAPBSET_READ, PR_GET_KEEPCAPS, PR_GET_NO_NEW_PRIVS, PR_GET_SECUREBITS, PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS, SECBIT_NOROOT } from '../kernel/constants';
import type { Libc } from '../kernel/libc';
import { CapexecError, SyscallError, type ErrorCode } from '../support/errors';
import { decodeFileCaps, fileCapsText } from './file-caps';
import { capName, capsArgument, capsText } from './names';
import { capsIn, hasCap, maskOf, namesIn, type CapMask } from './sets';
import { clearAmbient, isAmbient, raiseAmbient, readCapState, writeCapState } from './state';

export interface Identity {
  uid: number;
  gid: number;
  groups: readonly number[];
}

export interface PrivilegeRequest {
  // The ids to switch to; undefined keeps uid 0 and shrinks only the capability sets.
  identity: Identity | undefined;
  caps: readonly number[];
  keepBounding: boolean;
  noNewPrivs: boolean;
  lastCap: number;
}

// Whether the kernel will treat the exec as root's, giving the command the whole
// bounding set whatever capexec holds (capabilities(7), "Capabilities and execution of
// programs by root"): a real or effective uid 0, unless SECBIT_NOROOT is set.
export function execRunsAsRoot(c: Libc): boolean {
  const [real, effective] = c.getresuid();
  return (real === 0 || effective === 0) && (c.prctl(PR_GET_SECUREBITS, 0, 0) & SECBIT_NOROOT) === 0;
}

// Before anything is looked up or changed: a caller without the capabilities the steps
// need gets one line and nothing happens. --user is root's alone, even for a copy given
// CAP_SETUID and CAP_SETGID as file capabilities: other users' launches answer to the
// policy, which a switch of user would bypass.
export function requirePrivileges(c: Libc, caps: readonly number[], steps: { switchesUser: boolean; keepBounding: boolean }): void {
  const { permitted } = readCapState(c);
  const lacking = (list: readonly number[]): number[] => list.filter((cap) => !hasCap(permitted, cap));
  if (steps.switchesUser) {
    const [realUid] = c.getresuid();
    if (realUid !== 0) {
      throw new CapexecError('user_switch_not_permitted', '--user needs root', `capexec runs as uid ${realUid}`, { fix: 'run capexec as root, e.g. as the container\'s entrypoint' });
    }
    const missing = lacking([CAP_SETGID, CAP_SETUID]);
    if (missing.length > 0) {
      throw new CapexecError('user_switch_not_permitted', '--user needs root', `capexec lacks ${capsText(missing)}`, { fix: 'run capexec as root, e.g. as the container\'s entrypoint' });
    }
  }
  if (!steps.keepBounding && !hasCap(permitted, CAP_SETPCAP)) {
    throw new CapexecError('bounding_not_permitted', 'cannot reduce the bounding set', `capexec lacks ${capName(CAP_SETPCAP)}`, {
      fix: !steps.switchesUser ? `start capexec where root holds ${capName(CAP_SETPCAP)}` : 'add --keep-bounding to leave the bounding set as it is',
    });
  }
  const missing = lacking(caps);
  if (missing.length > 0) {
    throw new CapexecError('caps_not_permitted', `cannot keep ${capsText(missing)}`, "not in capexec's permitted set: whoever started it withheld them", {
      fix: 'start capexec with them, e.g. docker run --cap-add',
    });
  }
}

// util-linux setpriv.c's order, forced by the kernel: each step needs a capability a
// later one removes. Keep-caps keeps the permitted set across the uid change, never the
// effective or the ambient set (commoncap.c, cap_emulate_setxuid), so CAP_SETPCAP is made
// effective again before the bounding set is dropped, and the ambient set is raised
// only after the uid change. Then every set is read back: the command runs only as asked.
export function dropPrivileges(c: Libc, request: PrivilegeRequest): void {
  const { identity, caps } = request;
  requirePrivileges(c, caps, { switchesUser: identity !== undefined, keepBounding: request.keepBounding });
  const wanted = maskOf(caps);
  const tools = maskOf([CAP_SETGID, CAP_SETUID, CAP_SETPCAP]);
  const before = readCapState(c);
  if (identity !== undefined) step('keep_caps_failed', 'cannot keep the capabilities across the uid change (prctl PR_SET_KEEPCAPS)', () => c.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
  step('capset_failed', 'cannot make cap_setgid, cap_setuid and cap_setpcap effective (capset)', () =>
    writeCapState(c, { ...before, effective: before.effective | (before.permitted & tools) }));
  if (identity !== undefined) {
    const { uid, gid, groups } = identity;
    step('setgroups_failed', () => `cannot set the supplementary groups to ${groups.length === 0 ? 'none' : groups.join(',')} (setgroups)`, () => c.setgroups(groups));
    step('setresgid_failed', () => `cannot change the gid to ${gid} (setresgid)`, () => c.setresgid(gid, gid, gid));
    step('setresuid_failed', () => `cannot change the uid to ${uid} (setresuid)`, () => c.setresuid(uid, uid, uid));
    const kept = readCapState(c);
    step('capset_failed', 'cannot make cap_setpcap effective again after the uid change (capset)', () =>
      writeCapState(c, { ...kept, effective: kept.permitted & tools }));
  }
  // Dropping a capability the bounding set lacks already succeeds: no need to ask first.
  if (!request.keepBounding) {
    for (let cap = 0; cap <= request.lastCap; cap++) {
      if (hasCap(wanted, cap)) continue;
      step('bounding_drop_failed', () => `cannot drop ${capName(cap)} from the bounding set (prctl PR_CAPBSET_DROP)`, () => c.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0));
    }
  }
  step('capset_failed', () => `cannot set the permitted, effective and inheritable sets to ${setText(wanted)} (capset)`, () =>
    writeCapState(c, { effective: wanted, permitted: wanted, inheritable: wanted }));
  step('ambient_not_cleared', 'cannot clear the ambient set (prctl PR_CAP_AMBIENT_CLEAR_ALL)', () => clearAmbient(c));
  for (const cap of caps) {
    step('ambient_raise_refused', () => `cannot raise ${capName(cap)} into the ambient set (prctl PR_CAP_AMBIENT_RAISE)`, () => raiseAmbient(c, cap));
  }
  if (identity !== undefined) step('keep_caps_failed', 'cannot clear keep-caps (prctl PR_SET_KEEPCAPS)', () => c.prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0));
  if (request.noNewPrivs) step('no_new_privs_failed', 'cannot set no_new_privs (prctl PR_SET_NO_NEW_PRIVS)', () => c.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
  verifyPrivileges(c, request);
}

// What the kernel now says, each set and id compared with the request. Any difference
// means a step did not do what it returned success for, and the command must not run.
export function verifyPrivileges(c: Libc, request: PrivilegeRequest): void {
  const wanted = maskOf(request.caps);
  const differences: string[] = [];
  const compare = (what: string, actual: string, expected: string): void => {
    if (actual !== expected) differences.push(`${what} ${actual}, not ${expected}`);
  };
  // Masks are compared as numbers and put in words only when they differ.
  const compareSet = (what: string, actual: CapMask): void => {
    if (actual !== wanted) compare(what, setText(actual), setText(wanted));
  };
  const read = <T>(call: () => T): T => step('privileges_not_as_asked', 'cannot read the process state back', call);
  if (request.identity !== undefined) {
    const { uid, gid, groups } = request.identity;
    compare('uids', read(() => c.getresuid()).join(' '), `${uid} ${uid} ${uid}`);
    compare('gids', read(() => c.getresgid()).join(' '), `${gid} ${gid} ${gid}`);
    compare('groups', groupsText([...new Set(read(() => c.getgroups()))].sort((a, b) => a - b)), groupsText(groups));
    compare('keep-caps', String(read(() => c.prctl(PR_GET_KEEPCAPS, 0, 0))), '0');
  }
  const state = read(() => readCapState(c));
  compareSet('permitted', state.permitted);
  compareSet('effective', state.effective);
  compareSet('inheritable', state.inheritable);
  // The kernel keeps the ambient set within the permitted and inheritable sets, just
  // compared with the request: only requested capabilities can be ambient, so only they
  // are asked about.
  compareSet('ambient', maskOf(request.caps.filter((cap) => read(() => isAmbient(c, cap)))));
  if (!request.keepBounding) compareSet('bounding', readEachCap(request.lastCap, (cap) => read(() => inBounding(c, cap))));
  if (request.noNewPrivs) compare('no_new_privs', String(read(() => c.prctl(PR_GET_NO_NEW_PRIVS, 0, 0))), '1');
  if (differences.length > 0) {
    throw new CapexecError('privileges_not_as_asked', 'not running the command', `after the changes, ${differences.join('; ')}`);
  }
}

function inBounding(c: Libc, cap: number): boolean {
  return c.prctl(PR_CAPBSET_READ, cap, 0, 0, 0) === 1;
}

function readEachCap(lastCap: number, isSet: (cap: number) => boolean): CapMask {
  let mask = 0n;
  for (let cap = 0; cap <= lastCap; cap++) if (isSet(cap)) mask |= 1n << BigInt(cap);
  return mask;
}

function setText(mask: CapMask): string {
  return capsIn(mask).length === 0 ? 'empty' : namesIn(mask).join(',');
}

function groupsText(groups: readonly number[]): string {
  return groups.length === 0 ? 'none' : groups.join(',');
}

// A refused step is one line naming it, and the process has not exec'd.
// A message with values in it is written only for a step that failed: a drop makes some
// eighty steps, and their words would cost more than their system calls.
function step<T>(code: ErrorCode, what: string | (() => string), call: () => T): T {
  try {
    return call();
  } catch (error) {
    if (!(error instanceof SyscallError)) throw error;
    throw new CapexecError(code, typeof what === 'string' ? what : what(), error.description, { cause: error });
  }
}

// A file whose capabilities are marked effective runs only when it gets every one it
// names (commoncap.c, bprm_caps_from_vfs_caps); otherwise execve() fails with EPERM. With
// the bounding and inheritable sets shrunk to the request, that is the usual reason an
// exec after the drop is refused, and the fix is the file's own capabilities.
function starvedFileCaps(attribute: Buffer | undefined, caps: readonly number[]): { text: string; missing: number[] } | undefined {
  const file = attribute === undefined ? undefined : decodeFileCaps(attribute);
  if (file === undefined || !file.effective) return undefined;
  const missing = capsIn(file.permitted & ~maskOf(caps));
  return missing.length === 0 ? undefined : { text: fileCapsText(file), missing };
}

// An exec the kernel refused with EPERM, of a file whose effective capabilities the
// shrunken sets leave out, says so, rather than only "Operation not permitted".
export function execAfterDrop(exec: () => never, command: { capability: Buffer | undefined }, caps: readonly number[], switchedUser: boolean): never {
  try {
    return exec();
  } catch (error) {
    const refused = error instanceof CapexecError && error.cause instanceof SyscallError && error.cause.code === 'EPERM';
    const starved = refused ? starvedFileCaps(command.capability, caps) : undefined;
    if (!(error instanceof CapexecError) || starved === undefined) throw error;
    const names = capsText(starved.missing);
    throw new CapexecError(error.code, error.what, `its file capabilities are ${starved.text}, and the kernel runs such a file only with all of them; ${names} ${starved.missing.length === 1 ? 'is' : 'are'} not requested`, {
      exitCode: error.exitCode,
      cause: error,
      fix: `add --cap ${capsArgument(starved.missing)}${switchedUser ? ', or --keep-bounding' : ''}`,
    });
  }
}
