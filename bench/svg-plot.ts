/** A line chart as a standalone SVG, for docs/: no dependency, deterministic output. */
export interface Series {
  readonly label: string;
  readonly unit: string;
  readonly points: readonly (readonly [number, number])[];
  /** A horizontal limit drawn dashed, e.g. a target. @default none */
  readonly limit?: { readonly value: number; readonly label: string };
}

const WIDTH = 720;
const PANEL_HEIGHT = 180;
const MARGIN = { left: 64, right: 20, top: 28, bottom: 34 };

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const fixed = (n: number) => (Math.round(n * 10) / 10).toString();

function panel(series: Series, top: number, xMax: number): string {
  const innerWidth = WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const yMax = niceMax(Math.max(...series.points.map((p) => p[1]), series.limit?.value ?? 0) * 1.1);
  const x = (v: number) => MARGIN.left + (innerWidth * v) / xMax;
  const y = (v: number) => top + MARGIN.top + innerHeight - (innerHeight * v) / yMax;
  const parts: string[] = [];
  parts.push(`<text x="${MARGIN.left}" y="${top + 18}" font-size="13" font-weight="bold">${escape(series.label)} (${escape(series.unit)})</text>`);
  for (let i = 0; i <= 4; i++) {
    const value = (yMax * i) / 4;
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${fixed(y(value))}" y2="${fixed(y(value))}" stroke="#ddd"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${fixed(y(value) + 4)}" font-size="11" text-anchor="end">${Number(value.toPrecision(3))}</text>`);
  }
  for (let t = 0; t <= xMax; t += Math.max(1, Math.round(xMax / 6))) {
    parts.push(`<text x="${fixed(x(t))}" y="${top + PANEL_HEIGHT - 14}" font-size="11" text-anchor="middle">${t} s</text>`);
  }
  if (series.limit) {
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${fixed(y(series.limit.value))}" y2="${fixed(y(series.limit.value))}" stroke="#c0392b" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${WIDTH - MARGIN.right}" y="${fixed(y(series.limit.value) - 4)}" font-size="11" text-anchor="end" fill="#c0392b">${escape(series.limit.label)}</text>`);
  }
  const path = series.points.map(([px, py], i) => `${i === 0 ? "M" : "L"}${fixed(x(px))},${fixed(y(py))}`).join(" ");
  parts.push(`<path d="${path}" fill="none" stroke="#2c6fbb" stroke-width="1.8"/>`);
  return parts.join("\n");
}

/** Panels stacked vertically, sharing the x axis (seconds). */
export function lineChartSvg(title: string, series: readonly Series[]): string {
  const xMax = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[0])));
  const height = 30 + PANEL_HEIGHT * series.length;
  const panels = series.map((s, i) => panel(s, 30 + i * PANEL_HEIGHT, xMax));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" font-size="14" text-anchor="middle">${escape(title)}</text>`,
    ...panels,
    "</svg>",
    "",
  ].join("\n");
}
