import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArguments, wantsJsonErrors } from '../../../src/cli/arguments';
import { CapexecError } from '../../../src/support/errors';

function fails(args: string[], what: RegExp): void {
  try {
    parseArguments(args);
  } catch (error) {
    assert.instance(error, CapexecError);
    assert.match((error as CapexecError).what, what);
    assert.is((error as CapexecError).exitCode, 125);
    return;
  }
  assert.unreachable(`accepted ${JSON.stringify(args)}`);
}

test('options stop at the command, so its own flags pass through', () => {
  assert.equal(parseArguments(['--cap', 'net_admin', 'tunctl', '-u', 'alice', '--cap', 'x']), {
    mode: 'launch', json: false, caps: ['net_admin'], preserveFds: 0, command: ['tunctl', '-u', 'alice', '--cap', 'x'],
  });
});

test('-- ends options, so a command may start with a dash', () => {
  assert.equal(parseArguments(['-c', 'net_admin', '--', '-weird', '--help']), {
    mode: 'launch', json: false, caps: ['net_admin'], preserveFds: 0, command: ['-weird', '--help'],
  });
});

test('--cap repeats and takes comma lists, in every spelling', () => {
  const options = parseArguments(['-c', 'net_admin,CAP_NET_RAW', '--cap=12', '-c13', 'true']);
  assert.equal(options, { mode: 'launch', json: false, caps: ['net_admin', 'CAP_NET_RAW', '12', '13'], preserveFds: 0, command: ['true'] });
});

test('a short option takes its value attached, as getopt does, alone or after other letters', () => {
  assert.equal(parseArguments(['-cnet_admin', 'true']), { mode: 'launch', json: false, caps: ['net_admin'], preserveFds: 0, command: ['true'] });
  assert.equal(parseArguments(['-cnet_admin,net_raw', '-c', 'sys_time', 'true']), {
    mode: 'launch', json: false, caps: ['net_admin', 'net_raw', 'sys_time'], preserveFds: 0, command: ['true'],
  });
  fails(['-hcnet_admin'], /^--cap cannot be used with --help$/);
  fails(['-xcnet_admin', 'true'], /^unknown option '-x'$/);
});

test('capabilities separated by blanks are refused with the comma form', () => {
  const error = (() => {
    try {
      parseArguments(['--cap', 'net_admin net_raw', 'true']);
    } catch (caught) {
      return caught as CapexecError;
    }
    return undefined;
  })();
  assert.is(error?.what, "--cap 'net_admin net_raw'");
  assert.is(error?.why, 'capabilities are separated by commas, not blanks');
  assert.is(error?.fix, 'use --cap net_admin,net_raw');
});

test('a value option followed by another of our options says its value is missing', () => {
  fails(['--install', '--cap', 'net_admin'], /^--install needs PREFIX$/);
  fails(['--uninstall', '--group', 'x'], /^--uninstall needs PREFIX$/);
  fails(['--cap', '--doctor', 'true'], /^--cap needs a capability name$/);
  fails(['-c', '--print'], /^--cap needs a capability name$/);
});

test('numeric-looking command arguments stay strings', () => {
  const options = parseArguments(['-c', 'net_admin', 'sleep', '10']);
  assert.equal(options.mode === 'launch' && options.command, ['sleep', '10']);
});

test('--preserve-fds takes a bounded count', () => {
  const options = parseArguments(['-c', 'net_admin', '--preserve-fds', '2', 'true']);
  assert.is(options.mode === 'launch' && options.preserveFds, 2);
  fails(['-c', 'net_admin', '--preserve-fds', 'x', 'true'], /--preserve-fds needs a number/);
  fails(['-c', 'net_admin', '--preserve-fds', '99999999', 'true'], /--preserve-fds needs a number/);
  fails(['-c', 'net_admin', '--preserve-fds', '1', '--preserve-fds', '2', 'true'], /more than once/);
});

test('unknown options are errors, not ignored', () => {
  fails(['--cap', 'net_admin', '--bogus', 'true'], /^unknown option '--bogus'$/);
  fails(['-x', 'true'], /^unknown option '-x'$/);
  fails(['--bogus=secret', 'true'], /^unknown option '--bogus'$/);
});

test('missing and empty arguments are errors', () => {
  fails(['true'], /no capability given/);
  fails(['--cap', 'net_admin'], /no command given/);
  fails(['--cap', 'net_admin', '--'], /no command given/);
  fails(['--cap', '', 'true'], /--cap needs a capability name/);
  fails(['--cap', 'net_admin,,net_raw', 'true'], /empty capability name/);
  fails(['--no-cap', 'true'], /--cap needs a capability name/);
});

test('help and version take nothing else and cannot be combined', () => {
  assert.equal(parseArguments(['--help']), { mode: 'help' });
  assert.equal(parseArguments(['-V']), { mode: 'version' });
  fails(['--help', '--version'], /cannot be combined/);
  fails(['--version', 'true'], /takes no command/);
  fails(['--print', 'false'], /takes no command/);
  fails(['--help', '--cap', 'net_admin'], /cannot be used with --help/);
});

test('mode options are checked against the mode', () => {
  assert.equal(parseArguments(['--print', '--json']), { mode: 'print', json: true });
  assert.equal(parseArguments(['--doctor', '-c', 'net_admin', '--', 'tunctl', '-t', 'x']), {
    mode: 'doctor', json: false, caps: ['net_admin'], command: ['tunctl', '-t', 'x'],
  });
  assert.equal(parseArguments(['--install', '/opt/x', '--cap', 'net_admin', '--group', 'netdev']), {
    mode: 'install', prefix: '/opt/x', caps: ['net_admin'], group: 'netdev',
  });
  assert.equal(parseArguments(['--uninstall', '/opt/x']), { mode: 'uninstall', prefix: '/opt/x' });
  assert.equal(parseArguments(['--json', '-c', 'net_admin', 'true']), { mode: 'launch', json: true, caps: ['net_admin'], preserveFds: 0, command: ['true'] });
  fails(['--install', '/opt/x', '--cap', 'net_admin', '--json'], /--json cannot be used with --install/);
  fails(['--group', 'x', '-c', 'net_admin', 'true'], /--group needs --install/);
  fails(['--print', '--cap', 'net_admin'], /--cap cannot be used with --print/);
  fails(['--install', '/opt/x'], /no capability given/);
  fails(['--install', '--cap', 'net_admin'], /^--install needs PREFIX$/);
  fails(['--install=', '--cap', 'net_admin'], /--install needs PREFIX/);
  fails(['--uninstall', '/x', 'true'], /takes no command/);
  fails(['--doctor'], /no capability given/);
});

test('errors are JSON for a launch that asks for it, also when the arguments are wrong', () => {
  assert.ok(wantsJsonErrors(['--json', '--frobnicate', 'true']));
  assert.ok(wantsJsonErrors(['--json', '-c', 'net_admin']));
  assert.ok(wantsJsonErrors(['-c', 'net_admin', '--json', '--', 'tunctl']));
  assert.not.ok(wantsJsonErrors(['-c', 'net_admin', '--', 'tunctl', '--json']));
  assert.not.ok(wantsJsonErrors(['-c', 'net_admin', 'tunctl']));
  assert.not.ok(wantsJsonErrors(['--doctor', '--json', '-c', 'net_admin']));
  assert.not.ok(wantsJsonErrors(['--print', '--json']));
});

test.run();
