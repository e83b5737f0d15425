/** Fenced code blocks of a Markdown file, with the line each starts on. */

export interface CodeBlock {
  lang: string;
  /** 1-based line of the first line of code (after the opening fence). */
  line: number;
  code: string;
  /** The text between the previous block (or the start) and this one's fence. */
  before: string;
}

export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split('\n');
  let open: { lang: string; line: number; code: string[] } | null = null;
  let prose: string[] = [];
  lines.forEach((text, i) => {
    const fence = /^\s*```\s*([\w-]*)/.exec(text);
    if (open === null && fence) {
      open = { lang: fence[1] ?? '', line: i + 2, code: [] };
    } else if (open !== null && /^\s*```\s*$/.test(text)) {
      blocks.push({ lang: open.lang, line: open.line, code: `${open.code.join('\n')}\n`, before: prose.join('\n') });
      open = null;
      prose = [];
    } else if (open !== null) {
      open.code.push(text);
    } else {
      prose.push(text);
    }
  });
  return blocks;
}
