import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closestPermit, decide, differences, fits, type Caller, type FileId, type LoadedRule, type Request } from '../../../src/policy/match';
import { parsePolicy } from '../../../src/policy/parse';
import { FakeLibc } from '../../helpers/fake-libc';

const NET_ADMIN = 12;
const NET_RAW = 13;
const SYS_ADMIN = 21;
const glob = (pattern: Buffer, text: Buffer): boolean => new FakeLibc().fnmatch(pattern, text);

const TUNCTL: FileId = { dev: 2049n, ino: 100n };
const IP: FileId = { dev: 2049n, ino: 200n };
const FILES: Record<string, FileId> = { '/usr/bin/tunctl': TUNCTL, '/usr/sbin/ip': IP };
const IDS: Record<string, number> = { alice: 1000, bob: 1001, netadmins: 500, staff: 50 };

// Rules as the loader gives them: names resolved to ids, cmd paths to the files they are.
function rules(text: string): LoadedRule[] {
  const parsed = parsePolicy(text, 40);
  assert.equal(parsed.problems, []);
  return parsed.rules.map((rule) => ({
    ...rule,
    id: /^\d+$/.test(rule.identity.text) ? Number(rule.identity.text) : IDS[rule.identity.text] ?? -1,
    file: rule.command === undefined ? undefined : FILES[rule.command.path],
  }));
}

const alice: Caller = { uid: 1000, gids: [1000, 500], name: 'alice' };
const bob: Caller = { uid: 1001, gids: [1001, 50], name: 'bob' };

function request(overrides: Partial<Request> = {}): Request {
  return { caller: alice, caps: [NET_ADMIN], file: TUNCTL, args: [], sha256: () => 'ab'.repeat(32), ...overrides };
}
const args = (...words: string[]): Buffer[] => words.map((word) => Buffer.from(word));
const decidedBy = (list: LoadedRule[], asked: Request) => {
  const decision = decide(list, asked, glob);
  return [decision.permit, decision.rule?.line];
};

test('no rule fits: denied, by no rule', () => {
  assert.equal(decidedBy(rules('permit bob cap net_admin'), request()), [false, undefined]);
  assert.equal(decidedBy([], request()), [false, undefined]);
});

test('the last rule that fits decides', () => {
  const list = rules('permit :netadmins cap net_admin\ndeny alice cap net_admin cmd /usr/bin/tunctl\npermit alice cap net_admin cmd /usr/bin/tunctl args -t tap0');
  assert.equal(decidedBy(list, request()), [false, 2]);
  assert.equal(decidedBy(list, request({ args: args('-t', 'tap0') })), [true, 3]);
  assert.equal(decidedBy(list, request({ file: IP })), [true, 1]);
});

test('a permit needs every requested capability in its own list; capabilities never add up across rules', () => {
  const list = rules('permit alice cap net_admin\npermit alice cap net_raw');
  assert.equal(decidedBy(list, request({ caps: [NET_ADMIN, NET_RAW] })), [false, undefined]);
  assert.equal(decidedBy(rules('permit alice cap net_raw,net_admin'), request({ caps: [NET_ADMIN, NET_RAW] })), [true, 1]);
});

test('a deny fits when it shares any capability; a deny without cap fits any request', () => {
  const list = rules('permit alice cap net_admin,net_raw,sys_admin\ndeny alice cap sys_admin');
  assert.equal(decidedBy(list, request({ caps: [NET_ADMIN, SYS_ADMIN] })), [false, 2]);
  assert.equal(decidedBy(list, request({ caps: [NET_ADMIN, NET_RAW] })), [true, 1]);
  assert.equal(decidedBy(rules('permit alice cap net_admin\ndeny alice'), request()), [false, 2]);
});

test('identity: a user by name or uid matches the uid; a group by name or gid matches the real or any supplementary gid', () => {
  assert.equal(decidedBy(rules('permit 1000 cap net_admin'), request()), [true, 1]);
  assert.equal(decidedBy(rules('permit :netadmins cap net_admin'), request()), [true, 1]);
  assert.equal(decidedBy(rules('permit :1000 cap net_admin'), request()), [true, 1]);
  assert.equal(decidedBy(rules('permit :netadmins cap net_admin'), request({ caller: bob })), [false, undefined]);
  // A uid never matches a group rule of the same number, nor a gid a user rule.
  assert.equal(decidedBy(rules('permit :1001 cap net_admin'), request({ caller: { uid: 1001, gids: [50], name: 'bob' } })), [false, undefined]);
  assert.equal(decidedBy(rules('permit 50 cap net_admin'), request({ caller: bob })), [false, undefined]);
});

test('cmd: the same device and inode, whatever path led there', () => {
  const list = rules('permit alice cap net_admin cmd /usr/bin/tunctl');
  assert.equal(decidedBy(list, request({ file: { dev: 2049n, ino: 100n } })), [true, 1]);
  assert.equal(decidedBy(list, request({ file: { dev: 2050n, ino: 100n } })), [false, undefined]);
  assert.equal(decidedBy(list, request({ file: IP })), [false, undefined]);
});

test('args: exact, element by element, never one joined string; none after args allows none', () => {
  const list = rules('permit alice cap net_admin cmd /usr/bin/tunctl args -t tap0');
  assert.equal(decidedBy(list, request({ args: args('-t', 'tap0') })), [true, 1]);
  assert.equal(decidedBy(list, request({ args: args('-t tap0') })), [false, undefined]);
  assert.equal(decidedBy(list, request({ args: args('-t', 'tap0', '-u', 'root') })), [false, undefined]);
  assert.equal(decidedBy(list, request({ args: args('-t') })), [false, undefined]);
  const none = rules('permit alice cap net_admin cmd /usr/bin/tunctl args');
  assert.equal(decidedBy(none, request()), [true, 1]);
  assert.equal(decidedBy(none, request({ args: args('') })), [false, undefined]);
  assert.equal(decidedBy(rules('permit alice cap net_admin cmd /usr/bin/tunctl'), request({ args: args('anything', 'at all') })), [true, 1]);
});

test('args: globs as fnmatch(3), and ${USER} as the caller\'s login name', () => {
  const list = rules('permit :netadmins cap net_admin cmd /usr/bin/tunctl args -u ${USER} -t "tap[0-9]*"');
  assert.equal(decidedBy(list, request({ args: args('-u', 'alice', '-t', 'tap12') })), [true, 1]);
  assert.equal(decidedBy(list, request({ args: args('-u', 'root', '-t', 'tap12') })), [false, undefined]);
  assert.equal(decidedBy(list, request({ args: args('-u', 'alice', '-t', 'eth0') })), [false, undefined]);
  assert.equal(decidedBy(list, request({ args: args('-u', '${USER}', '-t', 'tap1') })), [false, undefined]);
  assert.equal(decidedBy(list, request({ caller: { ...bob, gids: [500] }, args: args('-u', 'bob', '-t', 'tap1') })), [true, 1]);
});

test('sha256: the opened file must hash to the pin; the hash is asked for only by a pinned rule', () => {
  let asked = 0;
  const hashed = (hex: string) => () => {
    asked += 1;
    return hex;
  };
  const pinned = rules(`permit alice cap net_admin cmd /usr/bin/tunctl sha256 ${'AB'.repeat(32)}`);
  assert.equal(decidedBy(pinned, request({ sha256: hashed('ab'.repeat(32)) })), [true, 1]);
  assert.equal(decidedBy(pinned, request({ sha256: hashed('cd'.repeat(32)) })), [false, undefined]);
  assert.ok(asked >= 2);
  asked = 0;
  decide(rules('permit alice cap net_admin cmd /usr/bin/tunctl'), request({ sha256: hashed('') }), glob);
  assert.is(asked, 0);
});

test('differences name each reason, worded for a message', () => {
  const [rule] = rules('permit :staff cap net_raw cmd /usr/sbin/ip args link');
  assert.ok(rule);
  assert.equal(differences(rule, request({ args: args('addr') }), glob), [
    'it is for group staff', 'it does not permit cap_net_admin', 'it is for /usr/sbin/ip, another file', "argument 1, 'addr', is not 'link'",
  ]);
});

test('fits() is exactly "differences() is empty", for any rule and request', () => {
  const pin = 'ab'.repeat(32);
  const rule = fc.tuple(
    fc.constantFrom('permit', 'deny'), fc.constantFrom('alice', 'bob', ':netadmins', ':staff', '1000'),
    fc.subarray(['net_admin', 'net_raw', 'sys_admin']),
    fc.constantFrom('', ' cmd /usr/bin/tunctl', ' cmd /usr/sbin/ip', ` cmd /usr/bin/tunctl sha256 ${pin}`, ` cmd /usr/bin/tunctl sha256 ${'cd'.repeat(32)}`),
    fc.constantFrom('', ' args', ' args -t', ' args -t "tap*"', ' args -u ${USER}'),
  ).map(([action, who, caps, cmd, list]) => {
    const capWords = caps.length === 0 ? (action === 'permit' ? ' cap net_admin' : '') : ` cap ${caps.join(',')}`;
    return `${action} ${who}${capWords}${cmd}${cmd === '' ? '' : list}`;
  });
  const asked = fc.record({
    caller: fc.constantFrom(alice, bob),
    caps: fc.subarray([NET_ADMIN, NET_RAW, SYS_ADMIN], { minLength: 1 }),
    file: fc.constantFrom(TUNCTL, IP),
    args: fc.constantFrom(args(), args('-t'), args('-t', 'tap0'), args('-u', 'alice'), args('-u', 'bob')),
  });
  fc.assert(fc.property(rule, asked, (text, parts) => {
    const [loaded] = rules(text);
    if (loaded === undefined) return false;
    const question = request(parts);
    return fits(loaded, question, glob) === (differences(loaded, question, glob).length === 0);
  }), { numRuns: 500 });
});

test('closestPermit: fewest differences, the last of equals; deny rules are never closest', () => {
  const list = rules('permit bob cap net_raw\npermit alice cap net_raw\ndeny alice cap net_admin\npermit bob cap net_admin');
  const closest = closestPermit(list, request(), glob);
  assert.equal([closest?.rule.line, closest?.differences], [4, ['it is for user bob']]);
  assert.is(closestPermit(rules('deny alice'), request(), glob), undefined);
});

test.run();
