import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareForExec, socketActivationFds, type FdTable } from '../../../src/exec/hygiene';
import { FakeLibc, fakeState } from '../../helpers/fake-libc';

const O_NONBLOCK = 0o4000;
const FD_CLOEXEC = 1;

// A process as Node leaves it: stdio close-on-exec, stdout switched to non-blocking; the
// caller's fds 3 and 4 close-on-exec like every fd up to 16, Node's own epoll at 5 (its
// first, in the caller's first gap, watching nothing yet), and the caller's fd 20 as
// it was passed.
const WATCHING = 'pos:\t0\nflags:\t02\nmnt_id:\t15\nino:\t1038\ntfd:        4 events:       19 data:                4  pos:0 ino:40e sdev:10\n';
const IDLE = 'pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1038\n';
function table(targets: Record<number, string>, infos: Record<number, string> = {}): FdTable {
  return {
    list: () => [0, 1, 2, ...Object.keys(targets).map(Number)],
    target: (fd) => targets[fd],
    info: (fd) => infos[fd] ?? (targets[fd] === undefined ? undefined : IDLE),
  };
}
const fdTable = table({ 3: '/dev/null', 4: 'socket:[7]', 5: 'anon_inode:[eventpoll]', 20: 'pipe:[9]' });

function fakeProcess(env: Record<string, string> = {}, closeRange = false, more: number[] = []) {
  const state = fakeState({
    env,
    closeRange,
    fds: new Map([[0, [FD_CLOEXEC, 0]], [1, [FD_CLOEXEC, 1 | O_NONBLOCK]], [2, [FD_CLOEXEC, 1]], [3, [FD_CLOEXEC, 0]], [4, [FD_CLOEXEC, 0]], [5, [FD_CLOEXEC, 0]], [20, [0, 0]], ...more.map((fd): [number, [number, number]] => [fd, [FD_CLOEXEC, 0]])]),
  });
  const flags = (which: 0 | 1) => new Map([...state.fds].map(([fd, both]) => [fd, both[which]]));
  return {
    libc: new FakeLibc(state),
    get fdFlags() { return flags(0); },
    get fileFlags() { return new Map([...flags(1)].filter(([fd]) => fd < 3)); },
    resetSignals: state.resetSignals,
    unblocked: () => state.signalsUnblocked,
  };
}

test('stdio gets the caller\'s blocking mode back and stays open across exec', () => {
  const proc = fakeProcess();
  prepareForExec(proc.libc, [0, 1, 1], 0, fdTable);
  assert.equal([...proc.fileFlags.values()], [0, 1, 1]);
  for (const fd of [0, 1, 2]) assert.is(proc.fdFlags.get(fd), 0, `fd ${fd}`);
});

test('a caller\'s own non-blocking stdio stays non-blocking', () => {
  const proc = fakeProcess();
  prepareForExec(proc.libc, [O_NONBLOCK, 1 | O_NONBLOCK, 1], 0, fdTable);
  assert.is(proc.fileFlags.get(0), O_NONBLOCK);
  assert.is(proc.fileFlags.get(1), 1 | O_NONBLOCK);
});

test('SIGPIPE and SIGXFSZ go back to their default action, and no signal stays blocked', () => {
  const proc = fakeProcess();
  prepareForExec(proc.libc, [0, 1, 1], 0, fdTable);
  assert.equal(proc.resetSignals.sort((a, b) => a - b), [13, 25]);
  assert.ok(proc.unblocked());
});

test('every fd above stdio is closed on exec but the kept ones', () => {
  const none = fakeProcess();
  prepareForExec(none.libc, [0, 1, 1], 0, fdTable);
  for (const fd of [3, 4, 5, 20]) assert.is(none.fdFlags.get(fd), FD_CLOEXEC, `fd ${fd}`);
  const two = fakeProcess();
  prepareForExec(two.libc, [0, 1, 1], 2, fdTable);
  assert.equal([3, 4, 5, 20].map((fd) => two.fdFlags.get(fd)), [0, 0, FD_CLOEXEC, FD_CLOEXEC]);
});

test('with close_range(), the same fds end up closed on exec', () => {
  for (const keep of [0, 2]) {
    const proc = fakeProcess({}, true);
    prepareForExec(proc.libc, [0, 1, 1], keep, fdTable);
    assert.equal([3, 4, 5, 20].map((fd) => proc.fdFlags.get(fd)), keep === 0 ? [1, 1, 1, 1] : [0, 0, 1, 1], `keep ${keep}`);
  }
});

test('a kept range reaching Node\'s first fd is refused', () => {
  const proc = fakeProcess();
  assert.throws(() => prepareForExec(proc.libc, [0, 1, 1], 3, fdTable), /^cannot keep fd 5 of 3-5: it is not the caller's but capexec's own anon_inode:\[eventpoll\]/);
  // Refused before anything changed.
  assert.is(proc.fdFlags.get(3), FD_CLOEXEC);
  assert.is(proc.fileFlags.get(1), 1 | O_NONBLOCK);
});

test('a kept fd that is not open is refused', () => {
  const proc = fakeProcess();
  const gap = table({ 3: '/dev/null', 5: 'anon_inode:[eventpoll]' });
  assert.throws(() => prepareForExec(proc.libc, [0, 1, 1], 2, gap), /^cannot keep fd 4 of 3-4: it is not open/);
});

test('the caller\'s own eventfd, io_uring, pipe and watching epoll are kept, whatever Node opened above them', () => {
  const callers = { 3: 'anon_inode:[eventfd]', 4: 'anon_inode:[io_uring]', 5: 'pipe:[9]', 6: 'anon_inode:[eventpoll]' };
  const nodes = { 7: 'anon_inode:[eventpoll]', 8: 'anon_inode:[io_uring]', 9: 'anon_inode:[eventfd]' };
  const proc = fakeProcess({}, false, [6, 7, 8, 9]);
  prepareForExec(proc.libc, [0, 1, 1], 4, table({ ...callers, ...nodes }, { 6: WATCHING }));
  assert.equal([3, 4, 5, 6, 7, 8, 9].map((fd) => proc.fdFlags.get(fd)), [0, 0, 0, 0, FD_CLOEXEC, FD_CLOEXEC, FD_CLOEXEC]);
});

test('an epoll of the caller\'s that watches nothing cannot be told from Node\'s, and is refused', () => {
  const proc = fakeProcess();
  assert.throws(() => prepareForExec(proc.libc, [0, 1, 1], 1, table({ 3: 'anon_inode:[eventpoll]', 4: 'anon_inode:[eventpoll]' })), /cannot keep fd 3 of 3-3/);
});

test('LISTEN_FDS counts only when LISTEN_PID is this process', () => {
  assert.is(socketActivationFds(fakeProcess({ LISTEN_PID: '42', LISTEN_FDS: '3' }).libc, 42), 3);
  assert.is(socketActivationFds(fakeProcess({ LISTEN_PID: '41', LISTEN_FDS: '3' }).libc, 42), 0);
  assert.is(socketActivationFds(fakeProcess({ LISTEN_PID: '42', LISTEN_FDS: '-1' }).libc, 42), 0);
  assert.is(socketActivationFds(fakeProcess({ LISTEN_PID: '42', LISTEN_FDS: '9999999' }).libc, 42), 0);
  assert.is(socketActivationFds(fakeProcess({ LISTEN_FDS: '3' }).libc, 42), 0);
});

test.run();
