// nslab web: the page. Plain JavaScript, no build step, no network but
// this server. The picture is the server's SVG (nslab graph's rules);
// the page only colours it: ids node:NAME, a_if:NODE:IF, link:A:IF--B:IF.
// State: /api/topo (nslab inspect --json without rules and processes;
// a node's come from /api/node/NAME when it is selected) and the event
// stream /api/events (docs/web.md).
"use strict";

const token = new URLSearchParams(location.search).get("token") || "";
const $ = (id) => document.getElementById(id);
const st = { lab: null, up: {}, rates: {}, adj: [], sel: null, ended: false };

function api(path, body) {
  const opt = { headers: { "X-Nslab-Token": token } };
  if (body !== undefined) {
    opt.method = "POST";
    opt.headers["Content-Type"] = "application/json";
    opt.body = JSON.stringify(body);
  }
  return fetch(path, opt);
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
}

function fmtRate(bps, pps) {
  const u = [[1e9, "Gbit/s"], [1e6, "Mbit/s"], [1e3, "kbit/s"]];
  let b = bps + " bit/s";
  for (const [k, n] of u) if (bps >= k) { b = (bps / k).toFixed(1) + " " + n; break; }
  return pps + " pps, " + b;
}

function key(node, ifname) { return node + "\u0000" + ifname; }
function linkId(l) { return `link:${l.a.node}:${l.a.interface}--${l.b.node}:${l.b.interface}`; }
function linkUp(l) { return st.up[key(l.a.node, l.a.interface)] !== false && st.up[key(l.b.node, l.b.interface)] !== false; }

function setConn(cls, text) { const c = $("conn"); c.className = "conn " + cls; c.textContent = text; }

async function loadLab() {
  const r = await api("/api/topo");
  if (!r.ok) throw new Error("GET /api/topo: " + r.status);
  st.lab = await r.json();
  st.adj = st.lab.adjacencies || [];
  st.up = {};
  for (const n of st.lab.nodes)
    // administrative state, as the link events report it (a peer without
    // carrier follows from its link being drawn down)
    for (const i of n.interfaces) st.up[key(n.name, i.name)] = i.up;
  $("title").textContent = "lab " + st.lab.lab;
  document.title = "nslab web: " + st.lab.lab;
  $("counts").textContent = `${st.lab.nodes.length} nodes, ${st.lab.links.length} links`;
}

async function loadPicture() {
  for (let tries = 0; tries < 200; tries++) {
    const r = await api("/api/topo.svg");
    if (r.status === 503) { await new Promise((ok) => setTimeout(ok, 300)); continue; }
    if (!r.ok) {
      const e = await r.json().catch(() => ({}));
      $("topo").innerHTML = `<p class="muted">${esc(e.error || ("no picture: " + r.status))}</p>`;
      return;
    }
    $("topo").innerHTML = await r.text();
    const svg = $("topo").querySelector("svg");
    svg.dataset.w = svg.getAttribute("width");
    svg.dataset.h = svg.getAttribute("height");
    if (!st.zoomed) {
      // first picture: fit the width (pt are 4/3 px), between 20 % and 200 %
      const fit = Math.min($("topo").clientWidth / (parseFloat(svg.dataset.w) * 4 / 3),
                           $("topo").clientHeight / (parseFloat(svg.dataset.h) * 4 / 3));
      $("zoom").value = Math.round(Math.max(20, Math.min(150, fit * 100 * 0.95)));
      st.zoomed = true;
    }
    zoom();
    wire(svg);
    return;
  }
}

async function reload() {
  await loadLab();
  await loadPicture();
  paint();
  if (st.sel) show(st.sel);
}

function zoom() {
  const svg = $("topo").querySelector("svg");
  if (!svg) return;
  const z = $("zoom").value / 100;
  svg.setAttribute("width", parseFloat(svg.dataset.w) * z + "pt");
  svg.setAttribute("height", parseFloat(svg.dataset.h) * z + "pt");
}

function wire(svg) {
  svg.addEventListener("click", (ev) => {
    const g = ev.target.closest("g.node, g.edge");
    ev.preventDefault();
    if (!g) return;
    if (g.classList.contains("node")) select({ node: g.id.slice(5) });
    else select({ link: g.id });
  });
}

// Colour the picture from the state: links down, interfaces down, rates.
function paint() {
  if (!st.lab) return;
  for (const l of st.lab.links) {
    if (l.b.node === null) continue;
    const g = document.getElementById(linkId(l));
    if (!g) continue;
    g.classList.toggle("down", !linkUp(l));
    const r = st.rates[g.id];
    const busy = r && (r.ab_pps + r.ba_pps) > 0;
    g.classList.toggle("busy", !!busy);
    const path = g.querySelector("path");
    if (path) path.setAttribute("stroke-width", busy ? Math.min(8, 1.6 + Math.log10(1 + r.ab_bps + r.ba_bps) / 1.5) : 1.6);
    // rate labels live in a group drawn last, above the nodes
    let t = document.getElementById("rate:" + g.id);
    if (busy && path) {
      if (!t) {
        t = document.createElementNS("http://www.w3.org/2000/svg", "text");
        t.setAttribute("class", "rate");
        t.id = "rate:" + g.id;
        t.setAttribute("text-anchor", "middle");
        const p = path.getPointAtLength(path.getTotalLength() / 2);
        t.setAttribute("x", p.x); t.setAttribute("y", p.y - 3);
        g.parentNode.appendChild(t);
      }
      t.textContent = fmtRate(r.ab_bps + r.ba_bps, r.ab_pps + r.ba_pps);
    } else if (t) t.remove();
  }
  for (const n of st.lab.nodes)
    for (const i of n.interfaces) {
      const g = document.getElementById(`a_if:${n.name}:${i.name}`);
      if (g) g.classList.toggle("ifdown", st.up[key(n.name, i.name)] === false);
    }
  paintAdjacencies();
  for (const g of document.querySelectorAll("#topo .selected")) g.classList.remove("selected");
  if (st.sel) {
    const g = document.getElementById(st.sel.node ? "node:" + st.sel.node : st.sel.link);
    if (g) g.classList.add("selected");
  }
}

// The link an adjacency runs over: OSPF names its interface; a BGP session
// is drawn on a link between the two nodes when there is one.
function adjLink(a) {
  for (const l of st.lab.links) {
    if (l.b.node === null) continue;
    for (const [e, f] of [[l.a, l.b], [l.b, l.a]])
      if (e.node === a.node && (a.iface ? e.interface === a.iface : f.node === a.peer_node)) return { l, atA: e === l.a };
  }
  return null;
}

// A dot per adjacency on its link, near the node that reports it: green
// when it carries routes (OSPF Full, BGP Established), amber while not.
function paintAdjacencies() {
  for (const c of document.querySelectorAll("#topo .adj")) c.remove();
  for (const a of st.adj) {
    const m = adjLink(a);
    const g = m && document.getElementById(linkId(m.l));
    const path = g && g.querySelector("path");
    if (!path) continue;
    const len = path.getTotalLength();
    const p = path.getPointAtLength(m.atA ? len * 0.2 : len * 0.8);
    const c = document.createElementNS("http://www.w3.org/2000/svg", "circle");
    c.setAttribute("class", "adj " + (a.up ? "adj-up" : "adj-wait"));
    c.setAttribute("cx", p.x); c.setAttribute("cy", p.y); c.setAttribute("r", 5);
    c.id = `adj:${a.node}:${a.proto}:${a.peer}`;
    const t = document.createElementNS("http://www.w3.org/2000/svg", "title");
    t.textContent = `${a.node} ${a.proto.toUpperCase()} ${a.peer}${a.peer_node ? " (" + a.peer_node + ")" : ""}: ${a.state}`;
    c.appendChild(t);
    g.parentNode.appendChild(c);
  }
}

function select(sel) { st.sel = sel; st.msg = null; paint(); show(sel); }

function table(rows, head) {
  return `<table>${head ? "<tr>" + head.map((h) => `<th>${esc(h)}</th>`).join("") + "</tr>" : ""}` +
    rows.map((r) => "<tr>" + r.map((c) => `<td>${c}</td>`).join("") + "</tr>").join("") + "</table>";
}

function stateCell(up) { return up ? '<span class="state-up">up</span>' : '<span class="state-down">down</span>'; }

function show(sel) {
  const p = $("panel");
  if (sel.node) {
    const n = st.lab.nodes.find((x) => x.name === sel.node);
    if (!n) { p.innerHTML = `<p class="muted">${esc(sel.node)} is gone.</p>`; return; }
    const ifs = n.interfaces.filter((i) => i.name !== "lo").map((i) => [esc(i.name), stateCell(st.up[key(n.name, i.name)]),
      i.addresses.map(esc).join("<br>"), i.peer ? esc(i.peer.node + ":" + i.peer.interface) : (i.master ? "in " + esc(i.master) : "")]);
    const adjs = st.adj.filter((a) => a.node === n.name).map((a) => [a.proto.toUpperCase(),
      esc(a.peer + (a.peer_node ? " (" + a.peer_node + ")" : "")), esc(a.iface || ""),
      `<span class="${a.up ? "state-up" : "state-wait"}">${esc(a.state)}</span>`]);
    const rts = n.routes.filter((r) => !r.dst.startsWith("fe80:") && r.proto !== "kernel")
      .map((r) => [esc(r.dst), esc(r.via || ""), esc(r.dev || ""), esc(r.proto || "")]);
    p.innerHTML = `<h2>${esc(n.name)} <span class="muted">${esc(n.kind)}${n.netns ? ", netns " + esc(n.netns) : ""}${n.machine ? ", on machine " + esc(n.machine) : ""}</span></h2>
      <h3>Interfaces</h3>${table(ifs, ["name", "state", "addresses", "peer"])}
      <h3>Routes</h3>${rts.length ? table(rts, ["to", "via", "dev", "proto"]) : '<p class="muted">none</p>'}
      <h3>Forwarding</h3><p>IPv4 ${n.forwarding.ipv4 ? "on" : "off"}, IPv6 ${n.forwarding.ipv6 ? "on" : "off"}</p>
      ${adjs.length ? "<h3>Routing adjacencies</h3>" + table(adjs, ["protocol", "peer", "interface", "state"]) : ""}
      <div id="details" class="muted">reading rules and processes…</div>`;
    showDetails(n.name);
    return;
  }
  const l = st.lab.links.find((x) => x.b.node !== null && linkId(x) === sel.link);
  if (!l) { p.innerHTML = '<p class="muted">This link is gone.</p>'; return; }
  const r = st.rates[sel.link];
  const end = (e) => `${esc(e.node)}:${esc(e.interface)}`;
  p.innerHTML = `<h2>${end(l.a)} — ${end(l.b)}</h2>${l.vni !== undefined ? `<p>between machines: VXLAN ${l.vni}</p>` : ""}
    <p>state: ${stateCell(linkUp(l))} &nbsp;
      <button id="act-down">set down</button><button id="act-up">set up</button></p>
    <h3>Traffic</h3><p>${r ? `${end(l.a)} → ${end(l.b)}: ${fmtRate(r.ab_bps, r.ab_pps)}<br>${end(l.b)} → ${end(l.a)}: ${fmtRate(r.ba_bps, r.ba_pps)}` : '<span class="muted">measured once a second</span>'}</p>
    <h3>Shaping</h3><div id="shaping" class="muted">reading…</div>
    <p><select id="sh-end"><option value="a">${end(l.a)}</option><option value="b">${end(l.b)}</option></select></p>
    <p>rate <input id="sh-rate" placeholder="10mbit"> delay <input id="sh-delay" placeholder="20ms"><br>
       loss <input id="sh-loss" placeholder="1%"> jitter <input id="sh-jitter" placeholder="5ms"></p>
    <p><button id="act-shape">shape</button><button id="act-unshape">unshape</button></p>
    <h3>Capture</h3>
    <p>filter <input id="cap-filter" placeholder="icmp"> <button id="act-capture">start on ${end(l.a)}</button></p>
    <div id="caps"></div>
    <div id="msg" class="msg"></div>`;
  // the panel is drawn again on every event: the last answer is kept
  const say = (t, bad) => {
    st.msg = { t, bad };
    const m = $("msg");
    if (m) { m.textContent = t; m.className = "msg" + (bad ? " err" : ""); }
  };
  if (st.msg) say(st.msg.t, st.msg.bad);
  const act = async (verb, body) => {
    const res = await api("/api/" + verb, body);
    const j = await res.json().catch(() => ({}));
    if (!res.ok) { say(j.error || ("failed: " + res.status), true); return null; }
    say(verb + ": done");
    return j;
  };
  const sideOf = () => ($("sh-end").value === "a" ? l.a : l.b);
  $("act-down").onclick = () => act("link", { node: l.a.node, ifname: l.a.interface, state: "down" });
  $("act-up").onclick = () => act("link", { node: l.a.node, ifname: l.a.interface, state: "up" });
  $("act-shape").onclick = async () => {
    const e = sideOf();
    const b = { node: e.node, ifname: e.interface };
    for (const k of ["rate", "delay", "loss", "jitter"]) { const v = $("sh-" + k).value.trim(); if (v) b[k] = v; }
    if (await act("shape", b)) readShaping(l);
  };
  $("act-unshape").onclick = async () => {
    const e = sideOf();
    if (await act("shape", { node: e.node, ifname: e.interface })) readShaping(l);
  };
  $("act-capture").onclick = async () => {
    const f = $("cap-filter").value.trim();
    const j = await act("capture", { node: l.a.node, ifname: l.a.interface, filter: f || undefined });
    if (j) listCaptures();
  };
  readShaping(l);
  listCaptures();
}

// A node's nftables rules and processes: read by the server on request
// (reading them for every node would make the first page slow).
// The panel is drawn again on every event: an answer younger than 2 s is
// shown again rather than asked for again.
async function showDetails(name) {
  const c = st.details;
  if (c && c.name === name && Date.now() - c.at < 2000) { putDetails(name, c.r, c.n); return; }
  const r = await api("/api/node/" + encodeURIComponent(name));
  const n = await r.json().catch(() => ({}));
  st.details = { name, r: { ok: r.ok, status: r.status }, n, at: Date.now() };
  putDetails(name, r, n);
}

function putDetails(name, r, n) {
  const d = $("details");
  if (!d || !st.sel || st.sel.node !== name) return;
  if (!r.ok) { d.textContent = n.error || ("failed: " + r.status); return; }
  const rules = [];
  for (const t of n.nat) for (const c of t.chains) for (const x of c.rules) rules.push(`${t.family} ${t.name} ${c.name}: ${x}`);
  d.className = "";
  d.innerHTML = `<h3>nftables</h3>${rules.length ? "<pre>" + esc(rules.join("\n")) + "</pre>" : '<p class="muted">no rules</p>'}
    <h3>Processes</h3>${n.processes.length ? table(n.processes.map((x) => [x.pid, esc(x.command)]), ["pid", "command"]) : '<p class="muted">none</p>'}`;
}

async function readShaping(l) {
  const parts = [];
  for (const e of [l.a, l.b]) {
    const r = await api(`/api/shaping/${encodeURIComponent(e.node)}/${encodeURIComponent(e.interface)}`);
    const j = await r.json().catch(() => ({}));
    parts.push(`${esc(e.node)}:${esc(e.interface)}: ${r.ok ? esc(j.shaping || "not shaped") : esc(j.error || r.status)}`);
  }
  const s = $("shaping");
  if (s) { s.innerHTML = parts.join("<br>"); s.className = ""; }
}

async function listCaptures() {
  const r = await api("/api/captures");
  const caps = r.ok ? await r.json() : [];
  const d = $("caps");
  if (!d) return;
  d.innerHTML = caps.length ? table(caps.map((c) => [c.id, esc(c.node + ":" + c.ifname), c.packets,
    c.running ? `<button data-stop="${c.id}">stop</button>` : "ended",
    `<a href="${c.download}?token=${encodeURIComponent(token)}" download="capture-${c.id}.pcap">pcap</a>`]),
    ["#", "on", "packets", "", ""]) : "";
  for (const b of d.querySelectorAll("button[data-stop]"))
    b.onclick = async () => { await api("/api/capture/stop", { id: Number(b.dataset.stop) }); listCaptures(); };
}

function onLinkEvent(ev) {
  const d = JSON.parse(ev.data);
  if (d.action === "up" || d.action === "down") {
    st.up[key(d.node, d.ifname)] = d.action === "up";
    paint();
    if (st.sel) show(st.sel);
  }
}

function connect() {
  const es = new EventSource("/api/events?token=" + encodeURIComponent(token));
  es.onopen = () => { setConn("ok", "live"); reload().catch((e) => setConn("bad", String(e))); };
  es.onerror = () => { if (!st.ended) setConn("bad", "disconnected, retrying"); };
  es.addEventListener("link", onLinkEvent);
  // only links whose rates changed come: merge them
  es.addEventListener("rates", (ev) => { Object.assign(st.rates, JSON.parse(ev.data).links || {}); paint(); });
  es.addEventListener("adjacency", (ev) => {
    st.adj = JSON.parse(ev.data).adjacencies || [];
    paint();
    if (st.sel && st.sel.node) show(st.sel);
  });
  es.addEventListener("topology", () => reload());
  es.addEventListener("resync", () => reload());
  es.addEventListener("end", (ev) => {
    st.ended = true;
    es.close();
    const b = $("banner");
    b.hidden = false;
    b.textContent = JSON.parse(ev.data).reason + ": this page no longer changes.";
    setConn("bad", "ended");
  });
}

$("zoom").addEventListener("input", zoom);
connect();
