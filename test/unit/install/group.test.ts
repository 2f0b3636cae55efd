import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CapexecError } from '../../../src/support/errors';
import { lookupGroup, parseGroupLine } from '../../../src/install/group';

test('reads the gid from a group(5) line for exactly that name', () => {
  assert.equal(parseGroupLine('netdev:x:108:alice,bob\n', 'netdev'), { name: 'netdev', gid: 108 });
  assert.equal(parseGroupLine('wheel:x:0:\n', 'wheel'), { name: 'wheel', gid: 0 });
});

test('anything else is no group', () => {
  assert.is(parseGroupLine('', 'netdev'), undefined);
  assert.is(parseGroupLine('users:x:100:\n', 'netdev'), undefined);
  assert.is(parseGroupLine('netdev:x::\n', 'netdev'), undefined);
  assert.is(parseGroupLine('netdev:x:-1:\n', 'netdev'), undefined);
  assert.is(parseGroupLine('netdev:x:4294967295:\n', 'netdev'), undefined);
  assert.is(parseGroupLine('netdev:x:108\n', 'netdev'), undefined);
});

test('names that are not group names are refused before anything runs', () => {
  for (const name of ['-n', 'a b', 'x:y', 'a\nb', '', 'é']) {
    try {
      lookupGroup(name);
      assert.unreachable(name);
    } catch (error) {
      assert.instance(error, CapexecError);
      assert.match((error as CapexecError).why ?? '', /not a valid group name/);
    }
  }
});

test.run();
