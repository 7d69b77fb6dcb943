// chart.js: a horizontal bar chart drawn as SVG (no library), sized to its
// labels; it prints and scales like text.
import { svg } from './dom.js';

export function barChart(bars, { unit = '', width = 560 } = {}) {
  const row = 22, left = 110, right = 60;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = Math.max(row, bars.length * row) + 8;
  const inner = width - left - right;
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img' });
  bars.forEach((b, i) => {
    const y = 4 + i * row;
    const w = Math.max(1, (b.value / max) * inner);
    chart.append(
      svg('text', { x: left - 6, y: y + 15, 'text-anchor': 'end', class: 'label' }, b.label),
      svg('rect', { x: left, y: y + 3, width: w.toFixed(1), height: row - 8, class: b.class || 'bar', rx: 2 }),
      svg('text', { x: left + w + 4, y: y + 15, class: 'value' }, `${b.text || b.value} ${unit}`));
  });
  return chart;
}
