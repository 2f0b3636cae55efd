import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkAmbientLocked } from '../../../src/diagnose/checks/ambient-locked';
import { checkBounding } from '../../../src/diagnose/checks/bounding';
import { checkFileCapsRootid } from '../../../src/diagnose/checks/file-caps-rootid';
import { checkNoAmbientSupport } from '../../../src/diagnose/checks/no-ambient-support';
import { checkNoFileCaps } from '../../../src/diagnose/checks/no-file-caps';
import { checkNoNewPrivs } from '../../../src/diagnose/checks/no-new-privs';
import { checkNosuid } from '../../../src/diagnose/checks/nosuid';
import { checkTraced } from '../../../src/diagnose/checks/traced';
import { checkUserNamespace } from '../../../src/diagnose/checks/user-namespace';
import { CHECKS, diagnose } from '../../../src/diagnose/diagnose';
import type { Finding } from '../../../src/diagnose/findings';
import { ALL_CAPS, bit, facts, mount, NET_ADMIN, NET_RAW, xattrV2, xattrV3, type FactsPatch } from '../../fixtures/facts';

const ids = (findings: Finding[]): string[] => findings.map((finding) => finding.id);
// capexec came up without the capability it was given on its file.
const notPermitted = (patch: FactsPatch = {}) => facts({ ...patch, process: { permitted: 0n, ...patch.process } });

test('a healthy installation has no findings at all', () => {
  assert.equal(diagnose(facts()), { ok: true, missing: [], findings: [] });
});

test('nosuid: only the executable\'s own mount counts, and only when a cap is missing', () => {
  const nosuidMount = mount({ mountPoint: '/home', options: ['rw', 'nosuid', 'nodev'] });
  const found = checkNosuid(notPermitted({ executable: { mount: nosuidMount } }));
  assert.equal(ids(found), ['nosuid']);
  assert.is(found[0]?.severity, 'error');
  assert.match(found[0]?.message ?? '', /\/home \(ext4\), mounted nosuid/);
  assert.equal(checkNosuid(facts({ executable: { mount: nosuidMount } })), []);
  assert.equal(checkNosuid(notPermitted()), []);
  assert.equal(checkNosuid(notPermitted({ executable: { mount: undefined } })), []);
});

test('traced: a tracer while a cap is missing', () => {
  assert.equal(ids(checkTraced(notPermitted({ process: { permitted: 0n, tracerPid: 4100 } }))), ['traced']);
  assert.match(checkTraced(notPermitted({ process: { permitted: 0n, tracerPid: 4100 } }))[0]?.message ?? '', /process 4100/);
  assert.equal(checkTraced(facts({ process: { tracerPid: 4100 } })), []);
  assert.equal(checkTraced(notPermitted()), []);
});

test('no_new_privs: blamed only when the file grants what is missing', () => {
  assert.equal(ids(checkNoNewPrivs(notPermitted({ process: { permitted: 0n, noNewPrivs: true } }))), ['no_new_privs']);
  // Granted anyway: the kernel did not let no_new_privs stop it.
  assert.equal(checkNoNewPrivs(facts({ process: { noNewPrivs: true } })), []);
  // The file does not grant it: that is no_file_caps, not no_new_privs.
  const noAttribute = { capability: { errno: 'ENODATA' } };
  assert.equal(checkNoNewPrivs(notPermitted({ process: { permitted: 0n, noNewPrivs: true }, executable: noAttribute })), []);
  assert.equal(checkNoNewPrivs(notPermitted()), []);
});

test('no_file_caps: no attribute at all', () => {
  const [finding] = checkNoFileCaps(notPermitted({ executable: { capability: { errno: 'ENODATA' } } }));
  assert.is(finding?.id, 'no_file_caps');
  assert.is(finding?.severity, 'error');
  assert.match(finding?.message ?? '', /has no file capabilities/);
  assert.is(finding?.fix, 'as root: setcap cap_net_admin+p /usr/local/libexec/capexec/capexec');
});

test('no_file_caps: an attribute without the requested cap; the fix keeps what it has', () => {
  const [finding] = checkNoFileCaps(notPermitted({ requested: [NET_ADMIN], executable: { capability: { bytes: xattrV2(bit(NET_RAW)) } } }));
  assert.is(finding?.id, 'no_file_caps');
  assert.match(finding?.message ?? '', /has file capabilities cap_net_raw\+p, without cap_net_admin/);
  assert.is(finding?.fix, 'as root: setcap cap_net_admin,cap_net_raw+p /usr/local/libexec/capexec/capexec');
});

test('no_file_caps: a cap only in the file\'s inheritable set needs the process\'s too', () => {
  const fileInheritable = { capability: { bytes: xattrV2(0n, bit(NET_ADMIN)) } };
  assert.equal(ids(checkNoFileCaps(notPermitted({ executable: fileInheritable }))), ['no_file_caps']);
  assert.equal(checkNoFileCaps(notPermitted({ executable: fileInheritable, process: { permitted: 0n, inheritable: bit(NET_ADMIN) } })), []);
});

test('no_file_caps: unreadable, malformed, and capexec on Node', () => {
  const unsupported = checkNoFileCaps(notPermitted({ executable: { capability: { errno: 'EOPNOTSUPP' } } }));
  assert.match(unsupported[0]?.message ?? '', /getxattr: EOPNOTSUPP, its filesystem has none/);
  const malformed = checkNoFileCaps(notPermitted({ executable: { capability: { bytes: Buffer.alloc(7) } } }));
  assert.match(malformed[0]?.message ?? '', /malformed security.capability attribute \(7 bytes\)/);
  const onNode = checkNoFileCaps(notPermitted({ executable: { standalone: false, path: Buffer.from('/usr/bin/node') } }));
  assert.equal(ids(onNode), ['no_file_caps']);
  assert.match(onNode[0]?.message ?? '', /runs as a script on Node \(\/usr\/bin\/node\)/);
  assert.not.match(onNode[0]?.fix ?? '', /setcap \S+ \/usr\/bin\/node/);
});

test('no_file_caps: nothing when the attribute grants it or nothing is missing', () => {
  assert.equal(checkNoFileCaps(notPermitted()), []);
  assert.equal(checkNoFileCaps(facts({ executable: { capability: { errno: 'ENODATA' } } })), []);
  // EOVERFLOW means an attribute for another namespace's root: file_caps_rootid's case.
  assert.equal(checkNoFileCaps(notPermitted({ executable: { capability: { errno: 'EOVERFLOW' } } })), []);
});

test('file_caps_rootid: a revision 3 attribute for a root uid that is not root here', () => {
  const v3 = { capability: { bytes: xattrV3(bit(NET_ADMIN), 1000) } };
  const [finding] = checkFileCapsRootid(notPermitted({ executable: v3 }));
  assert.is(finding?.id, 'file_caps_rootid');
  assert.match(finding?.message ?? '', /for root uid 1000/);
  // It grants the cap, so the attribute's content is not what is wrong.
  assert.equal(checkNoFileCaps(notPermitted({ executable: v3 })), []);
  assert.equal(ids(checkFileCapsRootid(notPermitted({ executable: { capability: { errno: 'EOVERFLOW' } } }))), ['file_caps_rootid']);
  const child = [{ inside: 0, outside: 100000, count: 1000 }, { inside: 1000, outside: 0, count: 1 }];
  assert.equal(checkFileCapsRootid(notPermitted({ executable: v3, process: { permitted: 0n, uidMap: child } })), []);
  assert.equal(checkFileCapsRootid(facts({ executable: v3 })), []);
  assert.equal(checkFileCapsRootid(notPermitted()), []);
});

test('bounding: a requested cap outside the bounding set, even when permitted', () => {
  const dropped = ALL_CAPS & ~bit(NET_ADMIN);
  const found = checkBounding(facts({ requested: [NET_ADMIN, NET_RAW], process: { bounding: dropped, permitted: bit(NET_ADMIN) | bit(NET_RAW) } }));
  assert.equal(ids(found), ['bounding']);
  assert.match(found[0]?.message ?? '', /lacks cap_net_admin, so/);
  assert.not.match(found[0]?.message ?? '', /net_raw/);
  // Already inheritable, it can still be raised.
  assert.equal(checkBounding(facts({ process: { bounding: dropped, inheritable: bit(NET_ADMIN) } })), []);
  assert.equal(checkBounding(facts()), []);
});

test('ambient_locked: the securebit, locked or not', () => {
  const unlocked = checkAmbientLocked(facts({ process: { securebits: 0x40 } }));
  assert.equal(ids(unlocked), ['ambient_locked']);
  assert.match(unlocked[0]?.message ?? '', /0x40, unlocked/);
  assert.match(checkAmbientLocked(facts({ process: { securebits: 0xc0 } }))[0]?.message ?? '', /0xc0, locked/);
  // Only its lock bit, or other bits, do not stop a raise.
  assert.equal(checkAmbientLocked(facts({ process: { securebits: 0x80 | 0x2f } })), []);
});

test('no_ambient_support: PR_CAP_AMBIENT fails with EINVAL on kernels before 4.3', () => {
  const old = facts({ process: { ambientProbe: { ok: false, errno: 'EINVAL' } } });
  assert.equal(ids(checkNoAmbientSupport(old)), ['no_ambient_support']);
  assert.is(diagnose(old).ok, false);
  assert.equal(checkNoAmbientSupport(facts({ process: { ambientProbe: { ok: false, errno: 'EPERM' } } })), []);
  assert.equal(checkNoAmbientSupport(facts()), []);
});

test('user_namespace: any map but the identity one, as a warning', () => {
  const child = facts({ process: { uidMap: [{ inside: 0, outside: 1000, count: 1 }] } });
  const found = checkUserNamespace(child);
  assert.equal(ids(found), ['user_namespace']);
  assert.is(found[0]?.severity, 'warning');
  assert.match(found[0]?.message ?? '', /uid_map: 0 1000 1/);
  assert.is(diagnose(child).ok, true);
  assert.equal(checkUserNamespace(facts()), []);
});

test('diagnose: several causes are all reported, in order', () => {
  const everything = notPermitted({
    process: { permitted: 0n, tracerPid: 7, securebits: 0x40, uidMap: [{ inside: 0, outside: 1000, count: 1 }] },
    executable: { mount: mount({ options: ['rw', 'nosuid'] }), capability: { errno: 'ENODATA' } },
  });
  const diagnosis = diagnose(everything);
  assert.equal(ids(diagnosis.findings), ['nosuid', 'traced', 'no_file_caps', 'ambient_locked', 'user_namespace']);
  assert.equal(diagnosis.missing, [NET_ADMIN]);
  assert.is(diagnosis.ok, false);
});

test('diagnose: a missing cap is never ok, even when no check knows why', () => {
  const diagnosis = diagnose(notPermitted(), []);
  assert.equal(diagnosis, { ok: false, missing: [NET_ADMIN], findings: [] });
  assert.is(CHECKS.length, 13);
});

test.run();
