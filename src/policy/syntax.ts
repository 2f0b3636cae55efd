// capexec.conf(5)'s lexical rules, as doas.conf(5) has them: one rule a line, words split
// on blanks, `#` to the end of the line a comment, double quotes around a word with
// blanks (a backslash escapes `"` or `\` inside them), `{` and `}` words of their own
// where a word would start (inside one, as in `${USER}`, they are part of it).

export interface Word {
  text: string;
  // 1-based, for FILE:LINE:COL in messages.
  line: number;
  column: number;
  // Quoted words are never keywords or braces.
  quoted: boolean;
}

export interface SyntaxError {
  line: number;
  column: number;
  what: string;
  fix: string;
}

export type Line = { words: Word[] } | { error: SyntaxError };

export function splitLines(text: string): Line[] {
  return text.split('\n').map((line, index) => splitWords(line, index + 1));
}

function splitWords(text: string, line: number): Line {
  const words: Word[] = [];
  let at = 0;
  while (at < text.length) {
    const char = text[at] ?? '';
    if (char === ' ' || char === '\t' || char === '\r') {
      at++;
    } else if (char === '#') {
      break;
    } else if (char === '{' || char === '}') {
      words.push({ text: char, line, column: at + 1, quoted: false });
      at++;
    } else if (char === '"') {
      const start = at;
      let word = '';
      at++;
      for (;;) {
        const next = text[at];
        if (next === undefined) {
          return { error: { line, column: start + 1, what: 'unterminated quote', fix: 'close the word with "' } };
        }
        if (next === '"') break;
        if (next === '\\' && (text[at + 1] === '"' || text[at + 1] === '\\')) at++;
        word += text[at];
        at++;
      }
      words.push({ text: word, line, column: start + 1, quoted: true });
      at++;
      const after = text[at];
      if (after !== undefined && !/[ \t\r#{}]/.test(after)) {
        return { error: { line, column: at + 1, what: 'text right after a closing quote', fix: 'put a blank after the quoted word' } };
      }
    } else {
      const start = at;
      // A brace inside a word is part of it, so that `${USER}` in args is one word.
      while (at < text.length && !/[ \t\r#"]/.test(text[at] ?? '')) at++;
      if (text[at] === '"') {
        return { error: { line, column: at + 1, what: 'a quote inside a word', fix: 'quote the whole word: "like this"' } };
      }
      words.push({ text: text.slice(start, at), line, column: start + 1, quoted: false });
    }
  }
  return { words };
}

// The word as it must be written to read back the same: quoted when it holds a blank, a
// quote, a `#`, a brace or a backslash, or is empty.
export function quoteWord(text: string): string {
  return text === '' || /[ \t\r#{}"\\]/.test(text) ? `"${text.replace(/(["\\])/g, '\\$1')}"` : text;
}
