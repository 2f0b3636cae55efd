import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { setUserEnvironment } from '../../../src/exec/environment';
import type { Account } from '../../../src/kernel/libc';
import { FakeLibc, rootState } from '../../helpers/fake-libc';

const user = (shell: string, uid = 33): Account => ({ name: 'www-data', uid, gid: 33, home: '/var/www', shell });
const env = { PATH: '/root/bin:/usr/bin', HOME: '/root', USER: 'root', TERM: 'xterm-256color', LD_LIBRARY_PATH: '/x', SECRET: 'y' };

test('HOME, USER, LOGNAME and SHELL follow the user; the rest stays', () => {
  const c = new FakeLibc(rootState({ env: { ...env } }));
  setUserEnvironment(c, user('/bin/bash'), false);
  assert.equal(c.state.env, { ...env, HOME: '/var/www', USER: 'www-data', LOGNAME: 'www-data', SHELL: '/bin/bash' });
});

test('--reset-env keeps only TERM, and sets a safe PATH', () => {
  const c = new FakeLibc(rootState({ env: { ...env } }));
  setUserEnvironment(c, user(''), true);
  assert.equal(c.state.env, { TERM: 'xterm-256color', PATH: '/usr/local/bin:/bin:/usr/bin', HOME: '/var/www', USER: 'www-data', LOGNAME: 'www-data', SHELL: '/bin/sh' });
  const asRoot = new FakeLibc(rootState({ env: {} }));
  setUserEnvironment(asRoot, user('/bin/sh', 0), true);
  assert.is(asRoot.state.env['PATH'], '/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin');
  assert.not.ok('TERM' in asRoot.state.env);
});

test.run();
