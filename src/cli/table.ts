/** Plain-text tables: a header row, a rule, body rows, and optional footer rows after a rule. */

export interface Column {
  title: string;
  /** Numbers read best right-aligned; names left-aligned. */
  align: 'left' | 'right';
}

export function renderTable(columns: readonly Column[], rows: readonly string[][], footer: readonly string[][] = []): string {
  const widths = columns.map((column, c) =>
    Math.max(column.title.length, ...[...rows, ...footer].map((row) => (row[c] ?? '').length)));
  const renderRow = (cells: readonly string[]): string => columns
    .map((column, c) => {
      const cell = cells[c] ?? '';
      return column.align === 'right' ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number);
    })
    .join('  ')
    .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const lines = [renderRow(columns.map((column) => column.title)), rule, ...rows.map(renderRow)];
  if (footer.length > 0) lines.push(rule, ...footer.map(renderRow));
  return `${lines.join('\n')}\n`;
}
