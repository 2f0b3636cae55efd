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

// One sticky regular expression per word rather than a test per character: the policy is
// read at every launch, before the JIT has warmed anything. test() moves lastIndex as
// exec() does without allocating a match: a policy of hundreds of rules is thousands
// of words, and their matches alone set off collections of the young generation.
const BLANKS = /[ \t\r]*/y;
// Inside quotes a backslash escapes `"` or `\`, and is itself otherwise.
const QUOTED = /"((?:[^"\\]|\\["\\]|\\)*)"/y;
// A brace inside a word is part of it, so that `${USER}` in args is one word.
const BARE = /[^ \t\r#"]+/y;

function splitWords(text: string, line: number): Line {
  const words: Word[] = [];
  let at = 0;
  for (;;) {
    BLANKS.lastIndex = at;
    BLANKS.test(text);
    at = BLANKS.lastIndex;
    const char = text[at];
    if (char === undefined || char === '#') return { words };
    if (char === '{' || char === '}') {
      words.push({ text: char, line, column: at + 1, quoted: false });
      at++;
    } else if (char === '"') {
      QUOTED.lastIndex = at;
      const quoted = QUOTED.exec(text);
      if (quoted === null) return { error: { line, column: at + 1, what: 'unterminated quote', fix: 'close the word with "' } };
      words.push({ text: (quoted[1] ?? '').replace(/\\(["\\])/g, '$1'), line, column: at + 1, quoted: true });
      at = QUOTED.lastIndex;
      const after = text[at];
      if (after !== undefined && after !== ' ' && after !== '\t' && after !== '\r' && after !== '#' && after !== '{' && after !== '}') {
        return { error: { line, column: at + 1, what: 'text right after a closing quote', fix: 'put a blank after the quoted word' } };
      }
    } else {
      BARE.lastIndex = at;
      BARE.test(text);
      const end = BARE.lastIndex;
      if (text[end] === '"') {
        return { error: { line, column: end + 1, what: 'a quote inside a word', fix: 'quote the whole word: "like this"' } };
      }
      words.push({ text: text.slice(at, end), line, column: at + 1, quoted: false });
      at = end;
    }
  }
}

// The word as it must be written to read back the same: quoted when it holds a blank, a
// quote, a `#`, a brace or a backslash, or is empty.
export function quoteWord(text: string): string {
  return text === '' || /[ \t\r#{}"\\]/.test(text) ? `"${text.replace(/(["\\])/g, '\\$1')}"` : text;
}
