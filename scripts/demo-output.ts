// Terminal output of the demo: coloured marks, labelled values and small tables.
const color = process.stdout.isTTY && !('NO_COLOR' in process.env);
const paint = (code: number) => (text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
export const bold = paint(1);
export const dim = paint(2);
export const green = paint(32);
export const red = paint(31);

export const done = (text: string) => console.log(`  ${green('✓')} ${text}`);
export const info = (label: string, value: string) => console.log(`    ${dim(label.padEnd(12))} ${value}`);

export function table(rows: Array<Record<string, string>>): void {
  if (rows.length === 0) return void console.log(`    ${dim('(none)')}`);
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) => '    ' + cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  console.log(dim(line(columns)));
  for (const row of rows) console.log(line(columns.map((c) => row[c] ?? '')));
}

