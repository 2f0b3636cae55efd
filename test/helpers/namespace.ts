import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type Options } from 'execa';
import type { Account } from './accounts';
import { shQuote } from './run';

// A launch as a real user under a policy that exists only inside a private mount
// namespace: /etc there is an overlay whose upper layer holds the test's capexec.conf,
// so the machine's own /etc is never written. With `syslog`, /dev is an overlay too, and
// a datagram socket bound at /dev/log in it records what syslog(3) sends; the machine
// itself has no /dev/log and gets none. /var/cache is an overlay as well, so that what
// root's capexec --check keeps there never reaches the machine's.
export interface PolicyRun {
  // A fresh 0755 directory for this run's layers; removed with the suite's scratch.
  base: string;
  // The policy, written as /etc/capexec.conf root:root 0644; or a function that fills the
  // upper layer of /etc itself (a file with another mode or owner, a symbolic link);
  // undefined for no policy file at all.
  policy: string | ((etc: string) => void) | undefined;
  user: Account;
  argv: readonly string[];
  env?: Record<string, string>;
  cwd?: string;
  // A file to append each datagram sent to /dev/log to, one a line.
  syslog?: string;
  // An upper layer for /etc from an earlier run, to see what that run left there;
  // `policy` then adds to it.
  etc?: string;
  // Likewise an upper layer for /var/cache, holding capexec/capexec.conf.parsed.
  cache?: string;
}

// Binds /dev/log, makes it writable for everyone as syslog daemons do, says it is ready,
// and records datagrams until the test's own end marker arrives: everything sent before
// it is in the file once the listener has exited.
const LISTENER = `
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('/dev/log')
os.chmod('/dev/log', 0o666)
open(sys.argv[2], 'w').close()
with open(sys.argv[1], 'ab', buffering=0) as out:
    while True:
        data = s.recv(1 << 16)
        if data == b'capexec-test-end':
            break
        out.write(data + b'\\n')
`;
const END = `import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b'capexec-test-end', '/dev/log')`;

// The script run by unshare: $1 and $2 are /etc's layers, $3 and $4 /dev's (or empty),
// $5 the syslog record, $6 the uid, $7 the gid, $8 and $9 /var/cache's layers, and the
// rest the argv to run as that user. Mount failures exit 90, so no test can mistake them
// for capexec's statuses.
// The listener's code is in shell variables, not the environment, which the launch gets.
const SCRIPT = `
LISTENER=${shQuote(LISTENER)}
END=${shQuote(END)}
mount --make-rprivate / || exit 90
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1,workdir=$2" /etc || exit 90
mount -t overlay overlay -o "lowerdir=/var/cache,upperdir=$8,workdir=$9" /var/cache || exit 90
listener=
if [ -n "$3" ]; then
  mount -t overlay overlay -o "lowerdir=/dev,upperdir=$3,workdir=$4" /dev || exit 90
  /usr/bin/python3 -c "$LISTENER" "$5" "$3.ready" & listener=$!
  tries=0
  until [ -e "$3.ready" ]; do
    tries=$((tries + 1)); [ $tries -gt 200 ] && { kill $listener; exit 91; }
    sleep 0.05
  done
fi
uid=$6 gid=$7
shift 9
setpriv --reuid="$uid" --regid="$gid" --init-groups --inh-caps=-all -- /bin/sh -c 'exec "$@"' sh "$@"
status=$?
if [ -n "$listener" ]; then /usr/bin/python3 -c "$END"; wait $listener; fi
exit $status
`;

let serial = 0;

export function layer(base: string, name: string): string {
  const dir = join(base, `${name}-${serial++}`);
  mkdirSync(dir, { mode: 0o755 });
  // An overlay's root takes the upper layer's owner and mode: /etc must stay root's 0755.
  chownSync(dir, 0, 0);
  chmodSync(dir, 0o755);
  return dir;
}

export function runUnderPolicy(run: PolicyRun, options: Options = {}) {
  const etc = run.etc ?? layer(run.base, 'etc');
  const etcWork = layer(run.base, 'etc-work');
  if (typeof run.policy === 'string') writePolicy(etc, run.policy);
  else run.policy?.(etc);
  const dev = run.syslog === undefined ? ['', ''] : [layer(run.base, 'dev'), layer(run.base, 'dev-work')];
  const cache = [run.cache ?? layer(run.base, 'cache'), layer(run.base, 'cache-work')];
  const args = ['--mount', '--', '/bin/sh', '-c', SCRIPT, 'sh', etc, etcWork, ...dev, run.syslog ?? '', String(run.user.uid), String(run.user.gid), ...cache, ...run.argv];
  return execa('unshare', args, {
    reject: false,
    timeout: 30_000,
    cwd: run.cwd ?? run.base,
    extendEnv: false,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...run.env },
    ...options,
  });
}

// As an administrator would put it in place.
export function writePolicy(etc: string, text: string, mode = 0o644): void {
  const path = join(etc, 'capexec.conf');
  writeFileSync(path, text);
  chownSync(path, 0, 0);
  chmodSync(path, mode);
}

