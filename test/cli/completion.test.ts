import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LONG_OPTIONS, OPTIONAL_VALUE_OPTIONS, SHORT_VALUE_LONG_NAMES, VALUE_OPTIONS } from '../../src/cli/arguments';
import { VERSION } from '../../src/cli/help';
import { CAP_NAMES } from '../../src/caps/names';
import { completionScript } from '../../src/commands/completion';
import { ROOT } from '../helpers/privileged';

// The bash completion as bash runs it: the script sourced into a shell that has no
// bash-completion loaded, the completion function called on a command line the way
// readline calls it, and COMPREPLY read back.
const systemPath = (process.env['PATH'] ?? '').split(':').filter((dir) => !dir.startsWith(join(ROOT, 'node_modules'))).join(':');
const scratch = mkdtempSync(join(tmpdir(), 'capexec-completion-'));
const script = join(scratch, 'capexec.bash');
const DRIVER = `source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
COMP_LINE="\${COMP_WORDS[*]}"; COMP_POINT=\${#COMP_LINE}
_capexec capexec "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\\n' "\${COMPREPLY[@]}"`;

test.before(() => {
  const printed = execFileSync(join(ROOT, 'bin', 'capexec'), ['--completion', 'bash'], { env: { PATH: systemPath } });
  writeFileSync(script, printed);
});
test.after(() => rmSync(scratch, { recursive: true, force: true }));

// What completing the last word gives; words as COMP_WORDS has them, so `--cap=x` with
// = as a word break is the three words `--cap`, `=`, `x`.
function complete(words: readonly string[], file = script): string[] {
  const output = execFileSync('bash', ['--norc', '--noprofile', '-c', DRIVER, 'bash', file, 'capexec', ...words], {
    encoding: 'utf8',
    env: { PATH: systemPath, HOME: scratch },
  });
  return [...new Set(output.split('\n').filter((line) => line !== ''))];
}

const lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));

test('capexec --completion bash prints a script bash accepts, which registers _capexec for capexec', () => {
  execFileSync('bash', ['-n', script]);
  const registered = execFileSync('bash', ['--norc', '-c', 'source "$1" && complete -p capexec', 'bash', script], { encoding: 'utf8' });
  assert.is(registered.trim(), 'complete -F _capexec capexec');
});

test('an unknown shell is a usage error', async () => {
  const result = await execa(join(ROOT, 'bin', 'capexec'), ['--completion', 'zsh'], { reject: false, env: { PATH: systemPath }, extendEnv: false });
  assert.is(result.exitCode, 125);
  assert.is(result.stdout, '');
  assert.is(result.stderr, "capexec: no completion for 'zsh' (use capexec --completion bash)");
});

test('options: every long option, and only options for a word that begins with -', () => {
  const all = LONG_OPTIONS.map((option) => `--${option}`).sort();
  assert.equal(complete(['-']).sort(), all);
  assert.equal(complete(['--']).sort(), all);
  assert.equal(complete(['--ca']), ['--cap']);
  assert.equal(complete(['--cap', 'net_admin', '--pre']), ['--preserve-fds']);
});

test('--cap: the names the running kernel has, from capexec\'s table, in the form begun', () => {
  const all = complete(['--cap', '']);
  assert.is(all.length, lastCap + 1);
  assert.equal(all, Array.from({ length: lastCap + 1 }, (_, cap) => CAP_NAMES[cap] ?? String(cap)));
  assert.equal(complete(['--cap', 'net_ad']), ['net_admin']);
  assert.equal(complete(['--cap', 'cap_sys_ad']), ['cap_sys_admin']);
  assert.equal(complete(['--cap', 'CAP_NET_R']), ['CAP_NET_RAW']);
  assert.equal(complete(['--cap', 'net_admin,net_r']), ['net_admin,net_raw']);
  assert.equal(complete(['-c', 'net_bind']), ['net_bind_service']);
  assert.equal(complete(['-cnet_ad']), ['-cnet_admin']);
  assert.equal(complete(['-hcnet_ad']), ['-hcnet_admin']);
  assert.equal(complete(['--cap', '=', 'net_ad']), ['net_admin'], '--cap=net_ad split at =');
  assert.equal(complete(['--cap=net_ad']), ['--cap=net_admin'], '--cap=net_ad as one word');
  assert.ok(complete(['--cap', '=']).includes('net_admin'), '--cap= with nothing after it');
  assert.equal(complete(['--cap', 'no_such']), []);
});

test('--group takes group names, --install and --uninstall directories, --completion a shell', () => {
  assert.ok(complete(['--install', '/tmp', '--cap', 'net_admin', '--group', 'ro']).includes('root'));
  assert.equal(complete(['--install', '/us']), ['/usr']);
  assert.equal(complete(['--uninstall', '/et']), ['/etc']);
  assert.equal(complete(['--completion', '']), ['bash']);
  assert.equal(complete(['--preserve-fds', '']), []);
});

test('--user takes user names, --groups a list of groups, --policy and --check a file', () => {
  assert.ok(complete(['--user', 'nob']).includes('nobody'));
  assert.ok(complete(['--user', 'nobody', '--groups', 'root,ro']).includes('root,root'));
  assert.ok(complete(['--install', '/tmp', '--policy', '/etc/passw']).includes('/etc/passwd'));
  assert.ok(complete(['--check', '/etc/passw']).includes('/etc/passwd'));
  // --check's file may be left out: an option after it is an option.
  assert.equal(complete(['--check', '--us']), ['--user']);
  assert.ok(complete(['--check', '--user', 'nob']).includes('nobody'));
  assert.ok(complete(['--user', 'nobody', '--cap', 'net_admin', '--', 'tru']).includes('true'));
});

test('an option the script has no completer for takes a file', () => {
  const file = join(scratch, 'more-options.bash');
  const options = { version: VERSION, shortValueOptions: SHORT_VALUE_LONG_NAMES, optionalValueOptions: OPTIONAL_VALUE_OPTIONS };
  writeFileSync(file, completionScript('bash', { ...options, longOptions: [...LONG_OPTIONS, 'new-file'], valueOptions: [...VALUE_OPTIONS, 'new-file'] }));
  assert.ok(complete(['--new-file', '/etc/passw'], file).includes('/etc/passwd'));
  assert.ok(complete(['--new-file', '/etc/passwd', 'tru'], file).includes('true'));
});

test('the command: after --, or at the first word that is not an option, as the shell completes it', () => {
  assert.ok(complete(['--cap', 'net_admin', '--', 'tru']).includes('true'));
  assert.ok(complete(['--cap', 'net_admin', 'tru']).includes('true'));
  assert.ok(complete(['--preserve-fds', '1', '-c', 'net_admin', '--json', 'tru']).includes('true'));
  assert.ok(complete(['tru']).includes('true'));
  // Its arguments are its own: capexec's options are not offered there.
  assert.equal(complete(['--cap', 'net_admin', 'true', '--ca']), []);
  assert.equal(complete(['--', '--ca']), []);
  assert.equal(complete(['-c', 'net_admin', '--', 'ls', '/et']), ['/etc']);
});

test.run();
