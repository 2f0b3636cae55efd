import type { Account } from '../../src/kernel/libc';
import type { FakeGroup } from './fake-libc';

// A user database for root-mode tests: www-data, whose primary group is its own, and a
// member of two more.
export const USERS: Account[] = [
  { name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash' },
  { name: 'www-data', uid: 33, gid: 33, home: '/var/www', shell: '/usr/sbin/nologin' },
  { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent', shell: '' },
];

export const GROUPS: FakeGroup[] = [
  { name: 'root', gid: 0 },
  { name: 'www-data', gid: 33 },
  { name: 'web', gid: 1001, members: ['www-data'] },
  { name: 'logs', gid: 1002, members: ['www-data', 'nobody'] },
  { name: 'nogroup', gid: 65534 },
];
