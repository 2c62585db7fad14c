/* botwatch report: network drawing and offline search. Data comes from the JSON blocks in the page; all text
   reaches the DOM through textContent, never innerHTML. Anchors in the data contain only [A-Za-z0-9_.-]. */
(function () {
  "use strict";
  var BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]/g;
  var SAFE_ANCHOR = /^[A-Za-z0-9_.-]+$/;
  var MAX_ROWS = 200;

  function readJson(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function visible(text) {
    return String(text == null ? "" : text).replace(BIDI, function (c) {
      return "[U+" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0") + "]";
    });
  }

  function cell(tr, text) {
    var td = document.createElement("td");
    var bdi = document.createElement("bdi");
    bdi.textContent = visible(text);
    td.appendChild(bdi);
    tr.appendChild(td);
    return td;
  }

  function linkCell(tr, text, anchor) {
    var td = document.createElement("td");
    if (anchor && SAFE_ANCHOR.test(anchor)) {
      var a = document.createElement("a");
      a.setAttribute("href", "#" + anchor);
      a.textContent = visible(text);
      td.appendChild(a);
    } else {
      td.textContent = visible(text);
    }
    tr.appendChild(td);
  }

  function nodesMany(net) { return net.nodes.length + net.edges.length > 2000; }

  /* -- network ------------------------------------------------------------------------------------------- */
  function drawNetwork() {
    var net = readJson("bw-network-data");
    var box = document.getElementById("bw-network");
    if (!net || !box || typeof window.cytoscape !== "function") return;
    if (!net.nodes.length) {
      var p = document.createElement("p");
      p.textContent = "No flagged accounts to draw.";
      box.appendChild(p);
      return;
    }
    var elements = [];
    net.nodes.forEach(function (n) {
      elements.push({ group: "nodes", data: { id: n.id, label: visible(n.label), colour: n.colour }, position: { x: n.x, y: n.y } });
    });
    net.edges.forEach(function (e, i) {
      elements.push({ group: "edges", data: { id: "e" + i, source: e.source, target: e.target, significant: e.significant ? 1 : 0 } });
    });
    var cy = window.cytoscape({
      container: box,
      elements: elements,
      layout: { name: "preset", fit: true, padding: 20 },
      minZoom: 0.05,
      hideEdgesOnViewport: nodesMany(net),
      textureOnViewport: nodesMany(net),
      maxZoom: 5,
      style: [
        { selector: "node", style: { "background-color": "data(colour)", width: 14, height: 14, label: "data(label)",
          "font-size": 8, color: "#222", "min-zoomed-font-size": 10, "text-valign": "bottom" } },
        { selector: "edge", style: { width: 1, "line-color": "#b8b8b8", opacity: 0.7, "line-style": "dashed" } },
        { selector: "edge[significant = 1]", style: { "line-style": "solid", "line-color": "#888" } },
        { selector: "node:selected", style: { "border-width": 3, "border-color": "#000" } }
      ]
    });
    cy.on("tap", "node", function (evt) {
      var id = evt.target.id();
      if (SAFE_ANCHOR.test(id) && document.getElementById(id)) window.location.hash = "#" + id;
    });
    window.__bwNetwork = cy;
  }

  /* -- search ------------------------------------------------------------------------------------------ */
  function setupSearch() {
    var data = readJson("bw-explore-data");
    var q = document.getElementById("bw-q");
    if (!data || !q) return;
    var sel = document.getElementById("bw-campaign");
    var flaggedOnly = document.getElementById("bw-flagged");
    // account row: [label, handle, name, campaign, flagged, score, anchor]
    // comment row: [time, account label, account anchor, campaign, flagged, text, item anchor, page]
    var accHay = data.accounts.map(function (r) { return (r[0] + "\n" + r[1] + "\n" + r[2] + "\n" + r[3]).toLowerCase(); });
    var comHay = data.comments.map(function (r) { return (r[1] + "\n" + r[3] + "\n" + r[5] + "\n" + r[7]).toLowerCase(); });
    var campaigns = {};
    data.accounts.forEach(function (r) { if (r[3]) campaigns[r[3]] = 1; });
    data.comments.forEach(function (r) { if (r[3]) campaigns[r[3]] = 1; });
    Object.keys(campaigns).sort().forEach(function (c) {
      var opt = document.createElement("option");
      opt.value = c;
      opt.textContent = visible(c);
      sel.appendChild(opt);
    });

    function matches(row, hay, campIdx, flagIdx, needle, camp, onlyFlagged) {
      if (camp && row[campIdx] !== camp) return false;
      if (onlyFlagged && !row[flagIdx]) return false;
      return !needle || hay.indexOf(needle) !== -1;
    }

    function fill(tableId, countId, rows, hay, campIdx, flagIdx, render) {
      var needle = q.value.trim().toLowerCase();
      var camp = sel.value;
      var onlyFlagged = flaggedOnly.checked;
      var tbody = document.querySelector("#" + tableId + " tbody");
      var frag = document.createDocumentFragment();
      var n = 0;
      for (var i = 0; i < rows.length; i++) {
        if (!matches(rows[i], hay[i], campIdx, flagIdx, needle, camp, onlyFlagged)) continue;
        n++;
        if (n <= MAX_ROWS) frag.appendChild(render(rows[i]));
      }
      tbody.textContent = "";
      tbody.appendChild(frag);
      document.getElementById(countId).textContent =
        (n === 1 ? "(1 match" : "(" + n + " matches") + (n > MAX_ROWS ? "; first " + MAX_ROWS + " shown)" : ")");
    }

    function accountRow(r) {
      var tr = document.createElement("tr");
      linkCell(tr, r[0], r[6]);
      cell(tr, r[1]);
      cell(tr, r[2]);
      cell(tr, r[3]);
      cell(tr, r[4] ? "yes" : "no");
      cell(tr, r[5] == null ? "" : r[5]);
      return tr;
    }

    function commentRow(r) {
      var tr = document.createElement("tr");
      if (r[4]) tr.className = "flagged-row";
      cell(tr, r[0]);
      linkCell(tr, r[1], r[2]);
      cell(tr, r[3]);
      cell(tr, r[7]);
      cell(tr, r[5]);
      linkCell(tr, r[6] ? "→" : "", r[6]);
      return tr;
    }

    var timer = null;
    function update() {
      fill("bw-acc-table", "bw-acc-count", data.accounts, accHay, 3, 4, accountRow);
      fill("bw-com-table", "bw-com-count", data.comments, comHay, 3, 4, commentRow);
    }
    function later() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(update, 120);
    }
    q.addEventListener("input", later);
    sel.addEventListener("change", update);
    flaggedOnly.addEventListener("change", update);
    update();
  }

  /* Run fn once el comes near the viewport: the network is drawn only when looked at, so big reports open fast. */
  function whenVisible(el, fn) {
    if (!el || !("IntersectionObserver" in window)) { fn(); return; }
    var io = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { io.disconnect(); fn(); }
    }, { rootMargin: "300px" });
    io.observe(el);
  }

  function start() {
    var t0 = performance.now();
    window.__bwTimings = {};
    try { setupSearch(); } finally {
      window.__bwTimings.search = performance.now() - t0;
      document.documentElement.setAttribute("data-ready", "1");
      whenVisible(document.getElementById("bw-network"), function () {
        var t1 = performance.now();
        try { drawNetwork(); } finally {
          window.__bwTimings.network = performance.now() - t1;
          document.documentElement.setAttribute("data-network", "1");
        }
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
