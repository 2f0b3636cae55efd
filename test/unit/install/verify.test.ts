import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { maskOf } from '../../../src/caps/sets';
import type { MountEntry } from '../../../src/kernel/proc-parse';
import { failureHint, runProblem, type FinishedRun } from '../../../src/install/verify';

const NET_ADMIN = 12;
const NET_RAW = 13;

const ran = (fields: Partial<FinishedRun>): FinishedRun => ({
  error: undefined, status: 0, signal: null, stdout: '', stderr: '', ...fields,
});
const status = (ambient: string) => `Name:\tcat\nCapInh:\t0000000000001000\nCapAmb:\t${ambient}\n`;

test('a helper with exactly the requested ambient set passes', () => {
  assert.is(runProblem(ran({ stdout: status('0000000000001000') }), maskOf([NET_ADMIN])), undefined);
});

test('a helper with another ambient set fails, naming both', () => {
  assert.is(runProblem(ran({ stdout: status('0000000000003000') }), maskOf([NET_ADMIN])),
    "the helper's ambient set is cap_net_admin,cap_net_raw, not cap_net_admin");
  assert.is(runProblem(ran({ stdout: status('0000000000000000') }), maskOf([NET_ADMIN])),
    "the helper's ambient set is empty, not cap_net_admin");
  assert.is(runProblem(ran({ stdout: 'Name:\tcat\n' }), maskOf([NET_ADMIN])), 'the helper printed no CapAmb line');
});

test("capexec's own complaint is passed on, escaped", () => {
  const stderr = "capexec: cannot pass cap_net_admin: not in capexec's permitted set\x1b[1m\nmore\n";
  assert.is(runProblem(ran({ status: 125, stderr }), maskOf([NET_ADMIN])),
    "it says: cannot pass cap_net_admin: not in capexec's permitted set\\x1b[1m");
  assert.is(runProblem(ran({ status: 125 }), maskOf([NET_ADMIN])), 'exit status 125');
  assert.is(runProblem(ran({ status: null, signal: 'SIGKILL' }), maskOf([NET_ADMIN])), 'killed by SIGKILL');
});

test('a run that could not start says why', () => {
  const error = Object.assign(new Error('spawnSync /x EACCES'), { code: 'EACCES' });
  assert.is(runProblem(ran({ error, status: null }), maskOf([NET_ADMIN])), 'cannot run it (EACCES)');
});

const mount = (mountPoint: string, options: string[], mountId = 1): MountEntry => ({ mountId, mountPoint, options, fsType: 'ext4', source: '/dev/x' });

test('the hint names a nosuid mount first, then caps outside the bounding set, never what was rolled back', () => {
  const nosuid = failureHint('/opt/x', [NET_ADMIN], mount('/opt', ['rw', 'nosuid']), maskOf([NET_RAW]));
  assert.is(nosuid, '/opt/x is on a nosuid mount (/opt), where the kernel ignores file capabilities: install under another prefix');
  assert.is(failureHint('/opt/x', [NET_ADMIN, NET_RAW], mount('/', ['rw']), maskOf([NET_RAW])),
    "cap_net_admin not in this system's bounding set, so no file can grant it");
  assert.match(failureHint('/opt/x', [NET_ADMIN], undefined, maskOf([NET_ADMIN])), /security module/);
});

test.run();
