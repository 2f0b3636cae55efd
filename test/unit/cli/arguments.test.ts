import fc from 'fast-check';
import minimist from 'minimist';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ALL_DECLARATIONS, declarationsFor, LONG_OPTIONS, minimistInput, parseArguments, wantsJsonErrors } from '../../../src/cli/arguments';
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
    mode: 'install', prefix: '/opt/x', caps: ['net_admin'], group: 'netdev', policy: undefined,
  });
  assert.equal(parseArguments(['--install', '/opt/x', '--policy', 'rules.conf']), {
    mode: 'install', prefix: '/opt/x', caps: [], group: undefined, policy: 'rules.conf',
  });
  assert.equal(parseArguments(['--install', '/opt/x', '--policy=rules.conf', '-c', 'net_raw']), {
    mode: 'install', prefix: '/opt/x', caps: ['net_raw'], group: undefined, policy: 'rules.conf',
  });
  fails(['--policy', 'rules.conf', '-c', 'net_admin', 'true'], /--policy needs --install/);
  fails(['--install', '/opt/x', '--policy'], /--policy needs a policy file/);
  fails(['--install', '/opt/x', '--policy', 'a', '--policy', 'b'], /--policy given more than once/);
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

test('--user selects root mode, where --cap may be empty or absent', () => {
  const base = { mode: 'user', user: 'www-data', group: undefined, groups: undefined, clearGroups: false, keepBounding: false, noNewPrivs: false, resetEnv: false, preserveFds: 0 };
  assert.equal(parseArguments(['--user', 'www-data', '--cap', 'net_bind_service', '--', 'node', 'server.js']), {
    ...base, caps: ['net_bind_service'], command: ['node', 'server.js'],
  });
  assert.equal(parseArguments(['--user', 'www-data', 'true']), { ...base, caps: [], command: ['true'] });
  assert.equal(parseArguments(['--user', 'www-data', '--cap', '', 'true']), { ...base, caps: [], command: ['true'] });
  assert.equal(parseArguments(['--user=33', '--group', 'web', '--groups', 'web,logs', '--keep-bounding', '--no-new-privs', '--reset-env', '--preserve-fds', '1', 'true', '--no-new-privs']), {
    ...base, user: '33', group: 'web', groups: ['web', 'logs'], keepBounding: true, noNewPrivs: true, resetEnv: true, preserveFds: 1, caps: [], command: ['true', '--no-new-privs'],
  });
  assert.equal(parseArguments(['--user', 'www-data', '--clear-groups', 'true']), { ...base, clearGroups: true, caps: [], command: ['true'] });
});

test('--group means the primary group with --user, and who may run capexec with --install', () => {
  const user = parseArguments(['--user', 'www-data', '--group', 'web', 'true']);
  assert.is(user.mode, 'user');
  assert.is(user.mode === 'user' && user.group, 'web');
  const install = parseArguments(['--install', '/opt/x', '--cap', 'net_admin', '--group', 'web']);
  assert.is(install.mode === 'install' && install.group, 'web');
  fails(['--install', '/opt/x', '--cap', 'net_admin', '--groups', 'web'], /--groups cannot be used with --install/);
  fails(['--install', '/opt/x', '--cap', 'net_admin', '--user', 'x'], /--install and --user cannot be combined/);
});

test('root mode\'s options need --user, and conflicts are refused', () => {
  for (const option of ['--groups=web', '--clear-groups', '--keep-bounding', '--no-new-privs', '--reset-env']) {
    fails([option, '--cap', 'net_admin', 'true'], new RegExp(`^${option.replace(/=.*/, '')} needs --user`));
  }
  fails(['--group', 'x', '-c', 'net_admin', 'true'], /--group needs --install or --user/);
  fails(['--user', 'x', '--groups', 'a', '--clear-groups', 'true'], /--groups and --clear-groups cannot be combined/);
  fails(['--user', 'x', '--groups', 'a,,b', 'true'], /empty group name/);
  fails(['--user', 'x', '--user', 'y', 'true'], /--user given more than once/);
  fails(['--user', '', 'true'], /--user needs a user name or uid/);
  fails(['--user', 'x'], /no command given/);
  fails(['--user', 'x', '--doctor', 'true'], /--doctor and --user cannot be combined/);
  fails(['--user', 'x', '--no-new-privs=1', 'true'], /--no-new-privs takes no value/);
  fails(['--user', 'x', '--cap', 'a,,b', 'true'], /empty capability name/);
});

test('--check takes FILE when one follows, and none when an option or nothing does', () => {
  assert.equal(parseArguments(['--check']), { mode: 'check', file: undefined, query: undefined });
  assert.equal(parseArguments(['--check', 'new.conf']), { mode: 'check', file: 'new.conf', query: undefined });
  assert.equal(parseArguments(['--check=-odd.conf']), { mode: 'check', file: '-odd.conf', query: undefined });
  const query = { user: 'alice', caps: ['net_admin'], command: ['tunctl', '-t', 'tap0'] };
  assert.equal(parseArguments(['--check', 'new.conf', '--user', 'alice', '--cap', 'net_admin', '--', 'tunctl', '-t', 'tap0']), { mode: 'check', file: 'new.conf', query });
  assert.equal(parseArguments(['--check', '--user', 'alice', '-c', 'net_admin', 'tunctl', '-t', 'tap0']), { mode: 'check', file: undefined, query });
  assert.equal(parseArguments(['--list']), { mode: 'list' });
});

test('--check: --user, --cap and the command go together, and root mode\'s other options stay out', () => {
  fails(['--check', 'a.conf', '--cap', 'net_admin'], /^--check with --cap or a command needs --user$/);
  fails(['--check', '--', 'tunctl'], /^--check with --cap or a command needs --user$/);
  fails(['--check', '--user', 'alice', '--', 'tunctl'], /^no capability given$/);
  fails(['--check', '--user', 'alice', '--cap', 'net_admin'], /^--check --user needs a command$/);
  fails(['--check', '--user', '--cap', 'net_admin'], /^--user needs a user name or uid$/);
  fails(['--check', '--user', 'alice', '--groups', 'adm', '--cap', 'net_admin', 'true'], /^--groups cannot be used with --check$/);
  fails(['--check', 'a', '--check', 'b'], /^--check given more than once$/);
  fails(['--list', '--check'], /^--check and --list cannot be combined$/);
  fails(['--list', 'tunctl'], /^--list takes no command$/);
  fails(['--doctor', '--user', 'alice', '--cap', 'net_admin'], /^--doctor and --user cannot be combined$/);
});

// minimist is told of only the options the arguments name, and given none it would take
// for a property of every object: whatever the arguments, every option reads as it did
// when minimist had them all and was told of all options (a flag not given being false
// there, undefined here), with the same unknown options and the same words left.
test('minimist told of the named options parses as when told of all of them', () => {
  const token = fc.oneof(
    fc.constantFrom('--cap', '--cap=net_admin', '-c', '-cnet_admin', '-hc', '-Vh', '--json', '--no-json', '--json=false', '--json=1',
      '--help', '-h', '-V', '--check', '--check=', '--user', '--groups', '--clear-groups', '--no-clear-groups', '--preserve-fds', '3', '-5',
      '--install', '--uninstall=/opt', '/opt', 'alice', 'net_admin', '-', '--', '---', '--no-', '--unknown', '--no-unknown', '-x', '-cx',
      '--group=', '--no-new-privs', '--Cap', '--cap.x', '--__proto__', '-c=', 'true', 'false'),
    fc.string({ maxLength: 6 }),
    fc.constantFrom(...LONG_OPTIONS).map((name) => `--${name}`),
  );
  const parse = (args: string[], declared: Pick<minimist.Opts, 'string' | 'boolean' | 'alias'>) => {
    const unknown: string[] = [];
    const parsed = minimist(args, { ...declared, unknown: (arg) => { unknown.push(arg); return false; } });
    const options = Object.fromEntries(LONG_OPTIONS.map((name) => [name, parsed[name] === false ? undefined : parsed[name]]));
    return { options, words: parsed._, unknown };
  };
  fc.assert(fc.property(fc.array(token, { maxLength: 8 }), (args) => {
    const { given, unknown } = minimistInput(args);
    const now = parse(given, declarationsFor(given));
    let before: ReturnType<typeof parse>;
    try {
      before = parse(args, ALL_DECLARATIONS);
    } catch (error) {
      // Where minimist alone threw, the words it threw on are unknown options now.
      assert.instance(error, TypeError);
      assert.ok(unknown.length > 0, args.join(' '));
      return;
    }
    assert.equal(unknown, []);
    assert.equal(now, before);
  }), { numRuns: 3000 });
});

// minimist takes these for entries of its own tables and throws a TypeError: capexec
// must say they are unknown, as for any other, in one line.
test('-- as a value is a missing value: minimist would end the options there', () => {
  fails(['--user', 'alice', '--cap', '--', '--reset-env', '--', 'id'], /^--cap needs a capability name$/);
  fails(['--install', '--', '/usr/local'], /^--install needs PREFIX$/);
  fails(['--user', 'nobody', '-c--', '--clear-groups', '--reset-env', '--', 'id'], /^--cap needs a capability name$/);
  fails(['--user', 'nobody', '-hc--', '--', 'id'], /^--cap needs a capability name$/);
});

test('of several unknown options, the first given is the one reported', () => {
  fails(['--Cap', '--toString', 'true'], /^unknown option '--Cap'$/);
  fails(['--toString', '--Cap', 'true'], /^unknown option '--toString'$/);
});

// Asked while another error is reported: it must answer, not throw in turn.
test('wantsJsonErrors() answers for arguments that do not even split', () => {
  assert.is(wantsJsonErrors(['--json', '--cap', '--', 'id']), true);
  assert.is(wantsJsonErrors(['--cap', '--install']), false);
  assert.is(wantsJsonErrors(['--json', '--cap', '--install']), false);
  assert.is(wantsJsonErrors(['--json', '--print', '--cap', '--user']), false);
  assert.is(wantsJsonErrors(['--cap', '--user', '--', '--json']), false);
  assert.is(wantsJsonErrors(['--json', '-hc', '--']), false);
  assert.is(wantsJsonErrors(['--json', '--install=/usr', '--cap', '--policy']), false);
  assert.is(wantsJsonErrors(['--json', '-c', '--']), true);
});

test('an option named like a property of every object is unknown, not a crash', () => {
  for (const name of ['__proto__', 'toString', 'constructor', 'hasOwnProperty', 'valueOf', 'no-__proto__']) {
    fails([`--${name}`, 'true'], new RegExp(`^unknown option '--${name}'$`));
    fails(['--cap', 'net_admin', `--${name}=x`, '--', 'true'], new RegExp(`^unknown option '--${name}'$`));
    assert.is(wantsJsonErrors(['--json', `--${name}`]), true);
  }
});

test.run();
