// Checks of a few characters that every start of capexec makes. A regular expression is
// compiled the first time it runs and again, to machine code, the second: 10 to 40 µs
// apiece in a process that has just started, where these loops cost next to nothing.

// Whether `text` is 1 to `maxLength` decimal digits.
export function isDigits(text: string, maxLength: number): boolean {
  if (text.length === 0 || text.length > maxLength) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

// Whether `text` is 1 to `maxLength` hexadecimal digits, in either case.
export function isHexDigits(text: string, maxLength: number): boolean {
  if (text.length === 0 || text.length > maxLength) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i) | 0x20;
    if ((code < 0x30 || code > 0x39) && (code < 0x61 || code > 0x66)) return false;
  }
  return true;
}
