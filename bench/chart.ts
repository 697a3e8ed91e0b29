/**
 * The README's chart: a view's p50 against the number of sources connected (log scale), with each
 * point's spread over the rounds as a whisker. Plain SVG, so it renders on GitHub and offline.
 */
export function p50BySourcesSvg(points: readonly { sources: number; p50: number; min: number; max: number }[], options: { floorMs: number; title: string }): string {
  const width = 560;
  const height = 320;
  const margin = { left: 60, right: 20, top: 40, bottom: 50 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const xs = points.map((p) => Math.log10(p.sources));
  const [xMin, xMax] = [Math.min(...xs) - 0.2, Math.max(...xs) + 0.2];
  const yMax = Math.ceil(Math.max(options.floorMs, ...points.map((p) => p.max)) / 10) * 10 + 10;
  const x = (sources: number) => margin.left + ((Math.log10(sources) - xMin) / (xMax - xMin)) * plotW;
  const y = (ms: number) => margin.top + plotH - (ms / yMax) * plotH;
  const ticks = Array.from({ length: yMax / 10 + 1 }, (_, i) => i * 10).filter((ms) => ms % (yMax > 100 ? 20 : 10) === 0);
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.sources).toFixed(1)},${y(p.p50).toFixed(1)}`).join(' ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="14">${escape(options.title)}</text>`,
    ...ticks.map((ms) => `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(ms)}" y2="${y(ms)}" stroke="#eee"/><text x="${margin.left - 8}" y="${y(ms) + 4}" text-anchor="end">${ms}</text>`),
    `<line x1="${margin.left}" x2="${width - margin.right}" y1="${y(options.floorMs)}" y2="${y(options.floorMs)}" stroke="#c33" stroke-dasharray="4 3"/>`,
    `<text x="${width - margin.right}" y="${y(options.floorMs) - 6}" text-anchor="end" fill="#c33">each source: ${options.floorMs} ms</text>`,
    `<path d="${path}" fill="none" stroke="#1f5fa8" stroke-width="2"/>`,
    ...points.flatMap((p) => [
      `<line x1="${x(p.sources)}" x2="${x(p.sources)}" y1="${y(p.min)}" y2="${y(p.max)}" stroke="#1f5fa8"/>`,
      `<circle cx="${x(p.sources)}" cy="${y(p.p50)}" r="4" fill="#1f5fa8"/>`,
      `<text x="${x(p.sources)}" y="${y(p.max) - 8}" text-anchor="middle">${p.p50} ms</text>`,
      `<text x="${x(p.sources)}" y="${height - margin.bottom + 18}" text-anchor="middle">${p.sources}</text>`,
    ]),
    `<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">sources connected (log scale)</text>`,
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">view p50 (ms)</text>`,
    '</svg>',
    '',
  ].join('\n');
}

const escape = (text: string) => text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
