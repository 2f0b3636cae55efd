import { chmodSync, chownSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePolicy } from '../../../src/policy/parse';
import { storedRules, storeRules, type StoreOptions } from '../../../src/policy/parsed-cache';
import { privileged } from '../../helpers/privileged';

const TEXT = 'permit alice cap net_admin cmd /usr/bin/tunctl args -u ${USER}\ndeny :staff\n';
const LAST_CAP = 40;
// Root-owned files and directories are what the store trusts: these run as root, as the
// privileged tests do.
// The rules as they read back: JSON keeps no undefined property.
const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

function scratch(): { store: StoreOptions; directory: string; remove(): void } {
  const base = mkdtempSync(join(tmpdir(), 'capexec-parsed-'));
  chmodSync(base, 0o755);
  const directory = join(base, 'cache', 'capexec');
  return { store: { path: join(directory, 'capexec.conf.parsed'), build: 'build-a' }, directory, remove: () => rmSync(base, { recursive: true, force: true }) };
}

privileged(test, 'kept rules read back for the very text, kernel and build they were parsed for, and for nothing else', () => {
  const { store, directory, remove } = scratch();
  try {
    assert.is(storeRules(TEXT, LAST_CAP, store), undefined);
    assert.is(statSync(directory).mode & 0o7777, 0o755);
    assert.is(statSync(store.path).mode & 0o7777, 0o644);
    assert.equal(storedRules(TEXT, LAST_CAP, store), roundTrip(parsePolicy(TEXT, LAST_CAP).rules));
    assert.is(storedRules(`${TEXT} `, LAST_CAP, store), undefined);
    assert.is(storedRules(TEXT.replace('alice', 'alicf'), LAST_CAP, store), undefined);
    assert.is(storedRules(TEXT, LAST_CAP + 1, store), undefined);
    assert.is(storedRules(TEXT, LAST_CAP, { ...store, build: 'build-b' }), undefined);
    assert.is(storedRules(TEXT, LAST_CAP, { ...store, build: undefined }), undefined);
  } finally {
    remove();
  }
});

privileged(test, 'a policy in UTF-8 is kept in ASCII, read one byte to a character, and reads back the same', () => {
  const { store, remove } = scratch();
  const text = '# caf\u00e9 \u{1F600}\npermit alice cap net_admin cmd /usr/bin/tunctl args "\u00e9\u{1F600}"\n';
  try {
    assert.is(storeRules(text, LAST_CAP, store), undefined);
    assert.ok([...readFileSync(store.path)].every((byte) => byte < 0x80));
    assert.equal(storedRules(text, LAST_CAP, store), roundTrip(parsePolicy(text, LAST_CAP).rules));
    assert.is(storedRules(text.replace('\u00e9', 'e'), LAST_CAP, store), undefined);
  } finally {
    remove();
  }
});

privileged(test, 'a kept file anyone but root could have written is not read: mode, owner, link, hard link, directory', () => {
  const { store, directory, remove } = scratch();
  try {
    assert.is(storeRules(TEXT, LAST_CAP, store), undefined);
    const good = readFileSync(store.path);
    const reset = (): void => {
      rmSync(store.path, { force: true });
      writeFileSync(store.path, good, { mode: 0o644 });
      chmodSync(directory, 0o755);
      assert.ok(storedRules(TEXT, LAST_CAP, store));
    };
    reset();
    chmodSync(store.path, 0o664);
    assert.is(storedRules(TEXT, LAST_CAP, store), undefined, 'group-writable');
    reset();
    chownSync(store.path, 65534, 65534);
    assert.is(storedRules(TEXT, LAST_CAP, store), undefined, 'not root\'s');
    reset();
    linkSync(store.path, join(directory, 'second-name'));
    assert.is(storedRules(TEXT, LAST_CAP, store), undefined, 'a second name');
    rmSync(join(directory, 'second-name'));
    reset();
    chmodSync(directory, 0o777);
    assert.is(storedRules(TEXT, LAST_CAP, store), undefined, 'a directory others may write');
    reset();
    rmSync(store.path);
    writeFileSync(join(directory, 'elsewhere'), good, { mode: 0o644 });
    symlinkSync(join(directory, 'elsewhere'), store.path);
    assert.is(storedRules(TEXT, LAST_CAP, store), undefined, 'a symbolic link');
    reset();
    writeFileSync(store.path, good.subarray(0, good.length - 1));
    assert.is(storedRules(TEXT, LAST_CAP, store), undefined, 'cut short');
  } finally {
    remove();
  }
});

privileged(test, 'nothing is kept of a policy with problems, into a directory others may write, or outside the standalone executable', () => {
  const { store, directory, remove } = scratch();
  try {
    assert.is(storeRules('permit alice\n', LAST_CAP, store), 'the policy has problems');
    mkdirSync(directory, { recursive: true });
    chmodSync(directory, 0o777);
    assert.match(storeRules(TEXT, LAST_CAP, store) ?? '', /capexec is writable by group and others/);
    assert.is(storeRules(TEXT, LAST_CAP, { ...store, build: undefined }), 'only the standalone executable keeps them');
  } finally {
    remove();
  }
});

privileged(test, 'kept rules of a shape the parser never gives are not read: a permit without caps, without a cmd path, a bad entry', () => {
  const { store, remove } = scratch();
  try {
    assert.is(storeRules(TEXT, LAST_CAP, store), undefined);
    const good = JSON.parse(readFileSync(store.path, 'latin1')) as { rules: Record<string, unknown>[] };
    const edits: ((rules: Record<string, unknown>[]) => unknown[])[] = [
      (rules) => rules.map(({ caps: _caps, ...rule }) => rule),
      (rules) => rules.map((rule) => ({ ...rule, caps: ['12'] })),
      (rules) => rules.map((rule) => ({ ...rule, caps: [LAST_CAP + 1] })),
      (rules) => rules.map((rule) => ({ ...rule, command: { path: 'tunctl' } })),
      (rules) => rules.map((rule) => ({ ...rule, action: 'allow' })),
      (rules) => rules.map((rule) => ({ ...rule, identity: { kind: 'user' } })),
      (rules) => rules.map((rule) => ({ ...rule, setenv: [{ kind: 'set', name: 'A' }] })),
      (rules) => [...rules, null],
    ];
    assert.ok(storedRules(TEXT, LAST_CAP, store));
    for (const [i, edit] of edits.entries()) {
      writeFileSync(store.path, JSON.stringify({ ...good, rules: edit(good.rules) }));
      assert.is(storedRules(TEXT, LAST_CAP, store), undefined, `edit ${i}`);
    }
  } finally {
    remove();
  }
});

privileged(test, 'root\'s umask does not make the kept rules unreadable, and a file a killed store left does not stop the next', () => {
  const { store, directory, remove } = scratch();
  const umask = process.umask(0o077);
  try {
    mkdirSync(directory, { recursive: true });
    writeFileSync(`${store.path}.${process.pid}`, 'half');
    assert.is(storeRules(TEXT, LAST_CAP, store), undefined);
    assert.equal([statSync(directory).mode & 0o7777, statSync(store.path).mode & 0o7777], [0o755, 0o644]);
    assert.ok(storedRules(TEXT, LAST_CAP, store));
  } finally {
    process.umask(umask);
    remove();
  }
});

test.run();
