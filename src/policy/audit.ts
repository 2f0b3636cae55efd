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
export function auditMessage(c: Pick<Libc, 'argzStringify' | 'strpbrk'>, event: AuditEvent): Buffer {
  const fields = [
    ...(event.denied ? ['command not allowed'] : []),
    `CAPS=${capsArgument(event.caps)}`,
    `PWD=${escape(event.pwd)}`,
    ...(event.rule === undefined ? [] : [`RULE=${escape(Buffer.from(event.rule))}`]),
    'COMMAND=',
  ];
  return Buffer.concat([Buffer.from(`${escape(Buffer.from(event.user))} : ${fields.join(' ; ')}`, 'latin1'), commandWords(c, event.command)]);
}

// Control characters as sudo writes them (#012 for a newline), so an argument cannot
// end the line and forge a second; `;` too, so no path or argument can forge a field.
const ESCAPED = /[\x01-\x1f\x7f;#]/g;
// The same bytes, NUL-ended for strpbrk(3).
const ESCAPED_BYTES = Buffer.from([...Array.from({ length: 0x1f }, (_, i) => i + 1), 0x7f, 0x3b, 0x23, 0]);

function escape(bytes: Buffer): string {
  return escapeText(bytes.toString('latin1'));
}

// `text` is one character to a byte. A user name or a working directory seldom holds
// anything to escape, and the global replace() would be compiled at every start.
function escapeText(text: string): string {
  let found = false;
  for (let i = 0; i < text.length && !found; i++) {
    const code = text.charCodeAt(i);
    found = code !== 0 && ESCAPED_BYTES.includes(code);
  }
  return found ? text.replace(ESCAPED, (char) => `#${char.charCodeAt(0).toString(8).padStart(3, '0')}`) : text;
}

// The words separated by spaces. A launch's command line may hold tens of thousands of
// arguments, so glibc does the work in C on a copy: argz_stringify(3) turns each NUL
// but the last into a space, and strpbrk(3) says whether anything needs escaping; only
// then does JavaScript go through the line.
function commandWords(c: Pick<Libc, 'argzStringify' | 'strpbrk'>, command: Buffer): Buffer {
  const words = command[command.length - 1] === 0 ? Buffer.from(command) : Buffer.concat([command, Buffer.alloc(1)]);
  c.argzStringify(words, 0x20);
  if (c.strpbrk(words, ESCAPED_BYTES)) return Buffer.from(escapeText(words.toString('latin1', 0, words.length - 1)), 'latin1');
  return words.subarray(0, -1);
}

// With no syslog daemon, syslog(3) drops the line and the launch goes on.
export function audit(c: Libc, event: AuditEvent): void {
  c.syslog(LOG_AUTHPRIV, event.denied ? LOG_ALERT : LOG_NOTICE, auditMessage(c, event));
}
