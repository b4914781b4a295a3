/**
 * Splits a script line into words as a POSIX shell would for the commands
 * ovsim runs: single quotes, double quotes (with \" \\ \$ escapes) and
 * backslash escapes. No expansion, no pipes.
 */
export class ShellSyntaxError extends Error {
  readonly code = "SHELL_SYNTAX";
}

export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError(`unterminated quote in: ${line}`);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1] as string)) i++;
        cur += line[i];
        i++;
      }
      if (i >= line.length) throw new ShellSyntaxError(`unterminated quote in: ${line}`);
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (c === " " || c === "\t") {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
