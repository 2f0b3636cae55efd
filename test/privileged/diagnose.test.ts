import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { asNobody, DIST, installCopy, privileged, privilegedFixture, scratchDirectory } from '../helpers/privileged';
import { capMaskField, statusFields } from '../helpers/proc-status';
import { nobodyShellLine, runAsNobody, runAsRoot, shQuote } from '../helpers/run';
import { tunOpenToAll } from '../helpers/tun-node';

// Each cause from the diagnosis list, made real: the setcap'd executable run as nobody
// in the situation the cause describes, with the finding checked against what the
// kernel actually did (capexec's capget() view via --print, or the helper's own
// /proc/self/status). Mounts and tun devices live only in throwaway namespaces.

const NET_ADMIN = 1n << 12n;
const NET_RAW = 1n << 13n;

interface DoctorReport {
  ok: boolean;
  findings: { id: string; severity: string; message: string; fix: string }[];
}
interface PrintReport {
  permitted: string[];
  bounding: string[];
  securebits: { value: number; flags: string[] };
  no_new_privs: boolean;
  traced: boolean;
  uid: number;
  user_namespace: { initial: boolean };
}

const ids = (report: DoctorReport): string[] => report.findings.map((finding) => finding.id);
const parse = <T>(text: unknown): T => JSON.parse(String(text)) as T;

const diagnose = suite('each diagnosed cause, reproduced as nobody');
const fixture = privilegedFixture(diagnose, 'cap_net_admin+p', 'diagnose');

// A fresh copy of dist/ with its own file capabilities, removed when `body` is done.
async function withCopy(fileCaps: string[] | undefined, body: (exe: string) => Promise<void>): Promise<void> {
  const copy = installCopy(undefined);
  try {
    if (fileCaps !== undefined) execFileSync('setcap', [...fileCaps, copy.exe]);
    await body(copy.exe);
  } finally {
    copy.remove();
  }
}

async function doctorAsNobody(setprivOptions: string[], exe: string, ...rest: string[]) {
  const result = await runAsNobody([exe, '--doctor', '--json', '--cap', 'net_admin', ...rest], {}, setprivOptions);
  return { status: result.exitCode, report: parse<DoctorReport>(result.stdout) };
}

async function printAsNobody(setprivOptions: string[], exe: string): Promise<PrintReport> {
  const result = await runAsNobody([exe, '--print', '--json'], {}, setprivOptions);
  assert.is(result.exitCode, 0, String(result.stderr));
  return parse<PrintReport>(result.stdout);
}

privileged(diagnose, 'the installed copy itself is healthy: no findings, exit 0', async () => {
  const { status, report } = await doctorAsNobody([], fixture.installed.exe);
  assert.equal(report, { ok: true, findings: [] });
  assert.is(status, 0);
  assert.ok((await printAsNobody([], fixture.installed.exe)).permitted.includes('cap_net_admin'));
});

privileged(diagnose, 'nosuid: a copy on a nosuid tmpfs gets nothing; the same copy without nosuid does', async () => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'capexec-nosuid-'));
  try {
    const run = async (options: string) => {
      const files = readdirSync(DIST).map((name) => shQuote(join(DIST, name))).join(' ');
      const exe = join(mountPoint, 'capexec');
      const script = [
        'set -e',
        `mount -t tmpfs -o ${options},mode=0755 capexec-test ${shQuote(mountPoint)}`,
        `cp ${files} ${shQuote(mountPoint)}`,
        `chmod 0755 ${shQuote(exe)}`,
        `setcap cap_net_admin+p ${shQuote(exe)}`,
        'set +e',
        nobodyShellLine([exe, '--print', '--json']),
        nobodyShellLine([exe, '--doctor', '--json', '--cap', 'net_admin']),
        'echo "$?"',
      ].join('\n');
      const result = await runAsRoot('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script]);
      assert.is(result.exitCode, 0, String(result.stderr));
      const [print, doctor, status] = String(result.stdout).split('\n');
      return { print: parse<PrintReport>(print), doctor: parse<DoctorReport>(doctor), status: Number(status) };
    };

    const nosuid = await run('nosuid');
    assert.equal(nosuid.print.permitted, []);
    assert.equal(ids(nosuid.doctor), ['nosuid']);
    assert.is(nosuid.doctor.ok, false);
    assert.is(nosuid.status, 1);

    const plain = await run('rw');
    assert.equal(plain.print.permitted, ['cap_net_admin']);
    assert.equal(plain.doctor, { ok: true, findings: [] });
    assert.is(plain.status, 0);
  } finally {
    rmSync(mountPoint, { recursive: true, force: true });
  }
});

privileged(diagnose, 'traced: under an unprivileged strace the file capabilities are ignored', async () => {
  const strace = ['strace', '-f', '-o', '/dev/null'];
  const print = await printAsNobody(strace, fixture.installed.exe);
  assert.is(print.traced, true);
  assert.equal(print.permitted, []);
  const { status, report } = await doctorAsNobody(strace, fixture.installed.exe);
  assert.equal(ids(report), ['traced']);
  assert.is(status, 1);

  const launch = await runAsNobody([...strace, fixture.installed.exe, '--cap', 'net_admin', '--', 'true']);
  assert.is(launch.exitCode, 125);
  const lines = String(launch.stderr).split('\n');
  assert.match(lines[0] ?? '', /^capexec: cannot pass cap_net_admin: /);
  assert.match(lines[1] ?? '', /^  error traced: /);
});

privileged(diagnose, 'no_new_privs: the finding appears exactly when the kernel withheld the file capabilities', async () => {
  const nnp = ['--no-new-privs'];
  const print = await printAsNobody(nnp, fixture.installed.exe);
  assert.is(print.no_new_privs, true);
  const { status, report } = await doctorAsNobody(nnp, fixture.installed.exe);
  const helper = await runAsNobody([fixture.installed.exe, '--cap', 'net_admin', '--', 'cat', '/proc/self/status'], {}, nnp);
  if (print.permitted.includes('cap_net_admin')) {
    // This kernel lets file capabilities through no_new_privs (Linux 6.18 does).
    assert.equal(report, { ok: true, findings: [] });
    assert.is(status, 0);
    assert.is(capMaskField(statusFields(String(helper.stdout)), 'CapAmb'), NET_ADMIN);
  } else {
    assert.equal(ids(report), ['no_new_privs']);
    assert.is(status, 1);
    assert.is(helper.exitCode, 125);
    assert.match(String(helper.stderr).split('\n')[1] ?? '', /^  error no_new_privs: /);
  }
});

privileged(diagnose, 'no_file_caps: a copy without file capabilities, and one with the wrong one', async () => {
  await withCopy(undefined, async (exe) => {
    assert.equal((await printAsNobody([], exe)).permitted, []);
    const { status, report } = await doctorAsNobody([], exe);
    assert.equal(ids(report), ['no_file_caps']);
    assert.is(status, 1);

    // A failed launch prints the same findings under its error line, and exits 125.
    const launch = await runAsNobody([exe, '--cap', 'net_admin', '--', 'true']);
    assert.is(launch.exitCode, 125);
    const lines = String(launch.stderr).split('\n');
    assert.match(lines[0] ?? '', /^capexec: cannot pass cap_net_admin: not in capexec's permitted set$/);
    assert.match(lines[1] ?? '', /^  error no_file_caps: /);
    assert.is(lines.length, 2);
    assert.is(launch.stdout, '');
  });
  await withCopy(['cap_net_raw+p'], async (exe) => {
    assert.equal((await printAsNobody([], exe)).permitted, ['cap_net_raw']);
    const { report } = await doctorAsNobody([], exe);
    assert.equal(ids(report), ['no_file_caps']);
    assert.match(report.findings[0]?.fix ?? '', /setcap cap_net_admin,cap_net_raw\+p /);
  });
});

privileged(diagnose, 'file_caps_rootid: namespaced file capabilities for uid 1000 are ignored here', async () => {
  await withCopy(['-n', '1000', 'cap_net_admin+p'], async (exe) => {
    assert.equal((await printAsNobody([], exe)).permitted, []);
    const { status, report } = await doctorAsNobody([], exe);
    assert.equal(ids(report), ['file_caps_rootid']);
    assert.is(status, 1);
  });
});

privileged(diagnose, 'bounding: a cap dropped from the bounding set', async () => {
  const drop = ['--bounding-set=-net_admin'];
  const print = await printAsNobody(drop, fixture.installed.exe);
  assert.not.ok(print.bounding.includes('cap_net_admin'));
  assert.equal(print.permitted, []);
  const { status, report } = await doctorAsNobody(drop, fixture.installed.exe);
  assert.equal(ids(report), ['bounding']);
  assert.is(status, 1);
});

privileged(diagnose, 'ambient_locked: SECBIT_NO_CAP_AMBIENT_RAISE refuses the raise; the launch says why', async () => {
  // capsh sets the securebit as root; it is inherited through setpriv's change to nobody.
  const locked = (argv: string[]) => {
    const [setpriv, args] = asNobody(argv);
    return runAsRoot('capsh', ['--secbits=0x40', `--shell=/usr/bin/${setpriv}`, '--', ...args]);
  };
  const print = parse<PrintReport>((await locked([fixture.installed.exe, '--print', '--json'])).stdout);
  assert.ok(print.securebits.flags.includes('no_cap_ambient_raise'));
  assert.ok(print.permitted.includes('cap_net_admin'));
  const doctor = await locked([fixture.installed.exe, '--doctor', '--json', '--cap', 'net_admin']);
  assert.equal(ids(parse<DoctorReport>(doctor.stdout)), ['ambient_locked']);
  assert.is(doctor.exitCode, 1);

  const launch = await locked([fixture.installed.exe, '--cap', 'net_admin', '--', 'true']);
  assert.is(launch.exitCode, 125);
  const lines = String(launch.stderr).split('\n');
  assert.match(lines[0] ?? '', /^capexec: cannot raise cap_net_admin into the ambient set: Operation not permitted$/);
  assert.match(lines[1] ?? '', /^  error ambient_locked: /);
});

privileged(diagnose, 'target_cancels_ambient: a command with file caps, or setgid, loses the ambient set', async () => {
  const withCaps = join(fixture.scratch, 'cat-fcaps');
  const setgid = join(fixture.scratch, 'cat-setgid');
  copyFileSync('/bin/cat', withCaps);
  copyFileSync('/bin/cat', setgid);
  try {
    chmodSync(withCaps, 0o755);
    execFileSync('setcap', ['cap_net_raw+ep', withCaps]);
    // A gid no group has: the setgid change is real and grants nothing.
    execFileSync('chown', ['0:54321', setgid]);
    chmodSync(setgid, 0o2755);

    // The launch agrees with --doctor: it refuses with 125 and never runs the command.
    for (const command of [withCaps, setgid]) {
      const { status, report } = await doctorAsNobody([], fixture.installed.exe, '--', command);
      assert.equal(ids(report), ['target_cancels_ambient'], command);
      assert.is(status, 1);
      const helper = await runAsNobody([fixture.installed.exe, '--cap', 'net_admin', '--', command, '/proc/self/status']);
      assert.is(helper.exitCode, 125, command);
      assert.is(helper.stdout, '', command);
      const lines = String(helper.stderr).split('\n');
      assert.is(lines[0], `capexec: cannot pass cap_net_admin to ${command}: the kernel would not give them to it`);
      assert.match(lines[1] ?? '', /^  error target_cancels_ambient: /);
    }
    // A warning still runs: the command's own file capabilities cover the request.
    const rawCopy = installCopy('cap_net_raw+p');
    try {
      const helper = await runAsNobody([rawCopy.exe, '--cap', 'net_raw', '--', withCaps, '/proc/self/status']);
      assert.is(helper.exitCode, 0, String(helper.stderr));
      assert.is(capMaskField(statusFields(String(helper.stdout)), 'CapEff'), NET_RAW);
    } finally {
      rawCopy.remove();
    }
  } finally {
    rmSync(withCaps, { force: true });
    rmSync(setgid, { force: true });
  }
});

privileged(diagnose, 'tun_permission: /dev/net/tun is 0600 root, and only file permissions change that', async () => {
  const tunctl = ['--', 'tunctl', '-u', 'nobody', '-t', 'tap8'];
  const { status, report } = await doctorAsNobody([], fixture.installed.exe, ...tunctl);
  assert.equal(ids(report), ['tun_permission']);
  assert.is(report.ok, true);
  assert.is(status, 0);

  const nodeDir = scratchDirectory('tun');
  try {
    const doctor = nobodyShellLine([fixture.installed.exe, '--doctor', '--json', '--cap', 'net_admin', ...tunctl]);
    const launch = nobodyShellLine([fixture.installed.exe, '--cap', 'net_admin', ...tunctl]);
    const denied = await runAsRoot('unshare', ['--net', '--mount', 'sh', '-c', `${launch} 2>&1; echo "status=$?"`]);
    assert.match(String(denied.stdout), /Permission denied/);
    assert.not.match(String(denied.stdout), /status=0/);

    const open = tunOpenToAll(nodeDir);
    const allowed = await runAsRoot('unshare', ['--net', '--mount', 'sh', '-c', `set -e; ${open}; ${doctor}; ${launch} >/dev/null; ip -o link show tap8`]);
    assert.is(allowed.exitCode, 0, String(allowed.stderr));
    const [doctorOutput, link] = String(allowed.stdout).split('\n');
    assert.equal(parse<DoctorReport>(doctorOutput), { ok: true, findings: [] });
    assert.match(link ?? '', /: tap8: /);
  } finally {
    rmSync(nodeDir, { recursive: true, force: true });
  }
});

privileged(diagnose, 'wrong_cap: tcpdump asked for net_admin alone lacks net_raw', async () => {
  // The table goes by the command's name; this one is cat, so it can show its own status.
  const tcpdump = join(fixture.scratch, 'tcpdump');
  copyFileSync('/bin/cat', tcpdump);
  try {
    chmodSync(tcpdump, 0o755);
    const { status, report } = await doctorAsNobody([], fixture.installed.exe, '--', tcpdump, '-i', 'any');
    assert.equal(ids(report), ['wrong_cap']);
    assert.match(report.findings[0]?.message ?? '', /cap_net_raw was not requested/);
    assert.is(status, 0);
    const helper = await runAsNobody([fixture.installed.exe, '--cap', 'net_admin', '--', tcpdump, '/proc/self/status']);
    assert.is(capMaskField(statusFields(String(helper.stdout)), 'CapEff') & NET_RAW, 0n);
  } finally {
    rmSync(tcpdump, { force: true });
  }
});

// Runs a command line in a child user namespace that maps uids and gids 0-65535 to
// themselves: not the initial namespace, yet root's files are still root's. Root
// writes the maps itself, as newuidmap would.
function inChildUserNamespace(line: string): string {
  return [
    `unshare --user sh -c 'while ! grep -q . /proc/self/uid_map; do sleep 0.01; done; exec "$@"' userns ${line} &`,
    'child=$!',
    'while [ "$(readlink /proc/$child/ns/user)" = "$(readlink /proc/self/ns/user)" ]; do sleep 0.01; done',
    'echo "0 0 65536" > /proc/$child/uid_map',
    'echo "0 0 65536" > /proc/$child/gid_map',
    'wait $child',
  ].join('\n');
}

privileged(diagnose, 'user_namespace: caps held in a child user namespace do not reach the host\'s network', async () => {
  const script = [
    inChildUserNamespace(nobodyShellLine([fixture.installed.exe, '--print', '--json'])),
    inChildUserNamespace(nobodyShellLine([fixture.installed.exe, '--doctor', '--json', '--cap', 'net_admin'])),
    'echo "$?"',
  ].join('\n');
  const result = await runAsRoot('sh', ['-c', script]);
  assert.is(result.exitCode, 0, String(result.stderr));
  const [printOutput, doctorOutput, status] = String(result.stdout).split('\n');
  const print = parse<PrintReport>(printOutput);
  assert.is(print.user_namespace.initial, false);
  assert.is(print.uid, 65534);
  assert.ok(print.permitted.includes('cap_net_admin'));
  assert.equal(ids(parse<DoctorReport>(doctorOutput)), ['user_namespace']);
  assert.is(status, '0');

  // With the device open to everyone, the namespace is the only obstacle left: the
  // network namespace belongs to the initial user namespace, where nobody holds nothing.
  const nodeDir = scratchDirectory('tun');
  try {
    const open = tunOpenToAll(nodeDir);
    const launch = (tap: string) => nobodyShellLine([fixture.installed.exe, '--cap', 'net_admin', '--', 'tunctl', '-u', 'nobody', '-t', tap]);
    const inNamespace = [
      `${open} || exit 1`,
      `{\n${inChildUserNamespace(launch('tap6'))}\n} 2>&1; echo "child=$?"`,
      `${launch('tap7')} >/dev/null 2>&1; echo "initial=$?"`,
    ].join('\n');
    const tun = await runAsRoot('unshare', ['--net', '--mount', 'sh', '-c', inNamespace]);
    const output = String(tun.stdout);
    assert.match(output, /TUNSETIFF: Operation not permitted/);
    assert.match(output, /^child=[1-9]/m);
    assert.match(output, /^initial=0$/m);
  } finally {
    rmSync(nodeDir, { recursive: true, force: true });
  }
});

diagnose.run();
