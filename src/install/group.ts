import { spawnSync } from 'node:child_process';
import { CapexecError } from '../support/errors';
import { SAFE_PATH } from './layout';
import { printable } from '../support/messages';

export interface Group {
  name: string;
  gid: number;
}

// getent(1) asks NSS, so groups from LDAP or sssd are found as well as /etc/group's.
export function lookupGroup(name: string): Group {
  if (!/^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/.test(name) || name.length > 256) {
    throw new CapexecError('invalid_group_name', `--group '${printable(name)}'`, 'not a valid group name');
  }
  const result = spawnSync('getent', ['group', '--', name], { encoding: 'latin1', env: { PATH: SAFE_PATH }, stdio: ['ignore', 'pipe', 'ignore'] });
  if (result.error !== undefined) {
    throw new CapexecError('group_lookup_failed', `cannot look up group '${printable(name)}'`, `getent: ${result.error.message}`);
  }
  const group = result.status === 0 ? parseGroupLine(result.stdout, name) : undefined;
  if (group === undefined) {
    throw new CapexecError('unknown_group', `--group '${printable(name)}'`, 'no such group', { fix: `create it first: groupadd ${printable(name)}` });
  }
  return group;
}

// One line of group(5): name:password:gid:members.
export function parseGroupLine(text: string, name: string): Group | undefined {
  const fields = text.split('\n')[0]?.split(':') ?? [];
  const gid = fields[2] ?? '';
  if (fields.length !== 4 || fields[0] !== name || !/^\d{1,10}$/.test(gid) || Number(gid) > 0xfffffffe) return undefined;
  return { name, gid: Number(gid) };
}
