import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { problemLine } from '../../../src/policy/messages';
import { parsePolicy } from '../../../src/policy/parse';
import { runsOthers } from '../../../src/policy/unsafe';

const warned = (text: string): string[] => runsOthers(parsePolicy(text, 40).rules).map((problem) => problemLine('F', problem));
const isWarned = (line: string): boolean => warned(line).length > 0;

test('shells, interpreters, editors and pagers: warned about whatever their arguments', () => {
  for (const path of ['/bin/sh', '/usr/bin/bash', '/bin/dash', '/usr/bin/python3', '/usr/bin/python3.11', '/usr/bin/perl', '/usr/bin/perl5.36.0',
    '/usr/bin/ruby', '/usr/bin/node', '/usr/bin/lua5.4', '/usr/bin/php8.2', '/usr/bin/vim.basic', '/usr/bin/vi', '/usr/bin/less', '/bin/busybox', '/usr/bin/gdb', '/bin/su']) {
    assert.ok(isWarned(`permit alice cap net_admin cmd ${path}`), path);
    assert.ok(isWarned(`permit alice cap net_admin cmd ${path} args -c true`), `${path} with args`);
  }
  assert.equal(warned('permit alice cap net_bind_service cmd /usr/bin/python3 args -I -m http.server 80'), [
    'F:1:39: warning: cmd /usr/bin/python3 is an interpreter: it runs code from files, modules and its working directory, and every program it starts inherits the ambient capabilities (allow a narrower command, e.g. a root-owned script or program that does just the one job)',
  ]);
});

test('programs that run others through an option: warned about unless args has no word that could be one', () => {
  for (const path of ['/usr/sbin/ip', '/bin/ip', '/usr/bin/tcpdump', '/usr/bin/find', '/usr/bin/awk', '/usr/bin/gawk', '/usr/bin/mawk', '/bin/sed']) {
    assert.ok(isWarned(`permit alice cap net_admin cmd ${path}`), path);
    for (const glob of ['"*"', '"-*"', '"?x"', '"[-]z"']) assert.ok(isWarned(`permit alice cap net_admin cmd ${path} args -i ${glob}`), `${path} args ${glob}`);
    assert.not.ok(isWarned(`permit alice cap net_admin cmd ${path} args -i eth0 \${USER}`), `${path} with exact args`);
    assert.not.ok(isWarned(`permit alice cap net_admin cmd ${path} args tuntap add dev "tap*" mode tap`), `${path} with a prefixed pattern`);
  }
  assert.equal(warned('permit alice cap net_admin cmd /usr/sbin/ip'), [
    "F:1:32: warning: cmd /usr/sbin/ip runs any command through 'ip netns exec', and every program it starts inherits the ambient capabilities (restrict its arguments with args, in words that cannot be options)",
  ]);
  assert.match(warned('permit alice cap net_raw cmd /usr/bin/tcpdump args -i "*"')[0] ?? '', /runs any command through -z/);
});

test('programs whose arguments name the command: warned about unless args gives exact words', () => {
  for (const path of ['/usr/bin/env', '/usr/bin/xargs', '/usr/bin/sudo', '/usr/bin/doas', '/usr/local/bin/capexec', '/usr/bin/nice', '/usr/bin/nohup', '/usr/bin/timeout', '/usr/bin/setsid', '/usr/bin/strace']) {
    assert.ok(isWarned(`permit alice cap net_admin cmd ${path}`), path);
    assert.ok(isWarned(`permit alice cap net_admin cmd ${path} args "/usr/bin/tun*"`), `${path} with a glob`);
    assert.not.ok(isWarned(`permit alice cap net_admin cmd ${path} args /usr/bin/tunctl -u \${USER}`), `${path} with exact args`);
  }
});

test('a permit rule without cmd permits any command; deny rules and narrow commands are not warned about', () => {
  assert.equal(warned('permit :staff cap net_admin'), [
    'F:1:8: warning: a permit rule without cmd permits its capabilities to any command (name the command: cmd /usr/bin/tunctl)',
  ]);
  assert.equal(warned('deny :staff cap net_admin\ndeny alice cap net_admin cmd /bin/sh\npermit alice cap net_admin cmd /usr/bin/tunctl\npermit alice cap net_admin cmd /usr/bin/shasum'), []);
});

test.run();
