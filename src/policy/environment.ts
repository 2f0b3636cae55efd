import type { LoadedRule } from './match';

// What the command of a policy launch gets. It is not in secure-execution mode, and every
// program it runs inherits the ambient capabilities, so the caller's PATH, BASH_ENV,
// PYTHONPATH and the like must not steer it: unless the rule says keepenv, only a short
// list of the caller's variables stays (sudo's env_reset), with a fixed PATH.
export const POLICY_PATH_VARIABLE = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const KEPT = new Set(['TERM', 'LANG', 'LANGUAGE', 'TZ', 'DISPLAY', 'COLORTERM', 'HOME', 'USER', 'LOGNAME', 'SHELL']);

// `caller` are NAME=value entries, byte for byte, as the secure launcher's libc holds
// them (the dynamic linker's unsafe variables already gone).
export function policyEnvironment(caller: readonly Buffer[], rule: LoadedRule, callerName: string): Buffer[] {
  const values = new Map<string, Buffer>();
  for (const entry of caller) {
    const name = nameOf(entry);
    if (name !== undefined && !values.has(name)) values.set(name, entry);
  }
  const result = new Map<string, Buffer>();
  for (const [name, entry] of values) {
    // Exported bash functions run in every bash the command starts, keepenv or not.
    if (name.startsWith('BASH_FUNC_')) continue;
    if (rule.keepenv || KEPT.has(name) || name.startsWith('LC_')) result.set(name, entry);
  }
  if (!rule.keepenv) result.set('PATH', Buffer.from(`PATH=${POLICY_PATH_VARIABLE}`));
  // Set last of the defaults, so no caller can pass a name of their choosing.
  result.set('CAPEXEC_USER', Buffer.from(`CAPEXEC_USER=${callerName}`));
  for (const item of rule.setenv) {
    switch (item.kind) {
      case 'set':
        result.set(item.name, Buffer.from(`${item.name}=${item.value}`));
        break;
      case 'copy-from':
      case 'keep': {
        const from = values.get(item.kind === 'keep' ? item.name : item.from);
        if (from === undefined) result.delete(item.name);
        else result.set(item.name, Buffer.concat([Buffer.from(`${item.name}=`), from.subarray(from.indexOf(0x3d) + 1)]));
        break;
      }
      case 'unset':
        result.delete(item.name);
        break;
    }
  }
  return [...result.values()];
}

function nameOf(entry: Buffer): string | undefined {
  const equals = entry.indexOf(0x3d);
  return equals <= 0 ? undefined : entry.toString('latin1', 0, equals);
}
