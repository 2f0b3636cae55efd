import { readProcessState, stateJson, type ProcessState } from '../caps/process-state';
import { namesIn } from '../caps/sets';
import { isInitialUidMap, uidMapText } from '../kernel/proc-parse';
import { writeAll } from '../support/output';
import { libc } from '../kernel/libc';
import { isSecurebitLocked, isSecurebitSet, SECUREBITS, type Securebit } from '../caps/securebits';

// capexec --print: this process's capability state, as the kernel reports it.
export function printState(json: boolean): number {
  const state = readProcessState(libc());
  writeAll(1, json ? `${JSON.stringify(stateJson(state))}\n` : stateText(state));
  return 0;
}

// Laid out like capsh --print, one set per line.
export function stateText(facts: ProcessState): string {
  const set = (mask: bigint): string => namesIn(mask).join(',') || '(none)';
  const yesNo = (value: boolean): string => (value ? 'yes' : 'no');
  const ids = (label: string, values: readonly number[]): string =>
    ['', 'e', 's', 'fs'].map((prefix, i) => `${prefix}${label}=${values[i] ?? '?'}`).join(' ');
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
    `User namespace: ${isInitialUidMap(facts.uidMap) ? 'initial' : 'not the initial one'} (uid_map: ${uidMapText(facts.uidMap)})`,
  ];
  return `${lines.join('\n')}\n`;
}
