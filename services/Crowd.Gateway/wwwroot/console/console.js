// The Crowd console: requesters watch their batches, QA reviewers settle disagreements, operators check the books.
// It is a view over the public API (docs/api.md) and nothing else: every figure on screen comes from a /v1 call made
// with the signed-in user's own token, so it shows exactly what that user may see, and the API's 401/403/404 are the
// only access rules. No framework and no build step; text always goes in through textContent, never as HTML.
"use strict";

const TOKEN_KEY = "crowd.token";
const REFRESH_MS = 2000;
const view = document.getElementById("view");
let refreshTimer = null;
// Navigations begun so far. An answer that arrives after a later one began is for a view the user has left: drawn, it
// would replace the view they went to (a slow queue, asked for at sign-in, arriving over the disagreement they opened).
let navigations = 0;

// ---------------------------------------------------------------------------------------------------------------
// Building the page

/** An HTML element: attributes (class, data-*, on* handlers), then children (strings become text nodes). */
function h(tag, attributes = {}, ...children) {
  return fill(document.createElement(tag), attributes, children);
}

/** An SVG element, the same way. */
function s(tag, attributes = {}, ...children) {
  return fill(document.createElementNS("http://www.w3.org/2000/svg", tag), attributes, children);
}

function fill(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function show(...children) {
  view.replaceChildren(...children.flat());
  paint();
}

function banner(message) {
  const element = document.getElementById("banner");
  element.textContent = message ?? "";
  element.hidden = !message;
}

/** Only http(s) addresses become links: a content URI may be dicomweb:// or anything else a requester sent. */
function link(uri, text) {
  return /^https?:\/\//i.test(uri ?? "") ? h("a", { href: uri, target: "_blank", rel: "noopener noreferrer" }, text ?? uri) : h("span", { class: "muted" }, uri ?? "");
}

const money = (cents) => cents === null || cents === undefined ? "–" : (cents / 100).toLocaleString("en-US", { style: "currency", currency: "USD" });
const share = (value) => value === null || value === undefined ? "–" : value.toFixed(2);
const when = (time) => time ? new Date(time).toISOString().replace("T", " ").slice(0, 19) + " UTC" : "–";

// ---------------------------------------------------------------------------------------------------------------
// Who is signed in

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** The token's claims, read only to choose which views to offer: the API checks the token on every call. */
function claims() {
  try {
    const part = token().split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const payload = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
    const roles = [].concat(payload.role ?? []);
    return { sub: String(payload.sub ?? ""), roles };
  } catch {
    return null;
  }
}

function has(...roles) {
  const who = claims();
  return who !== null && roles.some((role) => who.roles.includes(role));
}

function signOut(message) {
  // A view's parallel calls may all be refused: the first signs out, the others find nothing left to do.
  if (token() === null) return;
  sessionStorage.removeItem(TOKEN_KEY);
  go("#/", message);
}

// ---------------------------------------------------------------------------------------------------------------
// The API

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.title ?? `The API answered ${status}.`);
    this.status = status;
    this.problem = problem;
  }
}

/** A view's answer that came after the user navigated elsewhere: the view is not drawn. */
class Superseded extends Error {}

async function api(method, path, body) {
  const navigation = navigations;
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token()}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (navigation !== navigations) throw new Superseded();
  if (response.status === 401) {
    signOut("The API refused this token (401): it is invalid or has expired. Sign in with a new one.");
    throw new ApiError(401, null);
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

const rows = (page) => Array.isArray(page) ? page : page?.items ?? [];

// ---------------------------------------------------------------------------------------------------------------
// Drawing labels over a frame (no pixels are stored: the frame is the item's size, the image is only linked)

const PALETTE = ["#4fc3f7", "#ffb74d", "#81c784", "#f06292", "#ba68c8", "#fff176", "#4db6ac", "#e57373"];

/** The boxes and masks of an annotation or a task's label, each with the class it belongs to. */
function shapesOf(payload) {
  return { boxes: (payload?.boxes ?? []).map((b) => ({ label: b.label, x: b.x, y: b.y, w: b.w, h: b.h })), masks: payload?.masks ?? [] };
}

/** An item's result: its findings (boxes merged across the item's tasks, in item coordinates) and its stitched masks. */
function itemShapes(item) {
  return { boxes: (item.findings ?? []).filter((f) => f.box).map((f) => ({ label: f.label, ...f.box })), masks: item.label?.masks ?? [] };
}

/** The frame: the item's size when known, else the masks' size, else just large enough for every box. */
function frameSize(size, shapeSets) {
  if (size?.width && size?.height) return { width: size.width, height: size.height };
  const masks = shapeSets.flatMap((set) => set.masks);
  if (masks.length) return { width: Math.max(...masks.map((m) => m.width)), height: Math.max(...masks.map((m) => m.height)) };
  const boxes = shapeSets.flatMap((set) => set.boxes);
  const right = Math.max(16, ...boxes.map((b) => b.x + b.w));
  const bottom = Math.max(16, ...boxes.map((b) => b.y + b.h));
  return { width: Math.ceil(right * 1.2), height: Math.ceil(bottom * 1.2) };
}

/** One <svg> showing every set of shapes in its own colour: sets = [{ shapes, colour, name }]. */
function drawing(size, sets) {
  const frame = frameSize(size, sets.map((set) => set.shapes));
  const stroke = Math.max(frame.width, frame.height) / 150;
  const svg = s("svg", { class: "frame", viewBox: `0 0 ${frame.width} ${frame.height}`, role: "img", "aria-label": `frame ${frame.width} by ${frame.height}` });
  for (const set of sets) {
    for (const mask of set.shapes.masks) {
      const group = s("g", { fill: set.colour, "fill-opacity": "0.45", "data-shape": "mask", "data-label": mask.label });
      for (const [x, y, w] of runs(mask)) group.append(s("rect", { x, y, width: w, height: 1 }));
      svg.append(group);
    }
    for (const box of set.shapes.boxes) {
      svg.append(s("rect", {
        x: box.x, y: box.y, width: box.w, height: box.h, fill: "none", stroke: set.colour, "stroke-width": stroke,
        "data-shape": "box", "data-label": box.label,
      }, s("title", {}, `${set.name ? set.name + ": " : ""}${box.label} (${box.x}, ${box.y}, ${box.w} × ${box.h})`)));
    }
  }
  return svg;
}

/** A mask's row-major runs [start, length, ...] as row segments [x, y, width]. */
function* runs(mask) {
  const rle = mask.rle ?? [];
  for (let i = 0; i + 1 < rle.length; i += 2) {
    let position = rle[i];
    let left = rle[i + 1];
    while (left > 0) {
      const x = position % mask.width;
      const width = Math.min(left, mask.width - x);
      yield [x, Math.floor(position / mask.width), width];
      position += width;
      left -= width;
    }
  }
}

/** What a label says, in words, for the kinds that are not drawn. */
function describe(payload) {
  if (!payload) return "–";
  if ("label" in payload && typeof payload.label === "string") return payload.label;
  if (Array.isArray(payload.labels)) return payload.labels.length ? payload.labels.join(", ") : "(none)";
  if ("value" in payload) return String(payload.value);
  if (Array.isArray(payload.boxes)) return `${payload.boxes.length} box${payload.boxes.length === 1 ? "" : "es"}`;
  if (Array.isArray(payload.masks)) return `${payload.masks.length} mask${payload.masks.length === 1 ? "" : "s"}`;
  if (Array.isArray(payload.values)) return payload.values.map((v) => v.value).join(", ");
  return JSON.stringify(payload);
}

const isSpatial = (payload) => Array.isArray(payload?.boxes) || Array.isArray(payload?.masks);

// ---------------------------------------------------------------------------------------------------------------
// Views

function signInView() {
  const input = h("textarea", { id: "token", rows: "5", placeholder: "eyJhbGciOiJIUzI1NiIs...", spellcheck: "false" });
  const submit = () => {
    const value = input.value.trim();
    sessionStorage.setItem(TOKEN_KEY, value);
    if (claims() === null) {
      sessionStorage.removeItem(TOKEN_KEY);
      banner("That is not a JWT: paste the whole token (three parts separated by dots).");
      return;
    }
    go("#/", null);
  };
  show(h("section", { class: "signin" },
    h("h1", {}, "Sign in"),
    h("p", { class: "muted" }, "Paste your API token (the same JWT your scripts send as Authorization: Bearer). Locally, ",
      h("code", {}, "./crowd token --role requester --sub you"), " prints one. It stays in this tab only."),
    input,
    h("p", {}, h("button", { id: "sign-in", onclick: submit }, "Sign in"))));
}

function nothingForYou() {
  show(h("section", { id: "no-access", class: "empty" },
    h("h1", {}, "Nothing to show"),
    h("p", {}, `This console is for requesters, QA reviewers and operators; your token's roles (${claims().roles.join(", ") || "none"}) have no view here.`)));
}

async function batchesView() {
  const page = await api("GET", "/v1/batches?limit=100");
  const batches = rows(page);
  show(h("h1", {}, "Batches"),
    batches.length === 0 ? h("p", { class: "empty" }, "No batches yet.") : h("table", { id: "batches" },
      h("thead", {}, h("tr", {}, h("th", {}, "Name"), h("th", {}, "Status"), h("th", {}, "Progress"),
        h("th", { class: "number" }, "Annotations"), h("th", { class: "number" }, "Spent / maximum"))),
      h("tbody", {}, batches.map((b) => h("tr", { "data-batch-id": b.batchId },
        h("td", {}, h("a", { href: `#/batches/${b.batchId}` }, b.name)),
        h("td", {}, h("span", { class: `status ${b.status}` }, b.status)),
        h("td", {}, progress(b)),
        h("td", { class: "number" }, b.annotationCount ?? "–"),
        h("td", { class: "number" }, `${money(b.spentCents)} / ${money(b.maxCostCents)}`))))));
  refreshIn(batchesView);
}

function progress(batch) {
  const total = Math.max(1, batch.taskCount ?? 0);
  const accepted = batch.acceptedCount ?? 0;
  const escalated = batch.escalatedCount ?? 0;
  return h("div", { class: "progress" },
    h("div", { class: "bar", title: `${accepted} accepted, ${escalated} with QA, of ${batch.taskCount}` },
      h("span", { "data-width": (accepted / total).toFixed(4) }),
      escalated ? h("span", { class: "escalated", "data-width": (escalated / total).toFixed(4), "data-offset": (accepted / total).toFixed(4) }) : null),
    h("small", { class: "progress-text" }, `${accepted} / ${batch.taskCount} final`, escalated ? ` · ${escalated} with QA` : ""));
}

async function batchView(batchId) {
  const [batch, agreement, results, items] = await Promise.all([
    api("GET", `/v1/batches/${batchId}`),
    api("GET", `/v1/batches/${batchId}/agreement`).catch(() => null),
    api("GET", `/v1/batches/${batchId}/results?format=json`).catch(() => null),
    api("GET", `/v1/batches/${batchId}/items?format=json&limit=48`).catch(() => null),
  ]);
  const spentShare = batch.maxCostCents ? batch.spentCents / batch.maxCostCents : 0;
  show(
    h("p", {}, h("a", { href: "#/batches" }, "← Batches")),
    h("h1", {}, batch.name),
    h("div", { class: "facts", id: "batch-facts" },
      fact("Status", h("span", { id: "batch-status", class: `status ${batch.status}` }, batch.status)),
      fact("Tasks final", h("span", { id: "batch-progress" }, `${batch.acceptedCount} / ${batch.taskCount}`)),
      fact("With QA", batch.escalatedCount),
      fact("Annotations", batch.annotationCount),
      fact("Spent", `${money(batch.spentCents)} of ${money(batch.maxCostCents)} (${(spentShare * 100).toFixed(1)} %)`),
      fact("Completed", when(batch.completedAt))),
    h("h2", {}, "Agreement per class"),
    agreementChart(agreement, rows(results)),
    h("h2", {}, "Items"),
    itemCards(rows(items)));
  if (!["completed", "cancelled", "rejected"].includes(batch.status)) refreshIn(() => batchView(batchId));
}

const fact = (name, value) => h("div", {}, h("small", { class: "muted" }, name), h("b", {}, value ?? "–"));

/**
 * Fleiss' kappa per class where the API computes one (classification); for the other kinds, the mean agreement of the
 * tasks whose final label holds the class (results' `agreement`: mean IoU for boxes, Dice for masks).
 */
function agreementChart(agreement, results) {
  const perClass = Object.entries(agreement?.perClass ?? {}).filter(([, v]) => typeof v?.kappa === "number");
  let bars, measure;
  if (perClass.length) {
    bars = perClass.map(([name, v]) => [name, v.kappa]);
    measure = "Fleiss' kappa";
  } else {
    const sums = new Map();
    for (const row of results) {
      if (typeof row.agreement !== "number") continue;
      const label = row.label ?? {};
      const classes = new Set([label.label, ...(label.labels ?? []), ...(label.boxes ?? []).map((b) => b.label), ...(label.masks ?? []).map((m) => m.label)]
        .filter((c) => typeof c === "string"));
      for (const name of classes) {
        const [sum, count] = sums.get(name) ?? [0, 0];
        sums.set(name, [sum + row.agreement, count + 1]);
      }
    }
    bars = [...sums.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, [sum, count]]) => [name, sum / count]);
    measure = "mean agreement of the tasks labelled with the class";
  }
  if (!bars.length) return h("p", { class: "empty", id: "agreement-chart" }, "No final labels yet.");
  const row = 26, labelWidth = 140, barWidth = 320;
  return h("figure", { class: "card", id: "agreement-chart" },
    s("svg", { viewBox: `0 0 ${labelWidth + barWidth + 60} ${bars.length * row}`, width: labelWidth + barWidth + 60, height: bars.length * row, role: "img", "aria-label": measure },
      bars.map(([name, value], i) => s("g", { transform: `translate(0 ${i * row})`, "data-class": name, "data-value": value.toFixed(4) },
        s("text", { x: labelWidth - 8, y: 17, "text-anchor": "end", "font-size": 13 }, name),
        s("rect", { x: labelWidth, y: 5, width: Math.max(0, Math.min(1, value)) * barWidth, height: 16, fill: "#2463c7", rx: 2 }),
        s("text", { x: labelWidth + Math.max(0, Math.min(1, value)) * barWidth + 6, y: 17, "font-size": 12, fill: "#5d6878" }, value.toFixed(2))))),
    h("figcaption", { class: "muted" }, measure));
}

function itemCards(items) {
  if (!items.length) return h("p", { class: "empty" }, "No items.");
  return h("div", { class: "cards", id: "items" }, items.map((item) => {
    const shapes = itemShapes(item);
    const drawn = shapes.boxes.length || shapes.masks.length;
    return h("article", { class: "card item", "data-external-id": item.externalId, "data-status": item.status },
      h("h3", {}, item.externalId, " ", h("span", { class: `status ${item.status === "final" ? "completed" : ""}` }, item.status)),
      item.status === "final" ? h("p", {}, describe(item.label), " · confidence ", share(item.confidence)) : h("p", { class: "muted" }, `${item.finalTaskCount} of ${item.taskCount} tasks final`),
      drawn ? drawing(item, [{ shapes, colour: "#4fc3f7", name: "final" }]) : null,
      h("p", {}, link(item.contentUri, "open in viewer")));
  }));
}

async function queueView() {
  const [open, claimed] = await Promise.all([
    api("GET", "/v1/disagreements?status=open&limit=100"),
    api("GET", "/v1/disagreements?status=claimed&limit=100"),
  ]);
  const all = [...rows(claimed), ...rows(open)];
  const me = claims().sub;
  show(h("h1", {}, "Disagreements"),
    h("p", { class: "muted" }, "Tasks the crowd could not settle within their batch's redundancy. Claim one to see its annotations side by side."),
    all.length === 0 ? h("p", { class: "empty", id: "queue-empty" }, "The queue is empty.") : h("table", { id: "queue" },
      h("thead", {}, h("tr", {}, h("th", {}, "Task"), h("th", {}, "Batch"), h("th", { class: "number" }, "Annotations"),
        h("th", {}, "Since"), h("th", {}, "Status"), h("th", {}))),
      h("tbody", {}, all.map((d) => h("tr", { "data-disagreement-id": d.disagreementId },
        h("td", {}, h("code", {}, d.taskId)),
        h("td", {}, h("code", {}, d.batchId)),
        h("td", { class: "number" }, d.annotations.length),
        h("td", {}, when(d.createdAt)),
        h("td", {}, d.status === "claimed" ? `claimed by ${d.claimedBy === me ? "you" : d.claimedBy}` : "open"),
        h("td", {}, d.status === "open" || d.claimedBy === me
          ? h("button", { class: "claim", onclick: () => { location.hash = `#/qa/${d.disagreementId}`; } }, d.status === "open" ? "Claim" : "Continue")
          : null))))));
  refreshIn(queueView);
}

/** Claims the disagreement (again: the holder's claim renews the lease) and lays out its annotations side by side. */
async function reviewView(disagreementId) {
  const d = await api("POST", `/v1/disagreements/${disagreementId}/claim`);
  const note = h("input", { id: "note", placeholder: "Note for the record (optional)", maxlength: "4000" });
  const annotators = d.annotations.map((a, i) => ({ ...a, colour: PALETTE[i % PALETTE.length], name: `Annotator ${i + 1}` }));
  const spatial = annotators.some((a) => isSpatial(a.payload));
  const size = d.content?.tile ? { width: d.content.tile.w, height: d.content.tile.h } : null;
  const resolve = async (body, done) => {
    await api("POST", `/v1/disagreements/${disagreementId}/resolution`, { ...body, note: note.value || null });
    show(h("section", { id: "resolved", class: "card" }, h("h1", {}, "Resolved"), h("p", {}, done), h("p", {}, h("a", { href: "#/qa" }, "Back to the queue"))));
  };
  show(
    h("p", {}, h("a", { href: "#/qa" }, "← Disagreements")),
    h("h1", {}, "Disagreement on task ", h("code", {}, d.taskId)),
    h("div", { class: "facts" },
      fact("Content", d.content ? link(d.content.contentUri) : "–"),
      fact("Slices", d.content?.slice ? `${d.content.slice.from}–${d.content.slice.to - 1}` : "–"),
      fact("Crowd's candidate", describe(d.candidate)),
      fact("Your claim holds until", h("span", { id: "lease" }, when(d.leaseExpiresAt)))),
    spatial ? h("section", {},
      h("h2", {}, "All annotations over the frame"),
      h("div", { class: "card", id: "overlay" },
        drawing(size, annotators.map((a) => ({ shapes: shapesOf(a.payload), colour: a.colour, name: a.name }))),
        h("p", { class: "legend" }, annotators.map((a) => h("span", { class: "legend-entry" },
          h("span", { "data-colour": a.colour }), `${a.name} (${a.workerId})   `))))) : null,
    h("h2", {}, "Side by side"),
    h("div", { class: "cards", id: "annotations" }, annotators.map((a) => h("article", { class: "card annotation", "data-worker-id": a.workerId },
      h("h3", {}, h("span", { "data-colour": a.colour }), a.name),
      h("p", { class: "muted" }, a.workerId, " · reliability ", h("b", { class: "reliability" }, share(a.workerReliability))),
      isSpatial(a.payload) ? drawing(size, [{ shapes: shapesOf(a.payload), colour: a.colour, name: a.name }]) : h("p", { class: "label" }, describe(a.payload)),
      isSpatial(a.payload) ? h("p", {}, describe(a.payload)) : null,
      h("button", { class: "choose", onclick: () => resolve({ label: a.payload }, `The task's final label is ${a.name}'s (${a.workerId}).`).catch(failed) },
        "Choose this annotation")))),
    h("h2", {}, "Or"),
    h("div", { class: "card" }, note, h("p", {},
      h("button", { class: "danger", id: "exclude", onclick: () => resolve({ exclude: true }, "The task is excluded from the batch's results.").catch(failed) },
        "Exclude the task from the results"))));
}

/** Colours and bar widths are set from script, not in style attributes, which the content security policy forbids. */
function paint() {
  for (const element of view.querySelectorAll("[data-colour]")) {
    element.style.display = "inline-block";
    element.style.width = ".8rem";
    element.style.height = ".8rem";
    element.style.marginRight = ".3rem";
    element.style.background = element.dataset.colour;
  }
  for (const element of view.querySelectorAll("[data-width]")) {
    element.style.width = `${element.dataset.width * 100}%`;
    if (element.dataset.offset) element.style.left = `${element.dataset.offset * 100}%`;
  }
}

async function operationsView() {
  const [ledger, audit, metrics] = await Promise.all([
    api("GET", "/v1/ledger/check"),
    api("GET", "/v1/audit/verify"),
    api("GET", "/v1/metrics"),
  ]);
  const verdict = (good, yes, no) => h("b", { class: good ? "ok" : "bad" }, good ? yes : no);
  show(h("h1", {}, "Operations"),
    h("div", { class: "cards" },
      h("section", { class: "card", id: "ledger" }, h("h2", {}, "Ledger"),
        h("p", {}, verdict(ledger.balanced, "balanced", "NOT balanced"), ` · sum ${ledger.sumCents} cents`),
        h("p", {}, `negative accounts: ${ledger.negativeAccounts.length} · paid but pending: ${ledger.paidButPending}`)),
      h("section", { class: "card", id: "audit" }, h("h2", {}, "Audit chain"),
        h("p", {}, verdict(audit.valid, "valid", "BROKEN"), ` · ${audit.events} events`),
        audit.checkpoint ? h("p", {}, "latest signed checkpoint: ", verdict(audit.checkpoint.holds, "holds", "does not hold"),
          ` (${audit.checkpoint.events} events, ${when(audit.checkpoint.at)})`) : h("p", { class: "muted" }, "no checkpoint configured"),
        audit.firstBrokenLink ? h("p", { class: "bad" }, `first broken link: ${JSON.stringify(audit.firstBrokenLink)}`) : null)),
    h("h2", {}, "Services"),
    h("table", { id: "metrics" },
      h("thead", {}, h("tr", {}, h("th", {}, "Service"), h("th", {}, "Instance"), h("th", {}, "Up"),
        h("th", { class: "number" }, "Outbox pending"), h("th", { class: "number" }, "Parked"), h("th", {}, "Platform counters"))),
      h("tbody", {}, metrics.services.map((instance) => h("tr", { "data-service": instance.service },
        h("td", {}, instance.service),
        h("td", {}, h("code", {}, instance.address)),
        h("td", {}, verdict(instance.up, "up", "down")),
        h("td", { class: "number" }, total(instance.metrics, "crowd_outbox_pending")),
        h("td", { class: "number" }, total(instance.metrics, "crowd_outbox_parked_rows")),
        h("td", {}, h("small", {}, counters(instance.metrics))))))));
  refreshIn(operationsView, 5000);
}

const total = (samples, name) => samples.filter((m) => m.name === name).reduce((sum, m) => sum + m.value, 0);

/** The counters of one instance, one line per series, labels shown as Prometheus writes them. */
function counters(samples) {
  return samples.filter((m) => m.name.endsWith("_total")).map((m) => {
    const labels = Object.entries(m.labels).filter(([k]) => !k.startsWith("otel_")).map(([k, v]) => `${k}="${v}"`).join(",");
    return h("div", {}, `${m.name}${labels ? `{${labels}}` : ""} `, h("b", {}, m.value));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Navigation

function refreshIn(render, ms = REFRESH_MS) {
  clearTimeout(refreshTimer);
  const hash = location.hash;
  // A failed refresh (a 503 while a database restarts) shows its problem and tries again: the page keeps watching,
  // unless the user has gone elsewhere meanwhile (that view keeps its own watch).
  refreshTimer = setTimeout(() => {
    if (location.hash === hash) {
      render().catch((error) => {
        if (error instanceof Superseded) return;
        failed(error);
        refreshIn(render, ms);
      });
    }
  }, ms);
}

function failed(error) {
  if (error instanceof Superseded || (error instanceof ApiError && error.status === 401)) return;
  banner(error instanceof ApiError ? `${error.status}: ${error.message}` : `The console failed: ${error.message}`);
}

function navigation() {
  const who = claims();
  const nav = document.getElementById("nav");
  const whoElement = document.getElementById("who");
  if (who === null) {
    nav.replaceChildren();
    whoElement.replaceChildren();
    return;
  }
  const links = [
    has("requester", "admin") && ["#/batches", "Batches"],
    has("qa", "admin") && ["#/qa", "Disagreements"],
    has("admin") && ["#/ops", "Operations"],
  ].filter(Boolean);
  nav.replaceChildren(...links.map(([href, text]) => h("a", { href, class: location.hash.startsWith(href) ? "current" : null }, text)));
  whoElement.replaceChildren(`${who.sub} (${who.roles.join(", ")})`, h("button", { class: "secondary", id: "sign-out", onclick: () => signOut(null) }, "Sign out"));
}

async function route() {
  navigations++;
  clearTimeout(refreshTimer);
  navigation();
  if (token() === null || claims() === null) return signInView();
  const [, section, rawId] = location.hash.split("/");
  // Ids go into API paths: only a UUID is one, so a crafted link cannot point a view's calls at another endpoint.
  const id = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(rawId ?? "") ? rawId : null;
  if (rawId && id === null) {
    show();
    return banner(`"${rawId}" is not an id.`);
  }
  try {
    if (section === "batches" && id && has("requester", "admin")) return await batchView(id);
    if (section === "batches" && has("requester", "admin")) return await batchesView();
    if (section === "qa" && id && has("qa", "admin")) return await reviewView(id);
    if (section === "qa" && has("qa", "admin")) return await queueView();
    if (section === "ops" && has("admin")) return await operationsView();
    if (has("requester")) location.hash = "#/batches";
    else if (has("qa")) location.hash = "#/qa";
    else if (has("admin")) location.hash = "#/ops";
    else nothingForYou();
  } catch (error) {
    failed(error);
  }
}

// A message for the next view, shown once it is drawn (a navigation clears the last view's message).
let notice = null;

/** Shows the view at `hash` with `message` above it: at once when already there, else when the hash change arrives. */
function go(hash, message) {
  notice = message;
  if (location.hash === hash) navigate();
  else location.hash = hash;
}

function navigate() {
  banner(notice);
  notice = null;
  route();
}

window.addEventListener("hashchange", navigate);
route();
