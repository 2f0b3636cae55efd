import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { argvEntries, firstArgument, rawArgvTail } from '../../../src/exec/raw-argv';

const cmdline = (...args: (string | Buffer)[]): Buffer =>
  Buffer.concat(args.flatMap((arg) => [Buffer.from(arg), Buffer.from([0])]));

test('the tail keeps bytes that UTF-8 decoding would replace', () => {
  const raw = rawArgvTail(['printf', '\ufffd', ''], cmdline('capexec', '-c', 'net_admin', 'printf', Buffer.from([0xff]), ''));
  assert.equal(argvEntries(raw).map((b) => [...b]), [[...Buffer.from('printf')], [0xff], []]);
  assert.equal(raw.count, 3);
  assert.equal([...raw.block], [...Buffer.from('printf\0\xff\0\0', 'latin1')]);
  assert.equal(firstArgument(raw).toString(), 'printf');
});

test('an invalid sequence as long as its replacement character keeps its own bytes', () => {
  const raw = rawArgvTail(['\ufffd', 'x'], cmdline('capexec', Buffer.from([0xf0, 0x90, 0x80]), 'x'));
  assert.equal([...raw.block], [0xf0, 0x90, 0x80, 0, 0x78, 0]);
});

test('a cmdline that does not match the arguments is refused', () => {
  assert.throws(() => rawArgvTail(['true'], cmdline('capexec', 'false')), /does not match/);
  assert.throws(() => rawArgvTail(['a', 'b', 'c'], cmdline('b', 'c')), /does not match/);
  assert.throws(() => rawArgvTail(['b', 'c'], Buffer.from('capexec\0b\0c')), /does not match/);
});

test('the whole command line can be the tail, and an empty tail is empty', () => {
  assert.equal(argvEntries(rawArgvTail(['a', 'b'], cmdline('a', 'b'))).map(String), ['a', 'b']);
  assert.equal(rawArgvTail([], cmdline('capexec')), { block: Buffer.alloc(0), count: 0 });
});

test('any command line: the tail is its exact bytes, whether or not they are valid UTF-8', () => {
  const word = fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes.map((byte) => (byte === 0 ? 0xff : byte))));
  fc.assert(fc.property(fc.array(word, { maxLength: 4 }), fc.array(word, { maxLength: 40 }), (options, command) => {
    // The strings as Node decodes them: invalid UTF-8 becomes U+FFFD.
    const raw = rawArgvTail(command.map((bytes) => bytes.toString('utf8')), cmdline('capexec', ...options, ...command));
    return raw.count === command.length && raw.block.equals(Buffer.concat(command.flatMap((bytes) => [bytes, Buffer.alloc(1)])));
  }), { numRuns: 300 });
});

test.run();
