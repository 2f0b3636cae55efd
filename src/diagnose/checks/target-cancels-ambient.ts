import { S_ISGID, S_ISUID, S_IXGRP } from '../../kernel/constants';
import { maskOf } from '../../caps/sets';
import { isSecurebitSet } from '../../caps/securebits';
import type { CommandFacts, Facts } from '../facts';
import { decodeFileCaps, grantedAtExec, rootidHonoured, type FileCaps } from '../../caps/file-caps';
import { targetCancelsAmbient, type Finding, type PrivilegeSource } from '../findings';

// What the kernel does at the command's exec (commoncap.c, cap_bprm_creds_from_file):
// a set-user-ID or set-group-ID change, or file capabilities, clear the ambient set.
// The command then has only what its own privileges give it.
export function checkTargetCancelsAmbient(facts: Pick<Facts, 'requested' | 'process' | 'command'>): Finding[] {
  const { command, process } = facts;
  if (command === undefined || facts.requested.length === 0) return [];
  // A nosuid mount makes the kernel ignore both the mode bits and file capabilities;
  // no_new_privs makes it ignore the mode bits.
  const honoured = !(command.mount?.options.includes('nosuid') ?? false);
  const sources: PrivilegeSource[] = [];
  if (honoured && !process.noNewPrivs) sources.push(...setIdSources(command, process.uids[0], process.gids[0]));
  const caps = honoured ? honouredFileCaps(command, facts) : undefined;
  if (caps !== undefined) sources.push({ kind: 'file-caps', caps });
  if (sources.length === 0) return [];

  // capexec leaves exactly the request inheritable for the command.
  const inheritable = maskOf(facts.requested);
  let permitted = caps === undefined ? 0n : grantedAtExec(caps, inheritable, process.bounding);
  // Without the file's effective bit the command starts with them permitted only, which
  // a program that does not raise them itself never uses.
  let effective = caps?.effective === true ? permitted : 0n;
  const setuidRoot = sources.some((source) => source.kind === 'setuid' && source.uid === 0);
  if (setuidRoot && !isSecurebitSet(process.securebits, 'noroot')) {
    permitted |= inheritable | process.bounding;
    effective = permitted;
  }
  if (process.noNewPrivs) {
    permitted &= process.permitted;
    effective &= process.permitted;
  }
  return [targetCancelsAmbient(command.path, sources, facts.requested, { permitted, effective })];
}

function setIdSources(command: CommandFacts, uid: number | undefined, gid: number | undefined): PrivilegeSource[] {
  const sources: PrivilegeSource[] = [];
  // Running as one's own uid or gid is no change, and leaves the ambient set alone.
  if ((command.mode & S_ISUID) !== 0 && command.uid !== uid) sources.push({ kind: 'setuid', uid: command.uid });
  if ((command.mode & (S_ISGID | S_IXGRP)) === (S_ISGID | S_IXGRP) && command.gid !== gid) {
    sources.push({ kind: 'setgid', gid: command.gid });
  }
  return sources;
}

function honouredFileCaps(command: CommandFacts, facts: Pick<Facts, 'process'>): FileCaps | undefined {
  if ('errno' in command.capability) return undefined;
  const caps = decodeFileCaps(command.capability.bytes);
  return caps !== undefined && rootidHonoured(caps, facts.process.uidMap) ? caps : undefined;
}
