import { namesIn } from '../caps/sets';
import { collectProcessFacts } from '../diagnose/collect-facts';
import type { ProcessFacts } from '../diagnose/facts';
import { isInitialUidMap } from '../kernel/proc-parse';
import { writeAll } from '../support/output';
import { libc } from '../kernel/libc';
import { isSecurebitLocked, isSecurebitSet, SECUREBITS, securebitFlags, type Securebit } from '../caps/securebits';

// capexec --print: this process's capability state, as the kernel reports it.
export function printState(json: boolean): number {
  const facts = collectProcessFacts(libc());
  writeAll(1, json ? `${JSON.stringify(stateJson(facts))}\n` : stateText(facts));
  return 0;
}

export interface StateJson {
  effective: string[];
  permitted: string[];
  inheritable: string[];
  ambient: string[];
  bounding: string[];
  securebits: { value: number; flags: string[] };
  no_new_privs: boolean;
  traced: boolean;
  tracer_pid: number;
  uid: number;
  euid: number;
  gid: number;
  egid: number;
  groups: number[];
  secure_exec: boolean;
  user_namespace: { initial: boolean; uid_map: [number, number, number][] };
}

export function stateJson(facts: ProcessFacts): StateJson {
  return {
    effective: namesIn(facts.effective),
    permitted: namesIn(facts.permitted),
    inheritable: namesIn(facts.inheritable),
    ambient: namesIn(facts.ambient),
    bounding: namesIn(facts.bounding),
    securebits: { value: facts.securebits, flags: securebitFlags(facts.securebits) },
    no_new_privs: facts.noNewPrivs,
    traced: facts.tracerPid !== 0,
    tracer_pid: facts.tracerPid,
    uid: facts.uids[0] ?? -1,
    euid: facts.uids[1] ?? -1,
    gid: facts.gids[0] ?? -1,
    egid: facts.gids[1] ?? -1,
    groups: [...facts.groups],
    secure_exec: facts.secureExec,
    user_namespace: {
      initial: isInitialUidMap(facts.uidMap),
      uid_map: facts.uidMap.map((entry) => [entry.inside, entry.outside, entry.count]),
    },
  };
}

// Laid out like capsh --print, one set per line.
export function stateText(facts: ProcessFacts): string {
  const set = (mask: bigint): string => namesIn(mask).join(',') || '(none)';
  const yesNo = (value: boolean): string => (value ? 'yes' : 'no');
  const ids = (label: string, values: readonly number[]): string =>
    ['', 'e', 's', 'fs'].map((prefix, i) => `${prefix}${label}=${values[i] ?? '?'}`).join(' ');
  const map = facts.uidMap.map((entry) => `${entry.inside} ${entry.outside} ${entry.count}`).join(', ');
  const lines = [
    `Effective:      ${set(facts.effective)}`,
    `Permitted:      ${set(facts.permitted)}`,
    `Inheritable:    ${set(facts.inheritable)}`,
    `Ambient:        ${set(facts.ambient)}`,
    `Bounding:       ${set(facts.bounding)}`,
    `Securebits:     0x${facts.securebits.toString(16)}`,
    ...(Object.keys(SECUREBITS) as Securebit[]).map((name) => {
      const locked = isSecurebitLocked(facts.securebits, name) ? 'locked' : 'unlocked';
      return `  ${name}: ${yesNo(isSecurebitSet(facts.securebits, name))} (${locked})`;
    }),
    `NoNewPrivs:     ${yesNo(facts.noNewPrivs)}`,
    `Traced:         ${facts.tracerPid === 0 ? 'no' : `yes (TracerPid ${facts.tracerPid})`}`,
    `Secure exec:    ${yesNo(facts.secureExec)}`,
    ids('uid', facts.uids),
    ids('gid', facts.gids),
    `groups=${facts.groups.join(',')}`,
    `User namespace: ${isInitialUidMap(facts.uidMap) ? 'initial' : 'not the initial one'} (uid_map: ${map || 'empty'})`,
  ];
  return `${lines.join('\n')}\n`;
}
