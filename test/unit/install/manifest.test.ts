import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FILES } from '../../../src/install/layout';
import { describeChanges, parseManifest, serializeManifest, type Manifest } from '../../../src/install/manifest';

const SHA = 'a'.repeat(64);
const manifest: Manifest = {
  caps: 'cap_net_admin+p',
  group: 'netdev',
  createdDirectories: ['libexec/capexec', 'libexec'],
  files: {
    [FILES.link]: { symlink: '/opt/x/libexec/capexec/capexec' },
    [FILES.executable]: { sha256: SHA },
  },
  policy: undefined,
};

test('a manifest survives writing and reading, in a stable order', () => {
  const text = serializeManifest(manifest);
  const read = parseManifest(text);
  assert.equal(read, { ...manifest, createdDirectories: ['libexec', 'libexec/capexec'], files: manifest.files });
  assert.ok(!('error' in read) && serializeManifest(read) === text);
  assert.ok(text.indexOf(FILES.executable) < text.indexOf(FILES.link));
});

test('no group is recorded as null and read as undefined', () => {
  const text = serializeManifest({ ...manifest, group: undefined });
  assert.match(text, /"group": null/);
  const read = parseManifest(text);
  assert.ok(!('error' in read) && read.group === undefined);
});

function rejects(change: Record<string, unknown>, why: RegExp): void {
  const value = { ...JSON.parse(serializeManifest(manifest)) as Record<string, unknown>, ...change };
  const read = parseManifest(JSON.stringify(value));
  assert.ok('error' in read, JSON.stringify(change));
  assert.match((read as { error: string }).error, why);
}

test('the installed policy is recorded by its content only; a manifest from before it has none', () => {
  const text = serializeManifest({ ...manifest, policy: { sha256: SHA } });
  assert.equal(parseManifest(text), { ...manifest, createdDirectories: ['libexec', 'libexec/capexec'], policy: { sha256: SHA } });
  const older = JSON.parse(serializeManifest(manifest)) as Record<string, unknown>;
  delete older['policy'];
  assert.equal(parseManifest(JSON.stringify(older)), { ...manifest, createdDirectories: ['libexec', 'libexec/capexec'] });
  rejects({ policy: { sha256: 'abc' } }, /bad entry for the policy/);
  rejects({ policy: { sha256: SHA, path: '/etc/shadow' } }, /bad entry for the policy/);
  rejects({ policy: '/etc/shadow' }, /bad entry for the policy/);
});

test('nothing outside the fixed layout is accepted', () => {
  rejects({ createdDirectories: ['etc'] }, /outside the layout/);
  rejects({ createdDirectories: ['../..'] }, /outside the layout/);
  rejects({ files: { '/etc/passwd': { sha256: SHA } } }, /outside the layout: \/etc\/passwd/);
  rejects({ files: { 'bin/../../etc/shadow': { sha256: SHA } } }, /outside the layout/);
});

test('a name from a damaged manifest is escaped before it reaches the terminal', () => {
  const read = parseManifest(JSON.stringify({ ...JSON.parse(serializeManifest(manifest)) as object, files: { 'x\x1b]0;owned\x07\n': { sha256: SHA } } }));
  assert.equal(read, { error: 'names a file outside the layout: x\\x1b]0;owned\\x07\\x0a' });
});

test('damaged entries are rejected', () => {
  assert.equal(parseManifest('{'), { error: 'not valid JSON' });
  assert.match((parseManifest('[]') as { error: string }).error, /not a capexec-install-manifest\/1 file/);
  rejects({ format: 'capexec-install-manifest/2' }, /not a capexec-install-manifest/);
  rejects({ caps: 12 }, /no caps/);
  rejects({ group: 5 }, /group/);
  rejects({ files: [] }, /no files/);
  rejects({ files: { [FILES.addon]: { sha256: 'abc' } } }, /bad entry/);
  rejects({ files: { [FILES.addon]: { sha256: SHA, symlink: '/x' } } }, /bad entry/);
  rejects({ files: { [FILES.link]: { symlink: 'relative' } } }, /bad entry/);
});

test('a reinstall says what it changed, or that it changed nothing', () => {
  assert.equal(describeChanges(manifest, manifest), ['unchanged: the same files, cap_net_admin, group netdev, as installed before']);
  const fewer = { ...manifest, caps: 'cap_net_admin+p' };
  assert.equal(describeChanges({ ...manifest, caps: 'cap_net_admin,cap_net_raw+p' }, fewer), ['changed caps: was cap_net_admin,cap_net_raw, now cap_net_admin']);
  assert.equal(describeChanges(manifest, { ...manifest, group: undefined }), ['changed group: was netdev, now none']);
  const rebuilt = { ...manifest, files: { ...manifest.files, [FILES.executable]: { sha256: 'b'.repeat(64) } } };
  assert.equal(describeChanges(manifest, { ...rebuilt, group: '\x1b[2J' }), ['changed group: was netdev, now \\x1b[2J', `changed content: ${FILES.executable}`]);
  const required = { ...manifest, policy: { sha256: SHA } };
  assert.equal(describeChanges(manifest, required), ['changed policy: now required']);
  assert.equal(describeChanges(required, { ...manifest, policy: { sha256: 'b'.repeat(64) } }), ['changed policy: new rules']);
  assert.equal(describeChanges(required, manifest), ['changed policy: no longer required']);
});

test.run();
