// mermaid_check.mjs FILE.mmd...: parses each file with Mermaid's own flowchart parser
// (the `mermaid` package in a jsdom window, no browser) and prints one JSON line per file:
// {"file", "ok": true, "type", "nodes": {ID: {"text", "shape", "classes"}},
//  "edges": [{"from", "to", "text", "stroke"}]} or {"file", "ok": false, "error"}.
// Texts are what Mermaid would draw: its entity codes (`#quot;`) decoded, `<br>` a line
// break, any other HTML taken as HTML (so a `<` that escaped the escaping shows up as a
// missing character). tests/graph.t compares them with the text Graphviz draws.
import { readFileSync } from 'node:fs';
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });

// Mermaid keeps `#name;` and `#35;` as placeholders until it draws (decodeEntities in
// mermaid's utils); then the label is HTML.
function drawn(text) {
  const html = String(text ?? '')
    .replace(/ﬂ°°/g, '&#').replace(/ﬂ°/g, '&').replace(/¶ß/g, ';')
    .replace(/<br\s*\/?>/gi, '\n');
  const div = document.createElement('div');
  div.innerHTML = html;
  return div.textContent;
}

for (const file of process.argv.slice(2)) {
  let out;
  try {
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(readFileSync(file, 'utf8'));
    const db = diagram.db;
    const vertices = db.getVertices();
    const nodes = {};
    for (const v of vertices instanceof Map ? vertices.values() : Object.values(vertices))
      nodes[v.id] = { text: drawn(v.text), shape: v.type ?? null, classes: v.classes ?? [] };
    const edges = db.getEdges().map(e => ({
      from: e.start, to: e.end, text: drawn(e.text), stroke: e.stroke ?? null,
    }));
    out = { file, ok: true, type: diagram.type, nodes, edges };
  } catch (err) {
    out = { file, ok: false, error: String(err?.message ?? err).split('\n').slice(0, 4).join(' | ') };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
