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
  command: readonly Buffer[];
  denied: boolean;
}

export function auditLine(event: AuditEvent): string {
  const fields = [
    ...(event.denied ? ['command not allowed'] : []),
    `CAPS=${capsArgument(event.caps)}`,
    `PWD=${escape(event.pwd)}`,
    ...(event.rule === undefined ? [] : [`RULE=${escape(Buffer.from(event.rule))}`]),
    `COMMAND=${event.command.map(escape).join(' ')}`,
  ];
  return `${escape(Buffer.from(event.user))} : ${fields.join(' ; ')}`;
}

// Control characters as sudo writes them (#012 for a newline), so an argument cannot
// end the line and forge a second; `;` too, so no path or argument can forge a field.
function escape(bytes: Buffer): string {
  let out = '';
  for (const byte of bytes) {
    out += byte < 0x20 || byte === 0x7f || byte === 0x3b || byte === 0x23 ? `#${byte.toString(8).padStart(3, '0')}` : String.fromCharCode(byte);
  }
  return out;
}

// With no syslog daemon, syslog(3) drops the line and the launch goes on.
export function audit(c: Libc, event: AuditEvent): void {
  c.syslog(LOG_AUTHPRIV, event.denied ? LOG_ALERT : LOG_NOTICE, Buffer.from(auditLine(event), 'latin1'));
}
