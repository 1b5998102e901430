"use strict";
const $ = (id) => document.getElementById(id);
const encoder = new TextEncoder(), decoder = new TextDecoder();

function status(message, isError) {
  $("status").textContent = message;
  $("status").className = isError ? "error" : "";
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

async function api(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({ error: { message: response.statusText } }));
  if (!response.ok) throw new Error(json.error ? json.error.message : response.statusText);
  return json;
}

function level(confidence) {
  return confidence >= 0.8 ? "c-high" : confidence >= 0.6 ? "c-mid" : "c-low";
}

// Offsets from the API index UTF-8 bytes; slice bytes, not JavaScript string positions.
function renderSpun(text, changes) {
  const bytes = encoder.encode(text);
  const out = $("spun");
  out.replaceChildren();
  let at = 0;
  for (const c of changes) {
    out.append(decoder.decode(bytes.slice(at, c.start)));
    const pct = Math.round(100 * c.confidence);
    const also = c.alternatives.map((a) => a.text).slice(0, 3);
    const tipText = `Likely original: “${c.restored}” (${pct}%)` + (also.length ? `; also ${also.join(", ")}` : "");
    const mark = el("mark", { class: `spin ${level(c.confidence)}`, tabindex: "0", "aria-label": `${c.spun}: ${tipText}` },
                    decoder.decode(bytes.slice(c.start, c.end)));
    out.append(el("span", { class: "hl" }, mark, el("span", { class: "tip", role: "tooltip" }, tipText)));
    at = c.end;
  }
  out.append(decoder.decode(bytes.slice(at)));
}

function renderRestored(text, changes) {
  const bytes = encoder.encode(text);
  const out = $("restored");
  out.replaceChildren();
  let at = 0;
  for (const c of changes) {
    out.append(decoder.decode(bytes.slice(at, c.start)));
    out.append(el("ins", { title: `was “${c.spun}”` }, c.restored));
    at = c.end;
  }
  out.append(decoder.decode(bytes.slice(at)));
}

function renderVerdict(check, changes) {
  const v = $("verdict");
  const label = check.verdict === "spun" ? "Spun" : check.verdict === "clean" ? "Not spun" : "Too short to tell";
  const cls = check.verdict === "spun" ? "spun" : "clean";
  v.replaceChildren(
    el("p", { class: `big ${cls}` }, `${label}: probability ${(100 * check.probability).toFixed(0)}% that this text was spun`),
    el("p", { class: "muted" }, `${check.words} words; ${changes.length} phrases restored.`));
  if (check.evidence.length) {
    const list = el("ul", { class: "evidence" });
    for (const e of check.evidence.slice(0, 5)) {
      list.append(el("li", {}, `“${e.spun}” where the original likely said “${e.original}”` + (e.occurrences > 1 ? ` (${e.occurrences} times)` : "")));
    }
    v.append(el("p", {}, "What gives it away:"), list);
  }
  v.hidden = false;
}

// Only web addresses become links: a `javascript:` or `data:` URL stored in an index must
// never run in the analyst's page.
function webUrl(url) {
  try {
    const u = new URL(url);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

// Splits a passage into words and the spaces and punctuation between them, keeping both.
function tokens(text) {
  return text.match(/[\p{L}\p{N}'’]+|[^\p{L}\p{N}'’]+/gu) || [];
}

// Two cells (copy, source) with the words outside their longest common subsequence marked:
// the pairs the copy rewrote.
function markDifferences(copy, source) {
  const a = tokens(copy), b = tokens(source);
  const isWord = (t) => /[\p{L}\p{N}]/u.test(t);
  const key = (t) => t.toLowerCase().replace("’", "'");
  const wa = a.map((t, i) => i).filter((i) => isWord(a[i]));
  const wb = b.map((t, i) => i).filter((i) => isWord(b[i]));
  const n = wa.length, m = wb.length;
  const sameA = new Set(), sameB = new Set();
  if (n * m <= 4000000) {
    const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i][j] = key(a[wa[i]]) === key(b[wb[j]]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    let i = 0, j = 0;
    while (i < n && j < m) {
      if (key(a[wa[i]]) === key(b[wb[j]])) { sameA.add(wa[i]); sameB.add(wb[j]); i++; j++; }
      else if (lcs[i + 1][j] >= lcs[i][j + 1]) i++;
      else j++;
    }
  }
  const cell = (toks, same, side) => {
    const td = el("td", {});
    toks.forEach((t, i) => {
      td.append(isWord(t) && !same.has(i) ? el("mark", { class: `rewritten ${side}` }, t) : t);
    });
    return td;
  };
  return [cell(a, sameA, "copy-side"), cell(b, sameB, "source-side")];
}

function renderSource(text, report) {
  const box = $("source-body");
  box.replaceChildren();
  const best = report.sources[0];
  if (!best || best.score < 0.1) {
    box.append(el("p", { class: "muted" }, "No source found in the index."));
  } else {
    const name = best.title || best.id;
    const link = best.url && webUrl(best.url);
    const head = link ? el("a", { href: link, rel: "noopener noreferrer" }, name) : el("strong", {}, name);
    box.append(el("p", {}, head, ` — shares ${(100 * best.score).toFixed(0)}% of the copy's word triples; aligned passages cover ${(100 * best.coverage).toFixed(0)}% of the copy.`));
    if (report.copy_of) {
      const c = report.copy_of;
      box.append(el("p", {}, `${(100 * c.rewritten_share).toFixed(0)}% of the copy's aligned words were rewritten against this source ` +
        `(${c.rewriting.swaps} swapped runs, ${c.rewriting.insertions} insertions, ${c.rewriting.deletions} deletions).`));
    }
    const bytes = encoder.encode(text);
    const table = el("table", { class: "aligned" },
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "The copy"), el("th", { scope: "col" }, "The source"))));
    const body = el("tbody", {});
    for (const p of best.passages.slice(0, 20)) {
      const copy = decoder.decode(bytes.slice(p.copy_start, p.copy_end));
      const [copyCell, sourceCell] = markDifferences(copy, p.source_text || "");
      body.append(el("tr", {}, copyCell, sourceCell));
    }
    table.append(body);
    box.append(el("p", { class: "muted" }, "Aligned passages; words that differ between the copy and its source are marked."), table);
  }
  $("source").hidden = false;
}

async function analyse() {
  const text = $("text").value;
  if (!text.trim()) { status("Paste a text first.", true); return; }
  status("Analysing…");
  document.body.dataset.state = "busy";
  try {
    // One request: the server prepares, checks and restores the text once (and traces it
    // when it has an index).
    const { check, restoration, trace, copy_of } = await api("/v1/analyse", { text, k: 3 });
    renderVerdict(check, restoration.changes);
    renderSpun(text, restoration.changes);
    renderRestored(text, restoration.changes);
    $("results").hidden = false;
    if (trace) renderSource(text, { ...trace, copy_of });
    status(`Done: ${restoration.changes.length} phrases restored.`);
    document.body.dataset.state = "done";
  } catch (e) {
    status(`Could not analyse the text: ${e.message}`, true);
    document.body.dataset.state = "error";
  }
}

async function loadExample() {
  const response = await fetch("/example.txt");
  $("text").value = await response.text();
  $("text").dispatchEvent(new Event("input"));
  status("Example loaded: a short news text spun by a synonym spinner.");
}

async function loadFile(file) {
  const raw = await file.text();
  if (/\.html?$/i.test(file.name) || file.type === "text/html") {
    status("Extracting the main text of the page…");
    try {
      const page = await api("/v1/extract", { html: raw });
      $("text").value = page.text;
    } catch (e) { status(`Could not read the page: ${e.message}`, true); return; }
  } else {
    $("text").value = raw;
  }
  status(`Loaded ${file.name}.`);
}

$("analyse").addEventListener("click", analyse);
$("example").addEventListener("click", loadExample);
$("file").addEventListener("change", (e) => { if (e.target.files[0]) loadFile(e.target.files[0]); });
$("text").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) analyse(); });
const area = $("text");
area.addEventListener("dragover", (e) => { e.preventDefault(); area.classList.add("dragging"); });
area.addEventListener("dragleave", () => area.classList.remove("dragging"));
area.addEventListener("drop", (e) => {
  e.preventDefault(); area.classList.remove("dragging");
  if (e.dataTransfer.files[0]) loadFile(e.dataTransfer.files[0]);
});

// ?demo pastes the bundled example and analyses it, as a person would: used by the
// browser test and handy for a first look.
if (new URLSearchParams(location.search).has("demo")) {
  loadExample().then(() => $("analyse").click());
}
