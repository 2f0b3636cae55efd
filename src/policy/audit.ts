import { capsArgument } from '../caps/names';
import { LOG_ALERT, LOG_AUTHPRIV, LOG_NOTICE } from '../kernel/constants';
import type { Libc } from '../kernel/libc';

// One syslog line per decision, in sudo's shape, at sudo's priorities: a grant at
// authpriv.notice, a denial at authpriv.alert.

export interface AuditEvent {
  user: string;
  caps: readonly number[];
  pwd: Buffer;
  // FILE:LINE of the deciding rule; undefined without a policy, or when none decided.
  rule: string | undefined;
  // The command's path and its arguments, each ended by a NUL, as execve() takes them:
  // a launch hands over its argument block as it is, whatever its length.
  command: Buffer;
  denied: boolean;
}

export function auditLine(event: AuditEvent): string {
  const fields = [
    ...(event.denied ? ['command not allowed'] : []),
    `CAPS=${capsArgument(event.caps)}`,
    `PWD=${escape(event.pwd)}`,
    ...(event.rule === undefined ? [] : [`RULE=${escape(Buffer.from(event.rule))}`]),
    `COMMAND=${escape(withoutLastNul(event.command)).replace(/\0/g, ' ')}`,
  ];
  return `${escape(Buffer.from(event.user))} : ${fields.join(' ; ')}`;
}

// Control characters as sudo writes them (#012 for a newline), so an argument cannot
// end the line and forge a second; `;` too, so no path or argument can forge a field.
// One character per byte (latin1), escaped by one native replace: the command line of a
// launch may hold tens of thousands of arguments. A NUL is left for the caller, which
// uses it to separate words.
function escape(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[\x01-\x1f\x7f;#]/g, (char) => `#${char.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

function withoutLastNul(bytes: Buffer): Buffer {
  return bytes[bytes.length - 1] === 0 ? bytes.subarray(0, -1) : bytes;
}

// With no syslog daemon, syslog(3) drops the line and the launch goes on.
export function audit(c: Libc, event: AuditEvent): void {
  c.syslog(LOG_AUTHPRIV, event.denied ? LOG_ALERT : LOG_NOTICE, Buffer.from(auditLine(event), 'latin1'));
}
