// LocalIotCore's dashboard: plain browser JavaScript, no build step, no library.
// The picture is loaded once from the HTTP API and kept current by Server-Sent Events (/api/events);
// whenever the stream (re)opens, the whole picture is loaded again, so nothing missed while away is lost.
// Shadows are read and written through the data-plane API (/things/{thing}/shadow), as any client does.

const HOUR_MS = 60 * 60 * 1000;
const SERIES = ["temperatureC", "humidityPct", "pressureHpa"];
const UPLOADS_KEPT = 50;    // as many as /api/s3-uploads keeps

const state = {
  things: new Map(),        // thing -> { thing, shadow, connection }
  selected: null,           // thing name shown in the detail panel
  telemetry: [],            // points of the selected thing: { at, data }
  notifications: [],
  events: [],
  uploads: [],              // the upload rule's outcomes, newest first
  uploadBuckets: [],
  editorThing: null,        // the editor holds this thing's desired state...
  editorVersion: null,      // ...as of this shadow version
  editorDirty: false,
  toggleErrors: new Map(),  // thing -> why its last toggle was refused (kept across re-renders)
};

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function getJson(url) {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(url + " answered " + response.status);
  return response.json();
}

// ---- time ------------------------------------------------------------------------------------------

function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

function dateTime(ms) {
  const at = new Date(ms);
  const today = new Date();
  return at.toDateString() === today.toDateString() ? clock(ms) : at.toLocaleString();
}

// A time as the API or a device writes it: ISO 8601, or Unix seconds or milliseconds; null when it is neither.
function instant(value) {
  if (typeof value === "number") return value < 1e12 ? value * 1000 : value;
  if (typeof value !== "string") return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

function ago(ms) {
  const seconds = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (seconds < 60) return seconds + " s ago";
  if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
  if (seconds < 86400) return Math.floor(seconds / 3600) + " h " + Math.floor((seconds % 3600) / 60) + " min ago";
  return Math.floor(seconds / 86400) + " d ago";
}

// ---- loading ---------------------------------------------------------------------------------------

async function loadAll() {
  const [things, notifications, events, uploads] = await Promise.all([
    getJson("/api/things"), getJson("/api/notifications"), getJson("/api/connection-events?limit=50"), getJson("/api/s3-uploads"),
  ]);
  state.things = new Map(things.things.map((t) => [t.thing, t]));
  state.notifications = notifications.notifications.slice().reverse();
  state.events = events.events;
  state.uploads = uploads.uploads.slice().reverse();
  state.uploadBuckets = uploads.buckets;
  if (!state.selected && state.things.size > 0) state.selected = state.things.keys().next().value;
  renderThings();
  renderNotifications();
  renderEvents();
  renderUploads();
  if (state.selected) await loadTelemetry(state.selected);
  renderDetail();
}

async function loadTelemetry(thing) {
  const since = Date.now() - HOUR_MS;
  const answer = await getJson("/api/things/" + encodeURIComponent(thing) + "/telemetry?since=" + since);
  if (state.selected !== thing) return;
  state.telemetry = answer.points.map((p) => ({ at: p.receivedAt, data: p.data }));
}

async function select(thing) {
  if (state.selected === thing) return;
  state.selected = thing;
  state.telemetry = [];
  renderThings();
  renderDetail();
  await loadTelemetry(thing);
  renderCharts();
}

// ---- things ----------------------------------------------------------------------------------------

function reported(thing) { return thing.shadow?.state?.reported ?? {}; }
function desired(thing) { return thing.shadow?.state?.desired ?? {}; }

function connectionCell(thing) {
  const c = thing.connection;
  const flag = reported(thing).connected;
  if (!c) {
    // No lifecycle event yet (e.g. LocalIotCore is a client of another broker): the shadow's flag is all there is.
    const known = typeof flag === "boolean";
    return element("td", {},
      element("span", { class: "badge " + (known ? (flag ? "connected" : "disconnected") : "unknown"), "data-testid": "connection" },
        known ? (flag ? "connected" : "disconnected") : "unknown"),
      element("div", { class: "small" }, "from the shadow's reported.connected"));
  }
  const since = c.connected ? c.lastConnectedAt : c.lastDisconnectedAt;
  const cell = element("td", {},
    element("span", { class: "badge " + (c.connected ? "connected" : "disconnected"), "data-testid": "connection" }, c.connected ? "connected" : "disconnected"),
    since ? element("div", { class: "small", "data-since": since }, "since " + dateTime(since) + " (" + ago(since) + ")") : null);
  if (c.lastDisconnectReason) {
    cell.append(element("div", { class: "small", "data-testid": "disconnect-reason" },
      (c.connected ? "last disconnect: " : "reason: ") + c.lastDisconnectReason + (!c.connected || !c.lastDisconnectedAt ? "" : " at " + dateTime(c.lastDisconnectedAt))));
  }
  if (typeof flag === "boolean" && flag !== c.connected) {
    cell.append(element("div", { class: "small" }, "shadow still says connected=" + flag));
  }
  return cell;
}

function motorCell(thing) {
  const now = reported(thing).MOTOR;
  const wanted = desired(thing).MOTOR;
  const pending = wanted !== undefined && wanted !== null && wanted !== now;
  return element("td", {},
    element("span", { class: "motor", "data-testid": "motor-reported" }, now ?? "—"),
    pending ? element("span", {}, " ", element("span", { class: "badge pending", "data-testid": "motor-pending" }, "pending → " + wanted)) : null,
    element("div", { class: "small" }, "desired: ", element("span", { "data-testid": "motor-desired" }, wanted ?? "—")));
}

// s3://bucket/key -> key (what the device installs the file as); anything else is shown as it is.
function keyOf(url) {
  if (typeof url !== "string") return "—";
  const match = /^s3:\/\/[^/]+\/(.+)$/.exec(url);
  return match ? match[1] : url;
}

function shortHash(hash) { return typeof hash === "string" ? hash.slice(0, 12) : ""; }

// The file the device reports in reported.s3 {url, hash, status, at}, and desired.s3 while it differs.
function fileCell(thing) {
  const now = reported(thing).s3;
  const wanted = desired(thing).s3;
  const has = now !== null && typeof now === "object";
  const asked = wanted !== null && typeof wanted === "object";
  const pending = asked && (!has || wanted.url !== now.url || wanted.hash !== now.hash);
  const at = has ? instant(now.at) : null;
  return element("td", { "data-testid": "file" },
    element("span", { "data-testid": "file-key", title: has && typeof now.url === "string" ? now.url : null }, has ? keyOf(now.url) : "—"),
    has && now.hash ? element("span", { class: "small hash", "data-testid": "file-hash", title: "SHA-256 " + now.hash }, " " + shortHash(now.hash)) : null,
    has && now.status ? element("div", {},
      element("span", { class: "badge " + (now.status === "installed" ? "connected" : "disconnected"), "data-testid": "file-status" }, now.status)) : null,
    at ? element("div", { class: "small", "data-testid": "file-at" }, dateTime(at) + " (" + ago(at) + ")") : null,
    pending ? element("div", {}, element("span", { class: "badge pending", "data-testid": "file-pending" }, "pending: " + keyOf(wanted.url))) : null);
}

function toggleCell(thing) {
  const now = reported(thing).MOTOR;
  const wanted = desired(thing).MOTOR;
  const target = (wanted ?? now) === "ON" ? "OFF" : "ON";
  const message = element("div", { class: "error small", "data-testid": "toggle-error" }, state.toggleErrors.get(thing.thing) ?? "");
  const button = element("button", {
    type: "button", class: "primary", "data-testid": "motor-toggle",
    onclick: async (event) => {
      event.stopPropagation();
      button.disabled = true;
      // The same request a curl would send: the data-plane API, which publishes the delta to the device.
      const result = await updateShadow(thing.thing, JSON.stringify({ state: { desired: { MOTOR: target } } }));
      button.disabled = false;
      if (result.ok) state.toggleErrors.delete(thing.thing); else state.toggleErrors.set(thing.thing, result.text);
      message.textContent = result.ok ? "" : result.text;
    },
  }, "Turn " + target);
  return element("td", {}, button, message);
}

function renderThings() {
  const body = $("things").tBodies[0];
  body.replaceChildren();
  $("no-things").hidden = state.things.size > 0;
  for (const thing of state.things.values()) {
    const r = reported(thing);
    const sensor = r.sensor ?? {};
    const row = element("tr", {
      "data-testid": "thing-row", "data-thing": thing.thing,
      "data-connected": String(thing.connection ? thing.connection.connected : r.connected === true),
      class: thing.thing === state.selected ? "selected" : null,
      onclick: () => select(thing.thing),
    },
      element("td", {}, element("strong", {}, thing.thing)),
      connectionCell(thing),
      motorCell(thing),
      toggleCell(thing),
      element("td", { "data-testid": "sensor" }, sensor.status ?? "—", sensor.model ? element("div", { class: "small" }, sensor.model) : null),
      element("td", { "data-testid": "firmware" }, r.firmwareVersion ?? "—", r.hardware ? element("div", { class: "small" }, r.hardware) : null),
      fileCell(thing));
    body.append(row);
  }
}

// ---- shadow updates --------------------------------------------------------------------------------

const EXPLAIN = {
  400: "The shadow service refused the request as malformed (400)",
  409: "Version conflict (409): the shadow changed since the editor loaded it. Press Reload to see the current desired state, then save again",
  413: "Too large (413): a shadow's desired and reported state may be 8 KB at most, a request 128 KB",
  404: "No such shadow (404)",
  415: "Not UTF-8 (415)",
};

async function updateShadow(thing, body) {
  try {
    const response = await fetch("/things/" + encodeURIComponent(thing) + "/shadow", { method: "POST", body, headers: { "Content-Type": "application/json" } });
    const text = await response.text();
    let answer = null;
    try { answer = JSON.parse(text); } catch { /* not JSON: shown as it is below */ }
    if (response.ok) return { ok: true, version: answer?.version };
    const explained = EXPLAIN[response.status] ?? ("The shadow service answered " + response.status);
    return { ok: false, status: response.status, text: explained + (answer?.message ? ": " + answer.message : text ? ": " + text : "") + "." };
  } catch (error) {
    return { ok: false, status: 0, text: "LocalIotCore did not answer (" + error.message + ")." };
  }
}

// ---- detail ----------------------------------------------------------------------------------------

function renderDetail() {
  const thing = state.selected ? state.things.get(state.selected) : null;
  $("detail").hidden = !thing;
  if (!thing) return;
  $("detail-thing").textContent = thing.thing;
  $("shadow-document").textContent = thing.shadow ? JSON.stringify(thing.shadow, null, 2) : "(no shadow yet)";
  const errors = reported(thing).errors;
  const errorText = errors ? Object.entries(errors).filter(([, v]) => v !== null).map(([k, v]) => k + ": " + v).join("\n") : "";
  $("device-errors").hidden = !errorText;
  $("device-errors").textContent = errorText ? "The device refused input — " + errorText : "";
  if (state.editorThing !== thing.thing || !state.editorDirty) fillEditor(thing);
  renderCharts();
}

function fillEditor(thing) {
  state.editorThing = thing.thing;
  state.editorVersion = thing.shadow?.version ?? null;
  state.editorDirty = false;
  $("desired-editor").value = JSON.stringify(desired(thing), null, 2);
  $("desired-version").textContent = state.editorVersion ?? "(none)";
  $("desired-if-version").disabled = state.editorVersion === null;
}

async function saveDesired() {
  const thing = state.editorThing;
  if (!thing) return;
  const text = $("desired-editor").value.trim();
  const result = $("desired-result");
  // The text goes to the shadow service as typed, so its own 400 explains malformed JSON.
  const version = $("desired-if-version").checked && state.editorVersion !== null ? ',"version":' + state.editorVersion : "";
  const answer = await updateShadow(thing, '{"state":{"desired":' + (text || "null") + "}" + version + "}");
  result.className = answer.ok ? "success" : "error";
  result.textContent = answer.ok ? "Saved: the shadow is at version " + answer.version + "." : answer.text;
  if (answer.ok) {
    state.editorDirty = false;
    // The live feed may have brought the new document before this answer: show it now, or when it comes.
    const current = state.things.get(thing);
    if (current && (current.shadow?.version ?? -1) >= answer.version) fillEditor(current);
  }
}

// ---- charts ----------------------------------------------------------------------------------------

function renderCharts() {
  const end = Date.now();
  const start = end - HOUR_MS;
  for (const svg of document.querySelectorAll("svg.chart")) {
    const key = svg.dataset.key;
    const points = [];
    for (const p of state.telemetry) {
      const v = p.data?.[key];
      if (typeof v === "number" && p.at >= start) points.push([p.at, v]);
    }
    drawChart(svg, points, start, end, svg.dataset.unit);
    const latest = document.querySelector('[data-latest="' + key + '"]');
    latest.textContent = points.length ? points[points.length - 1][1].toFixed(2) + " " + svg.dataset.unit : "no readings";
  }
}

function svg(tag, attributes, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function drawChart(chart, points, start, end, unit) {
  const width = 400, height = 160, left = 44, right = 8, top = 8, bottom = 20;
  chart.replaceChildren();
  chart.dataset.points = String(points.length);
  for (let m = 0; m <= 60; m += 15) {
    const x = left + (width - left - right) * (m / 60);
    chart.append(svg("line", { class: "grid", x1: x, y1: top, x2: x, y2: height - bottom }));
    chart.append(svg("text", { x, y: height - 6, "text-anchor": "middle" }, m === 60 ? "now" : "-" + (60 - m) + " min"));
  }
  if (points.length === 0) {
    chart.append(svg("text", { x: width / 2, y: height / 2, "text-anchor": "middle" }, "no readings in the last hour"));
    return;
  }
  let low = Infinity, high = -Infinity;
  for (const [, v] of points) { low = Math.min(low, v); high = Math.max(high, v); }
  const pad = Math.max((high - low) * 0.1, 0.05);
  low -= pad; high += pad;
  const x = (t) => left + (width - left - right) * ((t - start) / (end - start));
  const y = (v) => top + (height - top - bottom) * (1 - (v - low) / (high - low));
  for (const v of [low, (low + high) / 2, high]) {
    chart.append(svg("line", { class: "grid", x1: left, y1: y(v), x2: width - right, y2: y(v) }));
    chart.append(svg("text", { x: left - 4, y: y(v) + 3, "text-anchor": "end" }, v.toFixed(high - low < 1 ? 2 : 1)));
  }
  const path = points.map(([t, v], i) => (i === 0 ? "M" : "L") + x(t).toFixed(1) + " " + y(v).toFixed(1)).join(" ");
  chart.append(svg("path", { class: "line", d: path }, undefined));
  const [lt, lv] = points[points.length - 1];
  chart.append(svg("circle", { cx: x(lt), cy: y(lv), r: 2.5, fill: "#0b5cad" }));
  chart.setAttribute("aria-label", chart.getAttribute("aria-label").split(":")[0] + ": " + points.length + " readings, latest " + lv + " " + unit);
}

// ---- notifications and events ----------------------------------------------------------------------

function renderNotifications() {
  const list = $("notifications");
  list.replaceChildren(...state.notifications.map((n) =>
    element("li", { "data-testid": "notification", "data-thing": n.thing }, element("strong", {}, n.thing), " — ", n.message,
      element("div", { class: "small" }, "notified " + dateTime(n.notifiedAt * 1000)))));
  if (state.notifications.length === 0) list.append(element("li", { class: "empty" }, "None."));
}

function renderEvents() {
  const list = $("connection-events");
  list.replaceChildren(...state.events.map((e) =>
    element("li", { "data-testid": "connection-event", "data-thing": e.thing },
      element("span", { class: "badge " + (e.eventType === "connected" ? "connected" : "disconnected") }, e.eventType), " ",
      element("strong", {}, e.thing), " at " + dateTime(e.at),
      e.disconnectReason ? " — " + e.disconnectReason : "",
      e.stale ? element("span", { class: "small" }, " (late event of an older session; state unchanged)") : null)));
  if (state.events.length === 0) list.append(element("li", { class: "empty" }, "None."));
}

// ---- S3 uploads ------------------------------------------------------------------------------------

function size(bytes) {
  if (typeof bytes !== "number") return "? bytes";
  if (bytes < 1024) return bytes + " bytes";
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KiB";
  return (bytes / (1024 * 1024)).toFixed(1) + " MiB";
}

function uploadItem(upload) {
  const results = Array.isArray(upload.results) ? upload.results : [];
  let updated = 0, skipped = 0, failed = 0;
  for (const r of results) {
    if (r.status === "updated") updated++;
    else if (String(r.status).startsWith("skipped")) skipped++;
    else failed++;
  }
  const at = instant(upload.at);
  return element("li", { "data-testid": "upload", "data-url": upload.url },
    element("strong", { "data-testid": "upload-url" }, upload.url), " — " + size(upload.size), at ? " at " + dateTime(at) : "",
    element("div", { class: "small" },
      element("span", { class: "hash", title: "SHA-256 " + upload.hash }, "SHA-256 " + shortHash(upload.hash)), " · ",
      element("span", { "data-testid": "upload-counts" }, updated + " updated, " + skipped + " skipped, " + failed + " failed")),
    results.length === 0 ? element("div", { class: "small" }, "no registered things") :
      element("details", {},
        element("summary", { class: "small" }, "per thing"),
        element("ul", { class: "results" }, ...results.map((r) =>
          element("li", { "data-testid": "upload-result", "data-thing": r.thing, class: r.status === "updated" || String(r.status).startsWith("skipped") ? null : "error" },
            element("strong", {}, r.thing), " — " + r.status,
            r.attempts > 1 ? " (" + r.attempts + " attempts)" : "",
            r.version !== undefined && r.version !== null ? element("span", { class: "small" }, " · shadow version " + r.version) : null)))));
}

function renderUploads() {
  $("upload-buckets").textContent = state.uploadBuckets.length ? state.uploadBuckets.join(", ") : "(no bucket configured)";
  const list = $("uploads");
  list.replaceChildren(...state.uploads.map(uploadItem));
  if (state.uploads.length === 0) list.append(element("li", { class: "empty" }, "None yet."));
}

// ---- live feed -------------------------------------------------------------------------------------

// Many things can change many times a second: the feed marks what changed, and each part of the page
// is drawn at most once per frame.
const dirty = new Set();
let frameRequested = false;
const renderers = { things: renderThings, detail: renderDetail, charts: renderCharts, events: renderEvents, notifications: renderNotifications, uploads: renderUploads };

function invalidate(part) {
  dirty.add(part);
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(() => {
    frameRequested = false;
    const parts = [...dirty];
    dirty.clear();
    for (const name of parts) renderers[name]();
  });
}

function thingOf(name) {
  let thing = state.things.get(name);
  if (!thing) {
    thing = { thing: name };
    state.things.set(name, thing);
    state.things = new Map([...state.things.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (!state.selected) state.selected = name;
  }
  return thing;
}

const handlers = {
  shadow(data) {
    if (data.shadowName) return; // the page shows classic shadows
    const thing = thingOf(data.thing);
    thing.shadow = data.document ?? undefined;
    invalidate("things");
    if (data.thing === state.selected) invalidate("detail");
  },
  connection(data) {
    state.events.unshift(data);
    state.events.length = Math.min(state.events.length, 50);
    invalidate("events");
    if (data.stale) return;
    const thing = thingOf(data.thing);
    const before = thing.connection ?? {};
    thing.connection = data.eventType === "connected"
      ? { ...before, connected: true, lastConnectedAt: data.at, sessionIdentifier: data.sessionIdentifier }
      : { ...before, connected: false, lastDisconnectedAt: data.at, lastDisconnectReason: data.disconnectReason, sessionIdentifier: data.sessionIdentifier };
    invalidate("things");
  },
  telemetry(data) {
    if (data.thing !== state.selected) return;
    state.telemetry.push({ at: data.receivedAt, data: data.data });
    const start = Date.now() - HOUR_MS;
    while (state.telemetry.length && state.telemetry[0].at < start) state.telemetry.shift();
    invalidate("charts");
  },
  notification(data) {
    state.notifications.unshift(data);
    invalidate("notifications");
  },
  upload(data) {
    state.uploads.unshift(data);
    state.uploads.length = Math.min(state.uploads.length, UPLOADS_KEPT);
    invalidate("uploads");
  },
};

function connect() {
  const live = $("live");
  const source = new EventSource("/api/events");
  source.addEventListener("hello", async () => {
    live.textContent = "live";
    live.className = "live on";
    try { await loadAll(); } catch (error) { live.textContent = "load failed: " + error.message; live.className = "live off"; }
  });
  for (const [kind, handle] of Object.entries(handlers)) {
    source.addEventListener(kind, (event) => handle(JSON.parse(event.data)));
  }
  // EventSource reconnects by itself (the server asks for 2 s); 'hello' reloads everything when it is back.
  source.addEventListener("error", () => { live.textContent = "reconnecting…"; live.className = "live off"; });
}

$("desired-editor").addEventListener("input", () => { state.editorDirty = true; });
$("desired-save").addEventListener("click", saveDesired);
$("desired-reload").addEventListener("click", () => {
  const thing = state.selected && state.things.get(state.selected);
  if (thing) fillEditor(thing);
  $("desired-result").textContent = "";
});
// Relative times ("3 min ago") and the charts' time axis move on; this redraws locally, it fetches nothing.
setInterval(() => { invalidate("things"); invalidate("charts"); }, 10000);
connect();
