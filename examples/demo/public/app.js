// The demo page: polls /api/summary (numbers read from this process's /metrics) and draws SVG charts.
// No framework and no CDN: the demo runs without network.
const W = 480;
const H = 200;
const PAD = { l: 34, r: 8, t: 8, b: 30 };
const HISTORY = 120;
const SVG = 'http://www.w3.org/2000/svg';

const $ = (sel) => document.querySelector(sel);
const testid = (id) => document.querySelector(`[data-testid="${id}"]`);

function el(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function fmtSeconds(v) {
  if (v === null || v === undefined) return '–';
  if (v === '+Inf') return '∞';
  return v < 1 ? `${Math.round(v * 1000)} ms` : `${v.toFixed(2)} s`;
}

function fmtLe(le) {
  if (le === '+Inf') return '+Inf';
  return le < 1 ? `${Math.round(le * 1000)}ms` : `${le}s`;
}

function setTile(id, text, value) {
  const node = testid(id);
  node.textContent = text;
  node.dataset.value = String(value);
}

/** Bar chart of a histogram's non-cumulative bucket counts; trims empty buckets at both ends. */
function drawHistogram(svg, view) {
  svg.replaceChildren();
  const bars = view.bars;
  let first = bars.findIndex((b) => b.count > 0);
  let last = bars.length - 1 - [...bars].reverse().findIndex((b) => b.count > 0);
  if (first < 0) {
    svg.append(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'no data yet'));
    svg.dataset.total = '0';
    return;
  }
  first = Math.max(0, first - 1);
  last = Math.min(bars.length - 1, last + 1);
  const shown = bars.slice(first, last + 1);
  const max = Math.max(...shown.map((b) => b.count));
  const innerW = W - PAD.l - PAD.r;
  const innerH = H - PAD.t - PAD.b;
  const bw = innerW / shown.length;
  svg.append(el('line', { class: 'axis', x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b }));
  svg.append(el('text', { x: PAD.l - 4, y: PAD.t + 8, 'text-anchor': 'end' }, String(max)));
  shown.forEach((b, i) => {
    const h = max > 0 ? (b.count / max) * innerH : 0;
    const x = PAD.l + i * bw;
    const rect = el('rect', {
      class: 'bar',
      x: x + 1,
      y: H - PAD.b - h,
      width: Math.max(1, bw - 2),
      height: h,
      'data-le': b.le,
      'data-count': b.count,
    });
    rect.append(el('title', {}, `≤ ${fmtLe(b.le)}: ${b.count}`));
    svg.append(rect);
    if (shown.length <= 10 || i % 2 === 0) {
      svg.append(el('text', { x: x + bw / 2, y: H - PAD.b + 12, 'text-anchor': 'middle' }, fmtLe(b.le)));
    }
  });
  svg.append(
    el(
      'text',
      { x: W - PAD.r, y: H - 4, 'text-anchor': 'end' },
      `${view.count} observations, bucket upper bounds`,
    ),
  );
  svg.dataset.total = String(shown.reduce((s, b) => s + b.count, 0));
}

/** Line chart of one or more series over the polling history. */
function drawLines(svg, series) {
  svg.replaceChildren();
  const innerW = W - PAD.l - PAD.r;
  const innerH = H - PAD.t - PAD.b;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  svg.append(el('line', { class: 'axis', x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b }));
  svg.append(el('text', { x: PAD.l - 4, y: PAD.t + 8, 'text-anchor': 'end' }, max.toFixed(max < 10 ? 1 : 0)));
  svg.append(el('text', { x: PAD.l - 4, y: H - PAD.b, 'text-anchor': 'end' }, '0'));
  let points = 0;
  series.forEach((s, si) => {
    const step = innerW / Math.max(1, HISTORY - 1);
    const offset = HISTORY - s.values.length;
    const d = s.values
      .map(
        (v, i) =>
          `${i === 0 ? 'M' : 'L'}${(PAD.l + (offset + i) * step).toFixed(1)},${(H - PAD.b - (v / max) * innerH).toFixed(1)}`,
      )
      .join(' ');
    if (s.values.length > 0) svg.append(el('path', { class: `line ${s.cls ?? ''}`, d }));
    svg.append(
      el(
        'text',
        { class: `legend ${s.cls ?? ''}`, x: PAD.l + 6 + si * 90, y: H - 6 },
        `${s.label} ${s.values.at(-1)?.toFixed(1) ?? '–'}`,
      ),
    );
    points += s.values.length;
  });
  svg.dataset.points = String(points);
}

function drawErrors(svg, byType) {
  svg.replaceChildren();
  const entries = Object.entries(byType).sort((a, b) => b[1] - a[1]);
  if (entries.length === 0) {
    svg.append(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'no errors yet'));
    svg.dataset.total = '0';
    return;
  }
  const max = Math.max(...entries.map((e) => e[1]));
  const rowH = Math.min(32, (H - 10) / entries.length);
  entries.forEach(([type, count], i) => {
    const w = ((W - 150) * count) / max;
    const y = 5 + i * rowH;
    svg.append(el('text', { x: 110, y: y + rowH / 2 + 4, 'text-anchor': 'end' }, type));
    svg.append(
      el('rect', {
        class: 'bar err',
        x: 116,
        y: y + 2,
        width: Math.max(1, w),
        height: rowH - 6,
        'data-type': type,
        'data-count': count,
      }),
    );
    svg.append(el('text', { x: 120 + w, y: y + rowH / 2 + 4 }, String(count)));
  });
  svg.dataset.total = String(entries.reduce((s, e) => s + e[1], 0));
}

function drawHardware(devices) {
  const section = $('#hardware');
  if (devices.length === 0) {
    section.innerHTML = '<small>No accelerator gauges (hw.*) reported.</small>';
    return;
  }
  const pct = (v) => (v === null ? '–' : `${(v * 100).toFixed(0)} %`);
  const gib = (v) => (v === null ? '–' : `${(v / 2 ** 30).toFixed(1)} GiB`);
  const rows = devices
    .map(
      (d) =>
        `<tr data-testid="hw-row"><td>${d.name}</td><td>${d.id}</td><td>${pct(d.utilization)}</td><td>${gib(d.memoryUsed)} / ${gib(d.memoryLimit)}</td><td>${d.power === null ? '–' : `${d.power.toFixed(0)} W`}</td></tr>`,
    )
    .join('');
  section.innerHTML = `<table><thead><tr><th>Accelerator</th><th>hw.id</th><th>Utilization</th><th>Memory</th><th>Power</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** The slowest duration buckets and the trace each one's newest request ran in (exemplars). */
function drawExemplars(exemplars) {
  const section = $('#exemplars');
  if (exemplars.length === 0) {
    section.innerHTML =
      '<small>No exemplars yet (requests run in sampled spans keep one per latency bucket).</small>';
    return;
  }
  const rows = exemplars
    .map(
      (e) =>
        `<tr data-testid="exemplar-row" data-trace-id="${e.traceId}"><td>≤ ${fmtLe(e.le)}</td><td>${fmtSeconds(e.value)}</td><td><code>${e.traceId}</code></td><td>${e.trace ? `${e.trace.name} (${(e.trace.durationMs / 1000).toFixed(2)} s, ${e.trace.status})` : '–'}</td></tr>`,
    )
    .join('');
  section.innerHTML = `<h2>Slowest requests, from the latency buckets' exemplars</h2><table><thead><tr><th>Bucket</th><th>Duration</th><th>trace_id</th><th>Span</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** Tokens/s over the last RATE_WINDOW_MS of the server-side history (operations end in bursts). */
const RATE_WINDOW_MS = 10_000;
function rates(points) {
  return points.map((p, i) => {
    let j = i;
    while (j > 0 && p.at - points[j - 1].at <= RATE_WINDOW_MS) j--;
    const base = points[j];
    const dt = (p.at - base.at) / 1000;
    return {
      inRate: dt > 0 ? (p.inputTokens - base.inputTokens) / dt : 0,
      outRate: dt > 0 ? (p.outputTokens - base.outputTokens) / dt : 0,
      inFlight: p.inFlight,
    };
  });
}

function render(s) {
  const history = rates(s.history).slice(-HISTORY);
  const point = history.at(-1) ?? { inRate: 0, outRate: 0, inFlight: s.inFlight };

  const st = s.status;
  const left = st.trafficEndsAt
    ? ` · traffic ends in ${Math.max(0, Math.round((st.trafficEndsAt - Date.now()) / 1000))} s`
    : '';
  $('#status').textContent =
    `${st.phase} · model ${st.model} at ${st.modelEndpoint} · semconv ${s.semconv}${st.phase === 'running' ? left : ''}`;
  $('#status').dataset.phase = st.phase;

  const c = s.client;
  setTile('tile-requests', String(c.requests), c.requests);
  setTile('tile-errors', String(c.errors), c.errors);
  $('#error-rate').textContent =
    c.requests > 0 ? `${((100 * c.errors) / c.requests).toFixed(1)} % of requests` : '';
  setTile('tile-in-flight', String(s.inFlight), s.inFlight);
  setTile('tile-tokens-in-rate', point.inRate.toFixed(1), point.inRate);
  setTile('tile-tokens-out-rate', point.outRate.toFixed(1), point.outRate);
  $('#tokens-in-total').textContent = `${c.inputTokens} in total`;
  $('#tokens-in-total').dataset.value = String(c.inputTokens);
  $('#tokens-out-total').textContent = `${c.outputTokens} in total`;
  $('#tokens-out-total').dataset.value = String(c.outputTokens);
  setTile('tile-p95-duration', fmtSeconds(c.duration.p95), c.duration.p95);
  $('#p50-duration').textContent = `p50 ${fmtSeconds(c.duration.p50)}`;
  setTile('tile-p95-ttfc', fmtSeconds(c.timeToFirstChunk.p95), c.timeToFirstChunk.p95);
  $('#p50-ttfc').textContent = `p50 ${fmtSeconds(c.timeToFirstChunk.p50)}`;
  setTile('tile-p95-ttft', fmtSeconds(s.server.timeToFirstToken.p95), s.server.timeToFirstToken.p95);
  $('#duration-metric').textContent = c.duration.metric;
  $('#ttfc-metric').textContent = c.timeToFirstChunk.metric;

  drawHistogram(testid('chart-duration'), c.duration);
  drawHistogram(testid('chart-ttfc'), c.timeToFirstChunk);
  drawHistogram(testid('chart-ttft'), s.server.timeToFirstToken);
  drawLines(testid('chart-tokens'), [
    { label: 'in', values: history.map((p) => p.inRate) },
    { label: 'out', cls: 'out', values: history.map((p) => p.outRate) },
  ]);
  drawLines(testid('chart-in-flight'), [{ label: 'in flight', values: history.map((p) => p.inFlight) }]);
  drawErrors(testid('chart-errors'), c.errorsByType);
  drawExemplars(c.exemplars);
  drawHardware(s.hardware);
  $('#hardware').dataset.source = st.hardware;
  document.body.dataset.updates = String(Number(document.body.dataset.updates ?? 0) + 1);
}

async function poll() {
  try {
    const res = await fetch('/api/summary', { cache: 'no-store' });
    if (res.ok) render(await res.json());
    else $('#status').textContent = `summary answered ${res.status}`;
  } catch {
    $('#status').textContent = 'demo stopped (no answer from /api/summary)';
  }
}

poll();
setInterval(poll, 1000);
