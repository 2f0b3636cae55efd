import { basename } from 'node:path';
import { capHints } from '../command-table';
import type { Facts } from '../facts';
import { wrongCap, type Finding } from '../findings';

const DEFAULT_UNPRIVILEGED_PORT_START = 1024;

export function checkWrongCap(facts: Facts): Finding[] {
  const { command, process, sysctl } = facts;
  if (command === undefined) return [];
  const range = sysctl.pingGroupRange;
  const groups = [process.gids[1] ?? -1, ...process.groups];
  const hints = capHints(basename(command.path.toString('utf8')), command.args.map((arg) => arg.toString('utf8')), {
    unprivilegedPortStart: sysctl.unprivilegedPortStart ?? DEFAULT_UNPRIVILEGED_PORT_START,
    pingSocketAllowed: range !== undefined && groups.some((gid) => gid >= range[0] && gid <= range[1]),
  });
  return hints.filter((hint) => !facts.requested.includes(hint.cap)).map((hint) => wrongCap(command.path, hint.cap, hint.why));
}
