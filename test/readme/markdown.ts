/**
 * What the README test reads out of the project's markdown: the shell blocks marked `checked`
 * (a fence opened with ```sh checked), split into commands as a shell would split them, and the links.
 */

export interface Command {
  /** The markdown file and the 1-based line the command starts on. */
  file: string;
  line: number;
  /** The command as written, continuation lines joined, without its trailing comment. */
  text: string;
  /** The trailing comment (after an unquoted ` #`), if any. */
  comment?: string;
  /** What a comment-only line right after it says it prints (`# => …`). */
  prints?: string;
}

/** Every command of every ```sh checked block of a markdown file. */
export function checkedCommands(file: string, markdown: string): Command[] {
  const lines = markdown.split('\n');
  const commands: Command[] = [];
  let inChecked = false;
  let fence = '';
  let pending: { line: number; text: string; join: string } | undefined;
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] as string;
    const trimmed = raw.trim();
    const opening = /^(`{3,})(.*)$/.exec(trimmed);
    if (fence === '' && opening) {
      fence = opening[1] as string;
      const info = (opening[2] as string).trim().split(/\s+/);
      inChecked = info.includes('checked');
      continue;
    }
    if (fence !== '' && trimmed.startsWith(fence) && trimmed.slice(fence.length).trim() === '') {
      if (pending) throw new Error(`${file}:${pending.line}: a command ends in a continuation (\\)`);
      fence = '';
      inChecked = false;
      continue;
    }
    if (!inChecked) continue;
    if (pending === undefined && trimmed === '') continue;
    if (pending === undefined && trimmed.startsWith('#')) {
      const prints = /^#\s*=>\s?(.*)$/.exec(trimmed);
      const last = commands.at(-1);
      if (prints && last) last.prints = prints[1] as string;
      continue;
    }
    const text = pending ? `${pending.text}${pending.join}${trimmed}` : trimmed;
    const line = pending?.line ?? index + 1;
    if (text.endsWith('\\')) {
      pending = { line, text: text.slice(0, -1).trimEnd(), join: ' ' };
      continue;
    }
    if (openQuote(text)) {
      // A quoted string goes on over the line end, as in a shell.
      pending = { line, text, join: '\n' };
      continue;
    }
    pending = undefined;
    const { code, comment } = splitComment(text);
    commands.push({ file, line, text: code, ...(comment !== undefined ? { comment } : {}) });
  }
  if (fence !== '') throw new Error(`${file}: a code fence is never closed`);
  return commands;
}

/** Whether a quote opened in the text is still open at its end. */
function openQuote(text: string): boolean {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) return false;
  }
  return quote !== undefined;
}

/** Splits `code  # comment` at the first unquoted `#` that starts a word. */
export function splitComment(text: string): { code: string; comment?: string } {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) {
      return { code: text.slice(0, i).trimEnd(), comment: text.slice(i + 1).trim() };
    }
  }
  return { code: text.trimEnd() };
}

/**
 * The words of a command as a POSIX shell splits them (quotes removed, `$VAR` kept as written), and the
 * pipeline it forms: one word list per `|`-separated stage. Anything else a shell would interpret
 * (`;`, `&&`, redirections, `$(...)`) is refused: a checked command stays simple.
 */
export function pipeline(text: string): string[][] {
  const stages: string[][] = [[]];
  let word: string | undefined;
  const end = (): void => {
    if (word !== undefined) (stages.at(-1) as string[]).push(word);
    word = undefined;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new Error(`unclosed ' in: ${text}`);
      word = (word ?? '') + text.slice(i + 1, close);
      i = close;
    } else if (c === '"') {
      let j = i + 1;
      let value = '';
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && '"\\$`'.includes(text[j + 1] ?? '')) j++;
        else if (text[j] === '`' || (text[j] === '$' && text[j + 1] === '(')) {
          throw new Error(`command substitution is not allowed in a checked command: ${text}`);
        }
        value += text[j];
      }
      if (j >= text.length) throw new Error(`unclosed " in: ${text}`);
      word = (word ?? '') + value;
      i = j;
    } else if (c === '\\') {
      word = (word ?? '') + (text[i + 1] ?? '');
      i++;
    } else if (/\s/.test(c)) end();
    else if (c === '|') {
      end();
      stages.push([]);
    } else if (';&<>`'.includes(c) || (c === '$' && text[i + 1] === '(')) {
      throw new Error(`"${c}" is not allowed in a checked command (keep it one command or a pipe): ${text}`);
    } else word = (word ?? '') + c;
  }
  end();
  if (stages.some((s) => s.length === 0)) throw new Error(`an empty pipeline stage in: ${text}`);
  return stages;
}

export interface Link {
  file: string;
  line: number;
  target: string;
}

/** Markdown links and images `[text](target)` outside code fences and code spans. */
export function linksOf(file: string, markdown: string): Link[] {
  const links: Link[] = [];
  let inFence = false;
  markdown.split('\n').forEach((raw, index) => {
    if (/^\s*```/.test(raw)) {
      inFence = !inFence;
      return;
    }
    if (inFence) return;
    const line = raw.replace(/`[^`]*`/g, '');
    for (const match of line.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      links.push({ file, line: index + 1, target: match[1] as string });
    }
  });
  return links;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of every heading of a markdown file (outside code fences). */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let inFence = false;
  for (const raw of markdown.split('\n')) {
    if (/^\s*```/.test(raw)) inFence = !inFence;
    else if (!inFence) {
      const heading = /^#{1,6}\s+(.*)$/.exec(raw);
      if (heading) anchors.add(anchorOf(heading[1] as string));
    }
  }
  return anchors;
}

export interface FileBlock {
  file: string;
  line: number;
  /** The name a fence gives its content (```jsonc file=my-trace.json). */
  name: string;
  content: string;
}

/** The fenced blocks that name a file (`file=NAME` in the info string), for the commands that read them. */
export function fileBlocks(file: string, markdown: string): FileBlock[] {
  const blocks: FileBlock[] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const opening = /^(`{3,})\S*(.*)$/.exec((lines[index] as string).trim());
    if (!opening) continue;
    const fence = opening[1] as string;
    const name = /(?:^|\s)file=(\S+)/.exec(opening[2] as string)?.[1];
    let end = index + 1;
    while (end < lines.length && (lines[end] as string).trim() !== fence) end++;
    if (name !== undefined) {
      blocks.push({ file, line: index + 1, name, content: lines.slice(index + 1, end).join('\n') });
    }
    index = end;
  }
  return blocks;
}

/** JSON with `//` comments and trailing commas (as prettier writes jsonc) made plain JSON. */
export function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === ',' && /^\s*[\]}]/.test(text.slice(i + 1).replace(/^(\s*\/\/[^\n]*\n)+/, ''))) {
      // a trailing comma: dropped
    } else out += c;
  }
  return out;
}
