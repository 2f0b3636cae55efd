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

// The line as syslog gets it, one byte per character: the user name, the working
// directory and the command are bytes the caller chose, in no encoding in particular.
export function auditMessage(event: AuditEvent): Buffer {
  const fields = [
    ...(event.denied ? ['command not allowed'] : []),
    `CAPS=${capsArgument(event.caps)}`,
    `PWD=${escape(event.pwd)}`,
    ...(event.rule === undefined ? [] : [`RULE=${escape(Buffer.from(event.rule))}`]),
    'COMMAND=',
  ];
  return Buffer.concat([Buffer.from(`${escape(Buffer.from(event.user))} : ${fields.join(' ; ')}`, 'latin1'), commandWords(event.command)]);
}

// Control characters as sudo writes them (#012 for a newline), so an argument cannot
// end the line and forge a second; `;` too, so no path or argument can forge a field.
// A NUL is left for commandWords(), which uses it to separate words.
const ESCAPED = /[\x01-\x1f\x7f;#]/g;
const NEEDS_ESCAPE = /[\x01-\x1f\x7f;#]/;

function escape(bytes: Buffer): string {
  return escapeText(bytes.toString('latin1'));
}

function escapeText(text: string): string {
  return text.replace(ESCAPED, (char) => `#${char.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

// The words separated by spaces. A launch's command line may hold tens of thousands of
// arguments: a replace() of each NUL would cost more than the rest of the launch, so
// the bytes are copied once and each NUL, found by JavaScript's string search in a
// latin1 copy, overwritten in place. Only a line that needs escaping takes the slow way.
function commandWords(command: Buffer): Buffer {
  const bytes = command[command.length - 1] === 0 ? command.subarray(0, -1) : command;
  const text = bytes.toString('latin1');
  if (NEEDS_ESCAPE.test(text)) return Buffer.from(escapeText(text).replaceAll('\0', ' '), 'latin1');
  const words = Buffer.from(bytes);
  for (let at = text.indexOf('\0'); at !== -1; at = text.indexOf('\0', at + 1)) words[at] = 0x20;
  return words;
}

// With no syslog daemon, syslog(3) drops the line and the launch goes on.
export function audit(c: Libc, event: AuditEvent): void {
  c.syslog(LOG_AUTHPRIV, event.denied ? LOG_ALERT : LOG_NOTICE, auditMessage(event));
}
