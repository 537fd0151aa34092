/** The small formatting helpers every part of the report shares. */
export const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
export const ms = (value: number) => `${value.toFixed(0)} ms`;
export const times = (value: number, baseline: number) => `${(value / baseline).toFixed(2)}×`;

export const table = (head: string[], rows: string[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');

export function find<T extends { name: string }>(items: readonly T[], name: string): T | undefined {
  return items.find((item) => item.name === name);
}
