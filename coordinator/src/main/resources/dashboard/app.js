// Framefarm dashboard: one page, live through the coordinator's server-sent events (read with fetch, so that the
// API token travels in a header and never in a URL). Data from the farm is put into the page as text only.
'use strict';

const WINDOW_SECONDS = 10 * 60;
const MARKER_COLORS = { ModelLoaded: '#2e7d32', ModelEvicted: '#ef6c00', MemoryPressure: '#c62828',
  AllocationRejected: '#6a1b9a', LeakDetected: '#ad1457', LeasesReclaimed: '#4e342e' };
const FEED_MAX = 300;

const state = {
  token: localStorage.getItem('framefarm.token') || '',
  jobs: new Map(),       // id -> JobStatus summary
  rates: new Map(),      // id -> {frames, at, fps}
  devices: new Map(),    // node/device -> {report, xs, used, budget, high, markers, chart, el}
  selected: null,
  detailTimer: null,
};

// ---- small helpers ----

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function bytes(n) {
  if (!Number.isFinite(n) || n < 0) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

function duration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  if (seconds < 60) return seconds.toFixed(seconds < 10 ? 1 : 0) + ' s';
  const m = Math.floor(seconds / 60);
  return m < 60 ? m + ' min ' + Math.round(seconds % 60) + ' s' : Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
}

function shortNode(address) {
  const at = address.indexOf('@');
  return at < 0 ? address : address.slice(at + 1);
}

function time(millis) {
  return new Date(millis).toLocaleTimeString();
}

function headers() {
  return state.token ? { Authorization: 'Bearer ' + state.token } : {};
}

async function api(path, options) {
  const response = await fetch(path, Object.assign({ headers: headers() }, options || {}));
  if (response.status === 401) {
    askForToken();
    throw new Error('unauthorized');
  }
  return response;
}

function setConnection(text, kind) {
  const badge = document.getElementById('connection');
  badge.textContent = text;
  badge.dataset.state = kind;
}

function askForToken() {
  setConnection('needs the API token', 'error');
  document.getElementById('token-form').hidden = false;
}

document.getElementById('token-form').addEventListener('submit', event => {
  event.preventDefault();
  state.token = document.getElementById('token').value.trim();
  localStorage.setItem('framefarm.token', state.token);
  document.getElementById('token-form').hidden = true;
  start();
});

// ---- jobs ----

function progressOf(job) {
  return job.totalFrames > 0 ? job.framesDone / job.totalFrames : 0;
}

function updateRate(job) {
  const now = Date.now();
  const r = state.rates.get(job.id);
  if (job.finishedAtMillis > 0 && job.startedAtMillis > 0) {
    const fps = job.totalFrames / Math.max(0.001, (job.finishedAtMillis - job.startedAtMillis) / 1000);
    state.rates.set(job.id, { frames: job.framesDone, at: now, fps });
  } else if (!r) {
    const since = job.startedAtMillis > 0 ? (now - job.startedAtMillis) / 1000 : 0;
    state.rates.set(job.id, { frames: job.framesDone, at: now, fps: since > 0 ? job.framesDone / since : 0 });
  } else if (now - r.at >= 900) {
    const instant = (job.framesDone - r.frames) / ((now - r.at) / 1000);
    const fps = r.fps > 0 ? 0.6 * r.fps + 0.4 * instant : instant;
    state.rates.set(job.id, { frames: job.framesDone, at: now, fps: Math.max(0, fps) });
  }
}

function renderJobs() {
  const body = document.querySelector('#jobs tbody');
  const jobs = [...state.jobs.values()].sort((a, b) => b.submittedAtMillis - a.submittedAtMillis);
  document.getElementById('no-jobs').hidden = jobs.length > 0;
  body.replaceChildren(...jobs.map(job => {
    const rate = state.rates.get(job.id) || { fps: 0 };
    const finished = ['COMPLETED', 'FAILED', 'CANCELLED'].includes(job.state);
    const eta = finished ? '-' : rate.fps > 0 ? duration((job.totalFrames - job.framesDone) / rate.fps) : '-';
    const percent = Math.round(progressOf(job) * 100);
    const bar = el('div', { class: 'bar' + (job.state === 'COMPLETED' ? ' done' : '') }, el('span'));
    bar.firstChild.style.width = percent + '%';
    const cancel = finished || job.state === 'ASSEMBLING' ? ''
      : el('button', { class: 'cancel', onclick: e => { e.stopPropagation(); cancelJob(job.id); } }, 'Cancel');
    const row = el('tr', { class: 'job' + (job.id === state.selected ? ' selected' : ''), 'data-job': job.id,
      onclick: () => select(job.id) },
    el('td', {}, job.id),
    el('td', {}, job.request ? job.request.pipeline : ''),
    el('td', {}, el('span', { class: 'state', 'data-state': job.state }, job.state)),
    el('td', { class: 'progress', 'data-frames': job.framesDone, 'data-total': job.totalFrames },
      bar, ' ' + job.framesDone + ' / ' + job.totalFrames + ' (' + percent + '%)'),
    el('td', {}, rate.fps > 0 ? rate.fps.toFixed(1) : '-'),
    el('td', {}, eta),
    el('td', {}, job.request ? job.request.priority : ''),
    el('td', {}, cancel));
    return row;
  }));
}

function setJobs(jobs) {
  for (const job of jobs) {
    state.jobs.set(job.id, job);
    updateRate(job);
  }
  renderJobs();
  if (state.selected && state.jobs.has(state.selected)) renderDetailHeader();
}

async function cancelJob(id) {
  const response = await api('/api/v1/jobs/' + encodeURIComponent(id) + '/cancel', { method: 'POST' });
  const answer = await response.json();
  if (response.ok) setJobs([answer]);
  else feed({ type: 'CancelRefused', atMillis: Date.now(), detail: answer.error || response.status, kind: 'bad' });
}

// ---- one job ----

function select(id) {
  state.selected = id;
  document.getElementById('job-detail').hidden = false;
  renderJobs();
  renderDetailHeader();
  loadDetail();
}

function renderDetailHeader() {
  const job = state.jobs.get(state.selected);
  if (!job) return;
  document.getElementById('detail-id').textContent = job.id;
  const s = document.getElementById('detail-state');
  s.textContent = job.state;
  s.dataset.state = job.state;
  const r = job.request || {};
  document.getElementById('detail-summary').textContent = (r.input || '') + ' \u2192 ' + (r.output || '') + ' \u00b7 '
    + (r.pipeline || '') + ' \u00b7 ' + job.chunks + ' chunks, ' + job.chunksDone + ' done'
    + (job.failure ? ' \u00b7 ' + job.failure : '') + (job.waiting ? ' \u00b7 ' + job.waiting : '');
}

function loadDetailSoon() {
  clearTimeout(state.detailTimer);
  state.detailTimer = setTimeout(loadDetail, 250);
}

async function loadDetail() {
  const id = state.selected;
  if (!id) return;
  const response = await api('/api/v1/jobs/' + encodeURIComponent(id) + '/chunks');
  if (id !== state.selected) return;
  if (response.ok) renderChunks(await response.json());
  else document.getElementById('chunk-map').replaceChildren(el('p', { class: 'muted' }, (await response.json()).error));
  const job = state.jobs.get(id);
  if (job && job.state === 'COMPLETED') loadTexts(id);
  else document.getElementById('texts').hidden = true;
}

function renderChunks(map) {
  const cells = map.chunks.map(c => el('div', { class: 'chunk' + (c.attempts.length > 1 ? ' retried' : ''),
    'data-state': c.state, title: 'chunk ' + c.index + ': ' + c.state + (c.deviceId ? ' on ' + c.deviceId : '') },
  c.index));
  document.getElementById('chunk-map').replaceChildren(...cells);
  document.querySelector('#chunks tbody').replaceChildren(...map.chunks.map(c => el('tr', { 'data-chunk': c.index },
    el('td', {}, c.index),
    el('td', {}, c.startFrame >= 0 ? c.startFrame + '\u2013' + c.endFrame : '?'),
    el('td', {}, el('span', { class: 'state', 'data-state': c.state }, c.state)),
    el('td', {}, shortNode(c.node)),
    el('td', {}, c.deviceId),
    el('td', {}, ...attemptsOf(c)),
    el('td', {}, c.seconds >= 0 ? duration(c.seconds) : '-'))));
}

function attemptsOf(chunk) {
  if (chunk.attempts.length === 0) return ['-'];
  return [el('ol', { class: 'attempts' }, ...chunk.attempts.map(a => el('li', {}, '#' + a.attempt + ' '
    + a.outcome + ' on ' + shortNode(a.node) + '/' + a.deviceId + (a.reason ? ': ' + a.reason : ''))))];
}

async function loadTexts(id) {
  const response = await api('/api/v1/jobs/' + encodeURIComponent(id) + '/texts');
  const box = document.getElementById('texts');
  if (!response.ok || id !== state.selected) {
    box.hidden = true;
    return;
  }
  const found = await response.json();
  box.hidden = false;
  document.querySelector('#text-table tbody').replaceChildren(...(found.distinct || []).map(t => el('tr', {},
    el('td', {}, t.text), el('td', {}, t.count), el('td', {}, t.firstSeconds.toFixed(2)),
    el('td', {}, t.lastSeconds.toFixed(2)))));
}

// ---- devices ----

function deviceKey(r) {
  return r.node + '/' + r.deviceId;
}

function device(report) {
  const key = deviceKey(report);
  let d = state.devices.get(key);
  if (!d) {
    d = { xs: [], used: [], budget: [], high: [], markers: [], chart: null };
    d.el = el('div', { class: 'device', 'data-device': key });
    d.facts = el('div', { class: 'facts' });
    d.bar = el('div', { class: 'bar mem' }, el('span', { class: 'used' }), el('i', { class: 'high' }),
      el('i', { class: 'low' }));
    d.models = el('ol', { class: 'models' });
    d.timeline = el('div', { class: 'timeline', 'data-device': key, 'data-points': '0' });
    d.el.append(el('header', {}, el('strong', {}, shortNode(report.node) + ' \u00b7 ' + report.deviceId),
      el('span', { class: 'muted' }, report.deviceKind)), d.bar, d.facts, d.models, d.timeline);
    document.getElementById('devices').append(d.el);
    document.getElementById('no-devices').hidden = true;
    state.devices.set(key, d);
  }
  return d;
}

function onReport(r) {
  const d = device(r);
  d.report = r;
  const t = r.atMillis / 1000;
  if (d.xs.length === 0 || t > d.xs[d.xs.length - 1]) {
    d.xs.push(t);
    d.used.push(r.usedBytes);
    d.budget.push(r.budgetBytes);
    d.high.push(r.highWatermarkBytes > 0 ? r.highWatermarkBytes : null);
    while (d.xs.length > 0 && d.xs[0] < t - WINDOW_SECONDS) {
      d.xs.shift(); d.used.shift(); d.budget.shift(); d.high.shift();
    }
    d.markers = d.markers.filter(m => m.t >= t - WINDOW_SECONDS);
  }
  renderDevice(d);
}

function renderDevice(d) {
  const r = d.report;
  const of = v => Math.min(100, 100 * v / Math.max(1, r.budgetBytes)) + '%';
  d.bar.querySelector('.used').style.width = of(r.usedBytes);
  d.bar.querySelector('.high').style.left = of(r.highWatermarkBytes);
  d.bar.querySelector('.low').style.left = of(r.lowWatermarkBytes);
  d.bar.querySelector('.high').hidden = !(r.highWatermarkBytes > 0);
  d.bar.querySelector('.low').hidden = !(r.lowWatermarkBytes > 0);
  const pool = r.poolHits + r.poolMisses > 0 ? Math.round(100 * r.poolHits / (r.poolHits + r.poolMisses)) + '% hits'
    : 'no leases yet';
  d.facts.replaceChildren(
    el('span', { class: 'used-text' }, 'used ' + bytes(r.usedBytes) + ' / ' + bytes(r.budgetBytes)),
    el('span', {}, 'watermarks ' + bytes(r.lowWatermarkBytes) + ' \u2013 ' + bytes(r.highWatermarkBytes)),
    el('span', {}, 'peak ' + bytes(r.peakBytes)),
    el('span', {}, 'pool ' + bytes(r.poolBytes) + ' (' + bytes(r.poolLeasedBytes) + ' leased, ' + pool + ')'),
    el('span', {}, 'loads ' + r.loads + ', evictions ' + r.evictions),
    el('span', {}, 'leaks ' + r.leaks),
    el('span', { class: 'pressure', 'data-pressure': r.pressure }, 'pressure ' + r.pressure));
  d.models.replaceChildren(...r.models.map(m => el('li', {}, m.modelId + ' \u00b7 ' + bytes(m.bytes)
    + (m.pins > 0 ? ' \u00b7 pinned' : '') + (m.users > 0 ? ' \u00b7 in use' : ''))));
  if (r.models.length === 0) d.models.replaceChildren(el('li', { class: 'muted' }, 'no model resident'));
  drawTimeline(d);
}

function drawTimeline(d) {
  d.timeline.dataset.points = String(d.xs.length);
  d.timeline.dataset.markers = String(d.markers.length);
  if (typeof uPlot === 'undefined') return;
  const data = [d.xs, d.used, d.budget, d.high];
  const width = Math.max(300, d.timeline.clientWidth || 600);
  if (!d.chart) {
    d.chart = new uPlot({
      width, height: 180,
      series: [{}, { label: 'used', stroke: '#1565c0', fill: 'rgba(21,101,192,0.12)', value: (u, v) => bytes(v) },
        { label: 'budget', stroke: '#888', dash: [6, 4], value: (u, v) => bytes(v) },
        { label: 'high watermark', stroke: '#c62828', dash: [2, 3], value: (u, v) => bytes(v) }],
      axes: [{}, { values: (u, vals) => vals.map(bytes), size: 84 }],
      // Fit the used bytes: a budget far above them would flatten the line that matters.
      scales: { y: { range: () => [0, yMax(d)] } },
      hooks: { draw: [u => drawMarkers(u, d)] },
    }, data, d.timeline);
  } else {
    d.chart.setData(data);
  }
}

function yMax(d) {
  const used = Math.max(1 << 20, ...d.used);
  const budget = d.report ? d.report.budgetBytes : 0;
  return used > 0.4 * budget ? budget * 1.05 : used * 1.3;
}

function drawMarkers(u, d) {
  const ctx = u.ctx;
  ctx.save();
  for (const m of d.markers) {
    const x = u.valToPos(m.t, 'x', true);
    if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
    ctx.strokeStyle = MARKER_COLORS[m.type] || '#555';
    ctx.lineWidth = 2 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
  }
  ctx.restore();
}

function onMemoryEvent(e) {
  const d = state.devices.get(e.node + '/' + e.deviceId);
  if (d) {
    d.markers.push({ t: e.atMillis / 1000, type: e.type });
    if (d.report) drawTimeline(d);
  }
  feed({ type: e.type, atMillis: e.atMillis, where: shortNode(e.node) + '/' + e.deviceId, detail: e.detail,
    kind: e.type === 'LeakDetected' || e.type === 'AllocationRejected' ? 'bad' : 'memory' });
}

// ---- feed ----

function feed(item) {
  const list = document.getElementById('feed');
  const where = item.where ? ' ' + item.where : '';
  list.prepend(el('li', { 'data-type': item.type, 'data-kind': item.kind || '' }, el('span', { class: 'muted' },
    time(item.atMillis) + ' '), el('span', { class: 'type' }, item.type), where + ' ' + (item.detail || '')));
  while (list.children.length > FEED_MAX) list.lastChild.remove();
}

function onFarmEvent(e) {
  const bad = ['ChunkFailed', 'ChunkLost', 'JobFailed', 'NodeUnreachable', 'NodeLeft'].includes(e.type);
  const good = ['JobCompleted', 'NodeJoined'].includes(e.type);
  if (e.type !== 'ChunkLeased' && e.type !== 'ChunkCompleted') {
    const where = e.jobId ? e.jobId + (e.chunk >= 0 ? ' chunk ' + e.chunk : '') : shortNode(e.node);
    feed({ type: e.type, atMillis: e.atMillis, where, detail: e.detail, kind: bad ? 'bad' : good ? 'good' : '' });
  }
  if (e.jobId && e.jobId === state.selected) loadDetailSoon();
}

// ---- the event stream ----

async function follow() {
  const response = await api('/api/v1/events?reports=true&farm=true&progress=true',
    { headers: Object.assign({ Accept: 'text/event-stream' }, headers()) });
  if (!response.ok) throw new Error('events answered ' + response.status);
  setConnection('live', 'live');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) dispatch(type, JSON.parse(data.join('\n')));
    }
  }
}

function dispatch(type, data) {
  if (type === 'MemoryReport') onReport(data);
  else if (type === 'Jobs') setJobs(data.jobs);
  else if ('deviceId' in data && 'subject' in data) onMemoryEvent(data);
  else onFarmEvent(data);
}

let generation = 0;

async function start() {
  const mine = ++generation;
  setConnection('connecting', 'connecting');
  try {
    const [nodes, jobs] = await Promise.all([api('/api/v1/nodes'), api('/api/v1/jobs?limit=100')]);
    const n = await nodes.json();
    n.devices.forEach(onReport);
    n.events.slice(-50).forEach(onMemoryEvent);
    setJobs((await jobs.json()).jobs);
    while (mine === generation) {
      await follow();
      setConnection('reconnecting', 'connecting');
      await new Promise(resolve => setTimeout(resolve, 2000));
    }
  } catch (error) {
    if (error.message !== 'unauthorized' && mine === generation) {
      setConnection('disconnected: ' + error.message, 'error');
      setTimeout(() => { if (mine === generation) start(); }, 3000);
    }
  }
}

start();
