import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rawArgvTail } from '../../src/raw-argv';

const cmdline = (...args: (string | Buffer)[]): Buffer =>
  Buffer.concat(args.flatMap((arg) => [Buffer.from(arg), Buffer.from([0])]));

test('the tail keeps bytes that UTF-8 decoding would replace', () => {
  const raw = rawArgvTail(['printf', '\ufffd', ''], cmdline('capexec', '-c', 'net_admin', 'printf', Buffer.from([0xff]), ''));
  assert.equal(raw.map((b) => [...b]), [[...Buffer.from('printf')], [0xff], []]);
});

test('a cmdline that does not match the arguments is refused', () => {
  assert.throws(() => rawArgvTail(['true'], cmdline('capexec', 'false')), /does not match/);
  assert.throws(() => rawArgvTail(['a', 'b', 'c'], cmdline('b', 'c')), /does not match/);
});

test.run();
