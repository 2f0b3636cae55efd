import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { audit, auditMessage, type AuditEvent } from '../../../src/policy/audit';
import { libc } from '../../../src/kernel/libc';
import { FakeLibc, fakeState } from '../../helpers/fake-libc';

// A command line as execve() takes it: each word ended by a NUL.
const words = (...list: (string | Buffer)[]): Buffer => Buffer.concat(list.flatMap((word) => [Buffer.from(word), Buffer.alloc(1)]));
// Through the real glibc: its argz_stringify() and strpbrk() build the line.
const auditLine = (of: AuditEvent): string => auditMessage(libc(), of).toString('latin1');
const event = (overrides: Partial<AuditEvent> = {}): AuditEvent => ({
  user: 'alice', caps: [12], pwd: Buffer.from('/home/alice'), rule: '/etc/capexec.conf:3',
  command: words('/usr/bin/tunctl', '-u', 'alice', '-t', 'tap0'), denied: false, ...overrides,
});

test('sudo\'s shape: user, then the fields; a denial says so first and names no rule when none decided', () => {
  assert.is(auditLine(event()), 'alice : CAPS=cap_net_admin ; PWD=/home/alice ; RULE=/etc/capexec.conf:3 ; COMMAND=/usr/bin/tunctl -u alice -t tap0');
  assert.is(auditLine(event({ denied: true, rule: undefined, caps: [12, 13] })),
    'alice : command not allowed ; CAPS=cap_net_admin,cap_net_raw ; PWD=/home/alice ; COMMAND=/usr/bin/tunctl -u alice -t tap0');
});

test('a newline in an argument cannot forge a second line, nor a ; a field of its own', () => {
  const forged = auditLine(event({ command: words('/bin/x', 'a\nbob : CAPS=cap_sys_admin ; COMMAND=/bin/sh', 'x ; RULE=/etc/capexec.conf:1') }));
  assert.not.match(forged, /[\n\r]/);
  assert.is(forged.split(' ; ').length, 4);
  assert.match(forged, /COMMAND=\/bin\/x a#012bob : CAPS=cap_sys_admin #073 COMMAND=\/bin\/sh x #073 RULE=\/etc\/capexec\.conf:1$/);
});

test('control characters, DEL and # are escaped everywhere, the user and working directory too', () => {
  const line = auditLine(event({ user: 'a\x1bb', pwd: Buffer.from('/tmp/\r\x7f#;'), command: words(Buffer.from([0x2f, 0x78, 0x09, 0xff])) }));
  assert.match(line, /^a#033b : /);
  assert.match(line, /PWD=\/tmp\/#015#177#043#073 ; /);
  assert.match(line, /COMMAND=\/x#011\xff$/);
});

// What the line must say of any command, by the simplest reading of the rule.
const reference = (list: Uint8Array[]): string => list.map((word) => [...word].map((byte) =>
  (byte < 0x20 || byte === 0x7f || byte === 0x3b || byte === 0x23 ? `#${byte.toString(8).padStart(3, '0')}` : String.fromCharCode(byte))).join('')).join(' ');

test('any command line is its words joined by spaces, each escaped byte by byte, long or short', () => {
  const word = fc.uint8Array({ maxLength: 12 }).map((bytes) => bytes.map((byte) => (byte === 0 ? 0x41 : byte)));
  fc.assert(fc.property(fc.array(word, { minLength: 1, maxLength: 3000 }), fc.boolean(), (list, plain) => {
    const words = plain ? list.map((bytes) => bytes.map((byte) => (byte < 0x20 || byte === 0x7f || byte === 0x3b || byte === 0x23 ? 0x61 : byte))) : list;
    const line = auditLine(event({ command: Buffer.concat(words.flatMap((bytes) => [Buffer.from(bytes), Buffer.alloc(1)])) }));
    return line.slice(line.indexOf('COMMAND=') + 'COMMAND='.length) === reference(words);
  }), { numRuns: 60 });
});

test('any user name and working directory are escaped byte by byte', () => {
  const text = fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes.map((byte) => (byte === 0 ? 0x41 : byte))));
  fc.assert(fc.property(text, text, (user, pwd) => {
    const line = auditLine(event({ user: user.toString('latin1'), pwd }));
    // The user as the line has it: its UTF-8 bytes, as syslog gets them.
    const expected = `${reference([Buffer.from(user.toString('latin1'))])} : CAPS=cap_net_admin ; PWD=${reference([pwd])} ; `;
    return line.startsWith(expected);
  }), { numRuns: 300 });
});

test('syslog at authpriv: a grant at notice, a denial at alert', () => {
  const c = new FakeLibc(fakeState());
  audit(c, event());
  audit(c, event({ denied: true }));
  assert.equal(c.state.logged.map(({ facility, priority }) => [facility, priority]), [[80, 5], [80, 1]]);
  assert.is(c.state.logged[0]?.message, auditLine(event()));
});

test.run();
