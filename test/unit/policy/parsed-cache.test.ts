import { chmodSync, chownSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePolicy } from '../../../src/policy/parse';
import { libc } from '../../../src/kernel/libc';
import { loadLaunchPolicy } from '../../../src/policy/load';
import { storedRules, storeRules, type StoreOptions } from '../../../src/policy/parsed-cache';
import type { Rule } from '../../../src/policy/rule';
import { privileged } from '../../helpers/privileged';

const TEXT = 'permit alice cap net_admin cmd /usr/bin/tunctl args -u ${USER}\ndeny :staff\n';
const LAST_CAP = 40;
// Root-owned files and directories are what the store trusts: these run as root, as the
// privileged tests do.
// The rules as they read back: JSON keeps no undefined property.
const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

// Every kept rule made whole; undefined when nothing is kept for the text, or when any
// kept rule is not a whole one.
function keptRules(text: string, store: StoreOptions, lastCap = LAST_CAP): Rule[] | undefined {
  const kept = storedRules(text, lastCap, store);
  if (kept === undefined) return undefined;
  const rules: Rule[] = [];
  for (let i = 0; i < kept.count; i++) {
    const rule = kept.rule(i);
    if (rule === undefined) return undefined;
    rules.push(rule);
  }
  return rules;
}

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
    assert.equal(roundTrip(keptRules(TEXT, store)), roundTrip(parsePolicy(TEXT, LAST_CAP).rules));
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
    assert.equal(roundTrip(keptRules(text, store)), roundTrip(parsePolicy(text, LAST_CAP).rules));
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
  interface Kept { identities: unknown[]; commands: unknown[]; pins: unknown[]; rests: unknown[] }
  // Each rule's rest, edited as an object.
  const rests = (edit: (rest: Record<string, unknown>) => unknown) => (kept: Kept): Kept =>
    ({ ...kept, rests: kept.rests.map((rest) => JSON.stringify(edit(JSON.parse(String(rest)) as Record<string, unknown>))) });
  try {
    assert.is(storeRules(TEXT, LAST_CAP, store), undefined);
    const good = JSON.parse(readFileSync(store.path, 'latin1')) as Kept;
    // Found as the file is read: what every launch reads of every rule.
    const unread: ((kept: Kept) => Kept)[] = [
      (kept) => ({ ...kept, commands: ['tunctl', null] }),
      (kept) => ({ ...kept, commands: [{ path: '/usr/bin/tunctl' }, null] }),
      (kept) => ({ ...kept, identities: ['', ':staff'] }),
      (kept) => ({ ...kept, identities: [':', ':staff'] }),
      (kept) => ({ ...kept, identities: [1000, ':staff'] }),
      (kept) => ({ ...kept, pins: [null, 'ab'.repeat(32)] }),
      (kept) => ({ ...kept, pins: ['ab', null] }),
      (kept) => ({ ...kept, pins: ['AB'.repeat(32), null] }),
      (kept) => ({ ...kept, pins: [false, null] }),
      (kept) => ({ ...kept, identities: [...kept.identities, 'bob'] }),
      (kept) => ({ ...kept, rests: [...kept.rests.slice(0, 1), {}] }),
      (kept) => ({ ...kept, rests: undefined as unknown as unknown[] }),
    ];
    // Found as a rule is made whole, for a launch whose rule it is.
    const unwhole: ((kept: Kept) => Kept)[] = [
      rests(({ caps: _caps, ...rest }) => rest),
      rests((rest) => ({ ...rest, caps: ['12'] })),
      rests((rest) => ({ ...rest, caps: [LAST_CAP + 1] })),
      rests((rest) => ({ ...rest, action: 'allow' })),
      rests((rest) => ({ ...rest, setenv: [{ kind: 'set', name: 'A' }] })),
      rests((rest) => ({ ...rest, args: [1] })),
      rests((rest) => ({ ...rest, line: 0 })),
      rests(() => null),
      (kept) => ({ ...kept, rests: kept.rests.map((rest) => String(rest).slice(1)) }),
      // Args for a rule without cmd.
      rests((rest) => ({ ...rest, args: [] })),
    ];
    assert.ok(keptRules(TEXT, store));
    for (const [i, edit] of unread.entries()) {
      writeFileSync(store.path, JSON.stringify(edit(good)));
      assert.is(storedRules(TEXT, LAST_CAP, store), undefined, `unread ${i}`);
    }
    for (const [i, edit] of unwhole.entries()) {
      writeFileSync(store.path, JSON.stringify(edit(good)));
      assert.ok(storedRules(TEXT, LAST_CAP, store), `unwhole ${i}: read`);
      assert.is(keptRules(TEXT, store), undefined, `unwhole ${i}`);
    }
  } finally {
    remove();
  }
});

// Whatever the parser gives, kept and read back: each rule, who it is for and its cmd.
privileged(test, 'every rule reads back as it was parsed, with its identity and cmd kept apart as they are', () => {
  const { store, remove } = scratch();
  const part = (options: string[]) => fc.option(fc.constantFrom(...options), { nil: '' });
  const identity = fc.constantFrom('alice', ':staff', '0', ':65534', 'bob');
  const cmd = part(['cmd /usr/bin/tunctl', 'cmd "/usr/local/bin/my tool" args', 'cmd /bin/x args "\u00e9 \u{1F600}"',
    `cmd /bin/ip sha256 ${'C0'.repeat(32)} args link "set dev" "tap*" \${USER}`, `cmd /bin/ip sha256 ${'0a'.repeat(32)}`]);
  const caps = fc.constantFrom('cap net_admin', 'cap 12,net_raw,cap_sys_admin');
  const rule = fc.oneof(
    fc.tuple(part(['keepenv', 'setenv { "A=b c" -D E=$F G }', 'keepenv setenv { }']), identity, caps, cmd)
      .map((parts) => ['permit', ...parts].join(' ')),
    fc.tuple(identity, part(['cap net_raw']), cmd).map((parts) => ['deny', ...parts].join(' ')),
  );
  const text = fc.array(fc.oneof(rule, fc.constantFrom('', '# a comment')), { maxLength: 8 }).map((lines) => lines.join('\n'));
  try {
    fc.assert(fc.property(text, (input) => {
      const parsed = parsePolicy(input, LAST_CAP);
      assert.equal(parsed.problems, []);
      assert.is(storeRules(input, LAST_CAP, store), undefined);
      const kept = storedRules(input, LAST_CAP, store);
      assert.ok(kept);
      assert.is(kept.count, parsed.rules.length);
      assert.equal(roundTrip(keptRules(input, store)), roundTrip(parsed.rules));
      parsed.rules.forEach((rule, i) => {
        assert.equal(kept.identity(i), rule.identity);
        assert.equal(kept.command(i), rule.command === undefined ? undefined : { path: rule.command.path, pinned: rule.command.sha256 !== undefined });
      });
    }), { numRuns: 200 });
  } finally {
    remove();
  }
});

// A denial's closest permit is chosen among every rule: with kept rules, those are made
// whole with the ids and files the decision was made with, not resolved anew.
privileged(test, 'a denial under kept rules weighs every rule as the decision resolved it', () => {
  const { store, directory, remove } = scratch();
  try {
    mkdirSync(directory, { recursive: true });
    const command = join(directory, 'tool');
    writeFileSync(command, '#!/bin/sh\n', { mode: 0o755 });
    const policyPath = join(directory, 'capexec.conf');
    const text = `permit nobody cap net_admin cmd ${command}\npermit root cap net_raw\n`;
    writeFileSync(policyPath, text, { mode: 0o644 });
    assert.is(storeRules(text, LAST_CAP, store), undefined);
    const nobody = { uid: 65534, gids: [65534], name: 'nobody' };
    const policy = loadLaunchPolicy(libc(), policyPath, LAST_CAP, false, nobody, store);
    assert.ok(policy);
    assert.equal(policy.rules.map((rule) => rule.line), [1]);
    const { ino } = statSync(command, { bigint: true });
    rmSync(command);
    const every = policy.everyRule();
    assert.equal(every.map((rule) => rule.line), [1, 2]);
    assert.is(every[0]?.file?.ino, ino);
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
    assert.ok(keptRules(TEXT, store));
  } finally {
    process.umask(umask);
    remove();
  }
});

test.run();
