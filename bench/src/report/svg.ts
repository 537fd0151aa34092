/**
 * Horizontal bar charts as self-contained SVG: no script, no external font or stylesheet (a system font stack), so
 * GitHub and any viewer render them offline. Values are drawn to scale from zero; each bar carries its figure.
 */
export interface Bar {
  label: string;
  value: number;
  /** Drawn in the accent colour (the subject a budget is about). */
  accent?: boolean;
  /** Printed after the value, e.g. `0.71× peer-api`. */
  note?: string;
}

export interface BarGroup {
  label: string;
  bars: Bar[];
}

export interface BarChart {
  title: string;
  /** Unit printed after each value (`ms`, `req/s`). */
  unit: string;
  groups: BarGroup[];
  /** One line under the chart: what is measured, how. */
  caption: string;
}

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
const ROW = 20;
const GROUP_GAP = 14;
const LABEL_WIDTH = 190;
const BAR_WIDTH = 420;
const VALUE_WIDTH = 190;
const WIDTH = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH;

const xml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const figure = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

export function renderBarChart(chart: BarChart): string {
  const max = Math.max(1e-9, ...chart.groups.flatMap((group) => group.bars.map((bar) => bar.value)));
  const body: string[] = [];
  let y = 44;
  for (const group of chart.groups) {
    body.push(`<text x="8" y="${y + 12}" font-weight="600">${xml(group.label)}</text>`);
    y += ROW;
    for (const bar of group.bars) {
      const width = Number.isFinite(bar.value) ? Math.max(1, (bar.value / max) * BAR_WIDTH) : 0;
      const fill = bar.accent ? '#d9480f' : '#4c6ef5';
      body.push(
        `<text x="${LABEL_WIDTH - 8}" y="${y + 13}" text-anchor="end">${xml(bar.label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${width.toFixed(1)}" height="${ROW - 6}" fill="${fill}" rx="2"/>`,
        `<text x="${LABEL_WIDTH + width + 6}" y="${y + 13}">${
          Number.isFinite(bar.value) ? `${figure(bar.value)} ${xml(chart.unit)}` : 'not measured'
        }${bar.note ? ` · ${xml(bar.note)}` : ''}</text>`,
      );
      y += ROW;
    }
    y += GROUP_GAP;
  }
  const caption = wrap(chart.caption, 120);
  const height = y + 10 + caption.length * 15;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}" font-size="12" fill="#212529">`,
    `<title>${xml(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="8" y="22" font-size="15" font-weight="700">${xml(chart.title)}</text>`,
    ...body,
    ...caption.map(
      (line, index) => `<text x="8" y="${y + 12 + index * 15}" font-size="11" fill="#495057">${xml(line)}</text>`,
    ),
    '</svg>',
    '',
  ].join('\n');
}

/** Words into lines of at most `width` characters (an SVG text element does not wrap by itself). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
