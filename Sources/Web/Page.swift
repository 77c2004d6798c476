/// The page of `nicbed web`: one HTML file with its script, no outside assets (it must work
/// where nothing can be fetched). It draws each topology as an SVG graph (nodes by kind, each
/// link end with its state, impairments and rates), a table of link ends with their controls,
/// and each host's TCP connections, from the samples the websocket `/live` sends each second.
/// Elements carry `data-` attributes naming what they show, for scripts and the browser test.
enum Page {
    static func html(token: String) -> String {
        template.replacingOccurrences(of: "__TOKEN__", with: token)
    }

    private static let template = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>nicbed</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1em 2em; color: #222; }
h2 { margin: 1.2em 0 0.3em; }
svg { border: 1px solid #ddd; background: #fbfbfb; }
.node circle, .node rect { stroke: #333; stroke-width: 1.5; }
.node.host circle { fill: #cfe3ff; } .node.router rect { fill: #ffe2b8; } .node.switch rect { fill: #d9f2d0; }
.node.linux circle, .node.external circle { fill: #eee; }
.node.down circle, .node.down rect { fill: #f4c7c7; }
.node text { font-size: 13px; text-anchor: middle; }
.link { stroke: #4a7; stroke-width: 3; } .link.down { stroke: #c33; stroke-dasharray: 6 4; } .link.impaired { stroke: #d90; }
.label { font-size: 11px; fill: #444; text-anchor: middle; }
table { border-collapse: collapse; margin: 0.4em 0; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f0f0f0; } td.left, th.left { text-align: left; }
input { width: 5em; } #status { color: #666; } .problem { color: #b00; }
</style>
</head>
<body>
<h1>nicbed <span id="status">connecting…</span></h1>
<div id="problems"></div>
<div id="topologies"></div>
<script>
"use strict";
const token = "__TOKEN__";
const views = {};

function fmtRate(bits) {
  if (bits >= 1e9) return (bits / 1e9).toFixed(2) + " Gbit/s";
  if (bits >= 1e6) return (bits / 1e6).toFixed(2) + " Mbit/s";
  if (bits >= 1e3) return (bits / 1e3).toFixed(1) + " kbit/s";
  return bits.toFixed(0) + " bit/s";
}
function fmtBytes(bytes) {
  if (bytes >= 1e9) return (bytes / 1e9).toFixed(2) + " GB/s";
  if (bytes >= 1e6) return (bytes / 1e6).toFixed(2) + " MB/s";
  if (bytes >= 1e3) return (bytes / 1e3).toFixed(1) + " kB/s";
  return bytes.toFixed(0) + " B/s";
}
function el(tag, attrs, text) {
  const ns = ["svg", "g", "circle", "rect", "line", "text"].includes(tag) ? "http://www.w3.org/2000/svg" : null;
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// Nodes in columns by hops from the first node: a line reads left to right, a tree by level.
function layout(topology) {
  const neighbours = {};
  for (const n of topology.nodes) neighbours[n.name] = [];
  for (const l of topology.links) {
    const [a, b] = l.ends.map(e => e.end.split(":")[0]);
    if (neighbours[a] && neighbours[b]) { neighbours[a].push(b); neighbours[b].push(a); }
  }
  const depth = {};
  for (const start of topology.nodes.map(n => n.name)) {
    if (depth[start] !== undefined) continue;
    depth[start] = 0;
    const queue = [start];
    while (queue.length) {
      const n = queue.shift();
      for (const m of neighbours[n]) if (depth[m] === undefined) { depth[m] = depth[n] + 1; queue.push(m); }
    }
  }
  const columns = {};
  for (const n of topology.nodes) (columns[depth[n.name]] = columns[depth[n.name]] || []).push(n.name);
  const width = Math.max(1, Object.keys(columns).length), height = Math.max(...Object.values(columns).map(c => c.length));
  const place = {};
  for (const [d, names] of Object.entries(columns)) {
    names.forEach((name, i) => { place[name] = { x: 90 + d * 260, y: 70 + (i + (height - names.length) / 2) * 130 }; });
  }
  return { place, w: 180 + (width - 1) * 260, h: 60 + height * 130 };
}

function drawGraph(topology) {
  const { place, w, h } = layout(topology);
  const svg = el("svg", { width: w, height: h, "data-topology": topology.name });
  for (const link of topology.links) {
    const [a, b] = link.ends;
    const pa = place[a.end.split(":")[0]], pb = place[b.end.split(":")[0]];
    if (!pa || !pb) continue;
    const down = link.ends.some(e => e.up === false), impaired = link.ends.some(e => e.impairments);
    svg.appendChild(el("line", { class: "link" + (down ? " down" : impaired ? " impaired" : ""), x1: pa.x, y1: pa.y, x2: pb.x, y2: pb.y,
      "data-link": topology.name + "/" + link.id, "data-ends": a.end + " " + b.end }));
    link.ends.forEach((end, i) => {
      // Both ends' labels at the middle of the link, a's above it and b's below, named in full.
      const x = (pa.x + pb.x) / 2, y = (pa.y + pb.y) / 2 + (i == 0 ? -10 : 20);
      const r = end.rates;
      const text = end.end + (end.up === false ? " DOWN" : "") + (r ? " ↑" + fmtRate(r.txBitsPerSecond) : "") + (end.impairments ? " [" + end.impairments + "]" : "");
      svg.appendChild(el("text", { class: "label", x, y, "data-end-label": end.end }, text));
    });
  }
  for (const node of topology.nodes) {
    const p = place[node.name];
    const g = el("g", { class: "node " + node.kind + (node.state === "running" ? "" : " down"), "data-node": node.name, "data-kind": node.kind });
    if (node.kind === "router" || node.kind === "switch") g.appendChild(el("rect", { x: p.x - 30, y: p.y - 22, width: 60, height: 44, rx: 6 }));
    else g.appendChild(el("circle", { cx: p.x, cy: p.y, r: 26 }));
    g.appendChild(el("text", { x: p.x, y: p.y + 5 }, node.name));
    g.appendChild(el("title", {}, node.kind + " " + node.state + "\n" + node.addresses.join("\n")));
    svg.appendChild(g);
  }
  return svg;
}

function endsTable(topology) {
  const table = el("table", { "data-ends-of": topology.name });
  const head = el("tr");
  for (const t of ["link end", "state", "tx", "rx", "tx frames/s", "rx frames/s", "drops/s", "CPU-copied", "bus", "impairments", "control"])
    head.appendChild(el("th", { class: t === "link end" || t === "impairments" || t === "control" ? "left" : "" }, t));
  table.appendChild(head);
  for (const link of topology.links) for (const end of link.ends) {
    const r = end.rates, row = el("tr", { "data-end": end.end });
    const drops = r ? Object.entries(r.dropsPerSecond).filter(([, v]) => v > 0).map(([k, v]) => k + " " + v.toFixed(0)).join(", ") : "";
    const cells = [end.end, end.up === undefined || end.up === null ? "(far end)" : end.up ? "up" : "down",
      r ? fmtRate(r.txBitsPerSecond) : "-", r ? fmtRate(r.rxBitsPerSecond) : "-",
      r ? r.txFramesPerSecond.toFixed(0) : "-", r ? r.rxFramesPerSecond.toFixed(0) : "-", drops || (r ? "0" : "-"),
      r ? fmtBytes(r.cpuCopiedBytesPerSecond) : "-", r ? fmtBytes(r.busBytesPerSecond) : "-", end.impairments || "none"];
    const names = ["end", "state", "tx-rate", "rx-rate", "tx-fps", "rx-fps", "drops", "cpu-copied", "bus", "impairments"];
    cells.forEach((c, i) => row.appendChild(el("td", { class: i == 0 || i == 9 ? "left" : "", "data-field": names[i] }, c)));
    const control = el("td", { class: "left" });
    const run = topology.name;
    const button = (label, action) => {
      const b = el("button", { "data-action": action, "data-end": end.end }, label);
      b.onclick = () => act(run, end.end, action, {});
      return b;
    };
    control.appendChild(button("down", "down"));
    control.appendChild(button("up", "up"));
    const loss = el("input", { placeholder: "loss %", "data-input": "loss" });
    const delay = el("input", { placeholder: "delay ms", "data-input": "delay" });
    const set = el("button", { "data-action": "set", "data-end": end.end }, "set");
    set.onclick = () => {
      const settings = {};
      if (loss.value !== "") settings.loss = loss.value + (loss.value.endsWith("%") ? "" : "%");
      if (delay.value !== "") settings.delay = delay.value + (/[a-z]$/.test(delay.value) ? "" : "ms");
      act(run, end.end, "set", settings);
    };
    control.append(loss, delay, set);
    row.appendChild(control);
    table.appendChild(row);
  }
  return table;
}

function connectionsTable(topology) {
  const div = el("div");
  for (const node of topology.nodes) {
    if (!node.connections) continue;
    div.appendChild(el("h3", {}, node.name + ": " + node.connections.length + " TCP connection" + (node.connections.length == 1 ? "" : "s")));
    if (!node.connections.length) continue;
    const table = el("table", { "data-connections-of": node.name });
    const head = el("tr");
    for (const t of ["state", "local", "remote", "cwnd", "ssthresh", "srtt", "rto", "in flight", "retransmitted", "RTOs", "fast rexmits"]) head.appendChild(el("th", {}, t));
    table.appendChild(head);
    for (const c of node.connections) {
      const row = el("tr");
      for (const v of [c.state, c.local, c.remote, c.cwnd, c.ssthresh ?? "∞", c.srttMicroseconds != null ? (c.srttMicroseconds / 1000).toFixed(2) + " ms" : "-",
        (c.rtoMicroseconds / 1000).toFixed(0) + " ms", c.bytesInFlight, c.bytesRetransmitted, c.retransmissionTimeouts, c.fastRetransmits])
        row.appendChild(el("td", {}, String(v)));
      table.appendChild(row);
    }
    div.appendChild(table);
  }
  return div;
}

// Rebuilt on every sample; the inputs a user is typing into are kept.
function render(view) {
  const root = document.getElementById("topologies");
  const typed = {};
  for (const i of root.querySelectorAll("input")) if (i.value) typed[i.closest("tr").dataset.end + "/" + i.dataset.input] = i.value;
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.closest && document.activeElement.closest("tr") : null;
  const focusKey = focused && document.activeElement.dataset.input ? focused.dataset.end + "/" + document.activeElement.dataset.input : null;
  root.textContent = "";
  if (!view.topologies.length) root.appendChild(el("p", {}, "No topology is running. Start one: nicbed up topologies/line3.yaml"));
  for (const topology of view.topologies) {
    const section = el("section", { "data-topology": topology.name });
    section.appendChild(el("h2", {}, topology.name + " (" + topology.file + ")"));
    section.appendChild(drawGraph(topology));
    section.appendChild(endsTable(topology));
    section.appendChild(connectionsTable(topology));
    root.appendChild(section);
  }
  for (const i of root.querySelectorAll("input")) {
    const key = i.closest("tr").dataset.end + "/" + i.dataset.input;
    if (typed[key]) i.value = typed[key];
    if (key === focusKey) i.focus();
  }
  const problems = document.getElementById("problems");
  problems.textContent = "";
  for (const p of view.problems) problems.appendChild(el("div", { class: "problem" }, p));
  document.getElementById("status").textContent = "live, " + new Date(view.time * 1000).toLocaleTimeString() +
    " (nodes read in " + (view.sampleSeconds * 1000).toFixed(0) + " ms)";
  document.body.dataset.samples = String(Number(document.body.dataset.samples || 0) + 1);
}

async function act(run, end, action, settings) {
  const reply = await fetch("/api/link", { method: "POST", headers: { "Content-Type": "application/json", "X-Nicbed-Token": token },
    body: JSON.stringify({ run, end, action, settings }) });
  const text = await reply.text();
  let answer = {};
  try { answer = JSON.parse(text); } catch (e) { answer = { status: reply.status, errors: [text] }; }
  const line = end + " " + action + ": " + [...(answer.output || []), ...(answer.errors || [])].join("; ");
  document.getElementById("problems").appendChild(el("div", { class: answer.status === 0 ? "" : "problem", "data-last-action": end }, line));
}

function connect() {
  const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/live?token=" + encodeURIComponent(token));
  socket.onmessage = m => render(JSON.parse(m.data));
  socket.onclose = () => { document.getElementById("status").textContent = "disconnected; retrying"; setTimeout(connect, 1000); };
}
connect();
</script>
</body>
</html>
"""#
}
