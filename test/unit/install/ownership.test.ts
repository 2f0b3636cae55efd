import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FILES, type InstalledFile } from '../../../src/install/layout';
import type { Manifest } from '../../../src/install/manifest';
import { foreignFiles, planRemoval, type FoundContent } from '../../../src/install/ownership';

const manifest: Manifest = {
  caps: 'cap_net_admin+p',
  group: undefined,
  createdDirectories: [],
  files: {
    [FILES.executable]: { sha256: '1'.repeat(64) },
    [FILES.addon]: { sha256: '2'.repeat(64) },
    [FILES.manPage]: { sha256: '3'.repeat(64) },
    [FILES.link]: { symlink: '/opt/x/libexec/capexec/capexec' },
  },
  policy: undefined,
};

const found = (entries: Partial<Record<InstalledFile, FoundContent>>) => (file: InstalledFile): FoundContent => entries[file] ?? { missing: true };

test('files still as installed are removed; missing ones are already gone', () => {
  const plan = planRemoval(manifest, found({
    [FILES.executable]: { sha256: '1'.repeat(64) },
    [FILES.link]: { symlink: '/opt/x/libexec/capexec/capexec' },
  }));
  assert.equal(plan, [
    { file: FILES.executable, action: 'remove' },
    { file: FILES.addon, action: 'gone' },
    { file: FILES.manPage, action: 'gone' },
    { file: FILES.link, action: 'remove' },
  ]);
});

test('changed or replaced files are kept', () => {
  const plan = planRemoval(manifest, found({
    [FILES.executable]: { sha256: '9'.repeat(64) },
    [FILES.addon]: { symlink: '/elsewhere' },
    [FILES.manPage]: { other: 'a directory' },
    [FILES.link]: { symlink: '/opt/other/capexec' },
  }));
  assert.ok(plan.every((step) => step.action === 'keep' && step.why === 'changed since it was installed'));
  assert.is(plan.length, 4);
});

test('files the manifest does not list are never touched', () => {
  const partial: Manifest = { ...manifest, files: { [FILES.manPage]: { sha256: '3'.repeat(64) } } };
  const plan = planRemoval(partial, found({ [FILES.executable]: { sha256: '1'.repeat(64) }, [FILES.manPage]: { sha256: '3'.repeat(64) } }));
  assert.equal(plan, [{ file: FILES.manPage, action: 'remove' }]);
});

test('an install replaces only what an earlier install put there', () => {
  const existing = found({ [FILES.link]: { other: 'a file' }, [FILES.manPage]: { other: 'a file' } });
  assert.equal(foreignFiles(undefined, existing), [FILES.manPage, FILES.link]);
  assert.equal(foreignFiles(manifest, existing), []);
  assert.equal(foreignFiles(undefined, found({})), []);
});

test.run();
