import type { Account, Libc } from '../kernel/libc';

// util-linux's defaults, which setpriv --reset-env and login(1) use.
const USER_PATH = '/usr/local/bin:/bin:/usr/bin';
const ROOT_PATH = '/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin';
const DEFAULT_SHELL = '/bin/sh';

// The variables that say who the user is follow the switch, as su(1) sets them; with
// `reset`, nothing else of the caller's environment reaches the command but TERM, as
// setpriv --reset-env does. Written into libc's environ, which the exec passes on.
export function setUserEnvironment(c: Libc, user: Account, reset: boolean): void {
  if (reset) {
    const term = c.getenv('TERM');
    c.clearenv();
    if (term !== undefined) c.setenv('TERM', term);
    c.setenv('PATH', Buffer.from(user.uid === 0 ? ROOT_PATH : USER_PATH));
  }
  c.setenv('HOME', Buffer.from(user.home === '' ? '/' : user.home));
  c.setenv('USER', Buffer.from(user.name));
  c.setenv('LOGNAME', Buffer.from(user.name));
  c.setenv('SHELL', Buffer.from(user.shell === '' ? DEFAULT_SHELL : user.shell));
}
