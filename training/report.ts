import type { Metrics } from './metrics';
import { OTHER } from './metrics';

export interface EvaluationReport {
  model: string;
  data: string;
  date: string;
  labels: string[];
  metrics: Metrics;
  skipped: { id: string; code: string; message: string }[];
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const num = (x: number) => x.toFixed(3);

export function reportMarkdown(report: EvaluationReport): string {
  const m = report.metrics;
  const lines = [
    `# Evaluation of ${report.model}`,
    '',
    `Data: ${report.data} — ${m.count} images, ${report.date}`,
    '',
    `**Accuracy ${pct(m.accuracy)} · macro-F1 ${num(m.macroF1)}**`,
    '',
    '| Label | Precision | Recall | F1 | Support | Best threshold | F1 at it |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...m.labels.map(
      (l) =>
        `| ${l.label} | ${num(l.precision)} | ${num(l.recall)} | ${num(l.f1)} | ${l.support} | ${num(l.threshold)} | ${num(l.thresholdF1)} |`,
    ),
    '',
    '## Confusion matrix (rows: true label, columns: predicted)',
    '',
    `| | ${columns(report).join(' | ')} |`,
    `|---|${columns(report)
      .map(() => '---:')
      .join('|')}|`,
    ...m.confusion.map((row, i) => `| ${report.labels[i]} | ${row.join(' | ')} |`),
    '',
    '## Worst mistakes',
    '',
    ...(m.mistakes.length === 0
      ? ['None.']
      : [
          '| Image | True | Predicted | Confidence |',
          '|---|---|---|---:|',
          ...m.mistakes.map((x) => `| ${x.id} | ${x.truth} | ${x.predicted} | ${num(x.confidence)} |`),
        ]),
  ];
  if (report.skipped.length > 0) {
    lines.push(
      '',
      '## Skipped images',
      '',
      ...report.skipped.map((s) => `- ${s.id}: ${s.code} (${s.message})`),
    );
  }
  return `${lines.join('\n')}\n`;
}

function columns(report: EvaluationReport): string[] {
  const n = report.labels.length;
  return (report.metrics.confusion[0]?.length ?? n) > n ? [...report.labels, OTHER] : report.labels;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/**
 * One self-contained page (styles inline, thumbnails as data: URIs): the summary, the per-label table,
 * the confusion matrix shaded by row share, and the worst mistakes with their images.
 */
export function reportHtml(
  report: EvaluationReport,
  thumbnails: ReadonlyMap<string, string> = new Map(),
): string {
  const m = report.metrics;
  const cols = columns(report);
  const matrix = m.confusion
    .map((row, i) => {
      const total = row.reduce((a, b) => a + b, 0) || 1;
      const cells = row
        .map((v, j) => {
          const share = v / total;
          const hue = i === j ? '120' : '0';
          const style =
            v > 0 ? ` style="background:hsla(${hue},70%,45%,${(0.15 + 0.85 * share).toFixed(2)})"` : '';
          return `<td${style}>${v}</td>`;
        })
        .join('');
      return `<tr><th>${escapeHtml(report.labels[i] ?? '')}</th>${cells}</tr>`;
    })
    .join('\n');
  const labelRows = m.labels
    .map(
      (l) =>
        `<tr><th>${escapeHtml(l.label)}</th><td>${num(l.precision)}</td><td>${num(l.recall)}</td><td>${num(l.f1)}</td><td>${l.support}</td><td>${num(l.threshold)}</td><td>${num(l.thresholdF1)}</td></tr>`,
    )
    .join('\n');
  const mistakes = m.mistakes
    .map((x) => {
      const src = thumbnails.get(x.id);
      const img = src
        ? `<img src="${src}" alt="${escapeHtml(x.id)}">`
        : '<div class="noimg">no preview</div>';
      return `<figure>${img}<figcaption><b>${escapeHtml(x.truth)}</b> → ${escapeHtml(x.predicted)} (${num(x.confidence)})<br><small>${escapeHtml(x.id)}</small></figcaption></figure>`;
    })
    .join('\n');
  const skipped = report.skipped
    .map((s) => `<li>${escapeHtml(s.id)}: <code>${escapeHtml(s.code)}</code> ${escapeHtml(s.message)}</li>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Evaluation of ${escapeHtml(report.model)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{text-align:left;background:#f4f4f4}.summary{font-size:1.3em}
figure{display:inline-block;width:160px;margin:6px;vertical-align:top}figure img{max-width:160px;max-height:160px}
.noimg{width:160px;height:100px;background:#eee}
</style></head><body>
<h1>Evaluation of ${escapeHtml(report.model)}</h1>
<p>Data: ${escapeHtml(report.data)} — ${m.count} images — ${escapeHtml(report.date)}</p>
<p class="summary" id="summary">Accuracy <b>${pct(m.accuracy)}</b> · macro-F1 <b>${num(m.macroF1)}</b></p>
<h2>Per label</h2>
<table id="labels"><tr><th>Label</th><th>Precision</th><th>Recall</th><th>F1</th><th>Support</th><th>Best threshold</th><th>F1 at it</th></tr>
${labelRows}</table>
<h2>Confusion matrix</h2><p>Rows: true label; columns: predicted.</p>
<table id="confusion"><tr><th></th>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr>
${matrix}</table>
<h2>Worst mistakes</h2><div id="mistakes">${mistakes || '<p>None.</p>'}</div>
${skipped ? `<h2>Skipped images</h2><ul id="skipped">${skipped}</ul>` : ''}
</body></html>
`;
}
