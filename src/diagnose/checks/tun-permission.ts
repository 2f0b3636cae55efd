import { capNumber } from '../../caps/names';
import { basename } from 'node:path';
import { opensTun } from '../command-table';
import type { Facts } from '../facts';
import { tunPermission, type Finding } from '../findings';

const NET_ADMIN = capNumber('net_admin');
// Would let the command open the device regardless of its mode.
const DAC_OVERRIDE = capNumber('dac_override');

export function checkTunPermission(facts: Facts): Finding[] {
  const { command, tun } = facts;
  if (command === undefined || tun.access.ok) return [];
  if (!facts.requested.includes(NET_ADMIN) || facts.requested.includes(DAC_OVERRIDE)) return [];
  const args = command.args.map((arg) => arg.toString('utf8'));
  if (!opensTun(basename(command.path.toString('utf8')), args)) return [];
  return [tunPermission(command.path, tun, tun.access.errno)];
}
