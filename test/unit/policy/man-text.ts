// Text as a roff text line must hold it to render as itself: backslashes and dashes
// escaped, and a leading dot or quote kept from starting a request.
export function manText(text: string): string {
  const escaped = text.replace(/\\/g, '\\e').replace(/-/g, '\\-');
  return /^[.']/.test(escaped) ? `\\&${escaped}` : escaped;
}
