#!/usr/bin/env node
// test.js: checks the VS Code support for Pipe (editors/vscode) with the engine VS Code
// itself uses: vscode-textmate driven by the Oniguruma regex library compiled to wasm
// (vscode-oniguruma). It loads the grammar the way VS Code does, from the extension's
// package.json `contributes.grammars`, tokenizes files and checks every position of
// tests/editors/positions.txt (the list the Vim and Emacs tests check too) through its
// class -> scope table, and every word tests/editors/words.pl reads from the compiler's
// sources (each keyword of compiler/lex.re, built-in, aggregate, connector, window kind,
// policy...), so a word the compiler learns fails this test until the grammar learns it.
// The manifest and language configuration are checked here only. Prints TAP. Run by
// tests/editors_vscode.t.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const ext = path.resolve(__dirname, '..');            // editors/vscode
const repo = path.resolve(ext, '..', '..');           // the repository root

let n = 0;
let failed = 0;
function ok(cond, desc, diag) {
  n++;
  if (cond) {
    console.log(`ok ${n} - ${desc}`);
  } else {
    failed++;
    console.log(`not ok ${n} - ${desc}`);
    if (diag) for (const l of String(diag).split('\n')) console.log(`#   ${l}`);
  }
}
function bail(msg) {
  console.log(`Bail out! ${msg}`);
  process.exit(1);
}
function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

let vsctm, oniguruma;
try {
  vsctm = require('vscode-textmate');
  oniguruma = require('vscode-oniguruma');
} catch (e) {
  bail(`vscode-textmate/vscode-oniguruma not installed (npm ci in ${__dirname}): ${e.message}`);
}

// ---- the extension's manifest and language configuration ----------------------------
let pkg, langConf, grammarFile;
try {
  pkg = readJson(path.join(ext, 'package.json'));
} catch (e) {
  bail(`editors/vscode/package.json: ${e.message}`);
}
const langs = (pkg.contributes && pkg.contributes.languages) || [];
const grammars = (pkg.contributes && pkg.contributes.grammars) || [];
const lang = langs.find((l) => l.id === 'pipe');
const gram = grammars.find((g) => g.language === 'pipe');
ok(pkg.engines && typeof pkg.engines.vscode === 'string', 'package.json: parses and has engines.vscode');
ok(lang && (lang.extensions || []).includes('.pipe'), 'package.json: language `pipe` is contributed for *.pipe',
  JSON.stringify(langs));
ok(gram && gram.scopeName === 'source.pipe', 'package.json: a grammar for `pipe` with scopeName source.pipe',
  JSON.stringify(grammars));
if (!lang || !gram) bail('package.json does not contribute the language and its grammar');

const confFile = path.resolve(ext, lang.configuration || '');
ok(lang.configuration && fs.existsSync(confFile) && fs.statSync(confFile).isFile(),
  `package.json: language configuration ${lang.configuration} exists`);
try {
  langConf = readJson(confFile);
  ok(true, 'language-configuration.json parses');
} catch (e) {
  ok(false, 'language-configuration.json parses', e.message);
  langConf = {};
}
grammarFile = path.resolve(ext, gram.path || '');
ok(gram.path && fs.existsSync(grammarFile) && fs.statSync(grammarFile).isFile(),
  `package.json: grammar ${gram.path} exists`);
let grammarJson;
try {
  grammarJson = readJson(grammarFile);
} catch (e) {
  bail(`${gram.path}: ${e.message}`);
}
ok(grammarJson.scopeName === gram.scopeName, 'grammar scopeName matches package.json',
  `grammar: ${grammarJson.scopeName}, package.json: ${gram.scopeName}`);

const pairs = (list) => (list || []).map((p) => (Array.isArray(p) ? p.join('') : p.open + p.close));
ok(langConf.comments && langConf.comments.lineComment === '#', 'language configuration: line comment is `#`');
ok(['{}', '()'].every((p) => pairs(langConf.brackets).includes(p)), 'language configuration: brackets {} ()',
  JSON.stringify(langConf.brackets));
ok(['{}', '()', '""'].every((p) => pairs(langConf.autoClosingPairs).includes(p)),
  'language configuration: autoClosingPairs {} () ""', JSON.stringify(langConf.autoClosingPairs));
ok(['{}', '()', '""'].every((p) => pairs(langConf.surroundingPairs).includes(p)),
  'language configuration: surroundingPairs {} () ""', JSON.stringify(langConf.surroundingPairs));

// VS Code evaluates these patterns with JavaScript's RegExp.
function re(src) {
  try {
    return new RegExp(src);
  } catch (e) {
    return null;
  }
}
const ind = langConf.indentationRules || {};
const inc = re(ind.increaseIndentPattern);
const dec = re(ind.decreaseIndentPattern);
const next = re(ind.indentNextLinePattern);
const word = re(langConf.wordPattern);
ok(inc && dec && next && word, 'language configuration: indentation and word patterns compile');
if (inc && dec && next) {
  const incYes = ['schema Trade {', '  | select {', '  | select { a = f(x),', 'hits | select { a = "x}",  # note', 'fn f(', '  | sink csv(stdout, {'];
  const incNo = ['  | select { ts, symbol }', 'x = f(a, b)', '# schema T {', 'let s = "{"', '}'];
  const bad = incYes.filter((l) => !inc.test(l)).concat(incNo.filter((l) => inc.test(l)));
  ok(bad.length === 0, 'indentation: increaseIndentPattern indents after an open { or (', `wrong for: ${bad.join(' | ')}`);
  const decYes = ['}', '  }', ')', '  } on error skip'];
  const decNo = ['  ts: timestamp,', '  | sink csv(stdout)'];
  const badD = decYes.filter((l) => !dec.test(l)).concat(decNo.filter((l) => dec.test(l)));
  ok(badD.length === 0, 'indentation: decreaseIndentPattern outdents a closing } or )', `wrong for: ${badD.join(' | ')}`);
  const nextYes = ['fn class(status: i64) -> string =', '  if x > 0 then', '  else', 'const a =  # soon'];
  const nextNo = ['fn f(x: i64) -> i64 = x', '  | filter a ==', '  | filter a >=', 'let s = "x ="'];
  const badN = nextYes.filter((l) => !next.test(l)).concat(nextNo.filter((l) => next.test(l)));
  ok(badN.length === 0, 'indentation: indentNextLinePattern indents the body after `=`, `then`, `else`',
    `wrong for: ${badN.join(' | ')}`);
}
if (word) {
  const wordG = new RegExp(word.source, 'g');
  const words = 'x = trunc(ts, 250ms) ?? starts_with'.match(wordG) || [];
  ok(['x', 'trunc', 'ts', '250ms', 'starts_with'].every((w) => words.includes(w)),
    'language configuration: wordPattern takes identifiers and durations whole', JSON.stringify(words));
}

// ---- the grammar through vscode-textmate ------------------------------------------------
async function loadGrammar() {
  const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => {
      if (scopeName !== gram.scopeName) return null;
      // Parse it the way VS Code does (its own JSON parser, with source locations).
      return vsctm.parseRawGrammar(fs.readFileSync(grammarFile, 'utf8'), grammarFile);
    },
  });
  return registry.loadGrammar(gram.scopeName);
}

// Tokenizes text (lines carry the rule stack, as in the editor): [[{start, end, scopes}]],
// start and end in UTF-16 units of the line.
function tokenize(grammar, text) {
  let stack = vsctm.INITIAL;
  return text.split('\n').map((line) => {
    const r = grammar.tokenizeLine(line, stack);
    stack = r.ruleStack;
    return r.tokens.map((t) => ({ start: t.startIndex, end: t.endIndex, scopes: t.scopes }));
  });
}

// ---- tests/editors/positions.txt and the words of the compiler ---------------------------
// `class NAME VIM EMACS TEXTMATE` lines give the scope prefixes of each class; position
// lines are `FILE LINE:COL CLASS TOKEN`.
const prefixes = [];   // [prefix, class]
const classes = new Set();
const positions = [];
function readPositions(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    bail(`cannot read ${file}: ${e.message}`);
  }
  text.split('\n').forEach((line, i) => {
    if (/^\s*(#|$)/.test(line)) return;
    let m = /^class\s+(\S+)\s+\S+\s+\S+\s+(\S+)$/.exec(line);
    if (m) {
      classes.add(m[1]);
      for (const p of m[2].split(',')) if (p !== '-') prefixes.push([p, m[1]]);
      return;
    }
    m = /^(\S+) (\d+):(\d+) (\S+) (\S.*)$/.exec(line);
    if (!m) bail(`${file}:${i + 1}: not a class or position line: ${line}`);
    positions.push({ file: m[1], line: +m[2], col: +m[3], cls: m[4], token: m[5] });
  });
}
readPositions(path.join(repo, 'tests', 'editors', 'positions.txt'));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'editors_vscode.'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
try {
  execFileSync('perl', [path.join(repo, 'tests', 'editors', 'words.pl'), tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
} catch (e) {
  bail(`tests/editors/words.pl failed: ${String(e.stderr || e.message).trim()}`);
}
readPositions(path.join(tmp, 'words.txt'));

// The class of a token: the innermost scope that starts with a prefix of the table (at a
// `.` boundary) decides, the longest prefix first; no such scope is `plain`.
function classOf(scopes) {
  for (let i = scopes.length - 1; i >= 0; i--) {
    let best = null;
    for (const [p, c] of prefixes) {
      if ((scopes[i] === p || scopes[i].startsWith(p + '.')) && (!best || p.length > best[0].length)) best = [p, c];
    }
    if (best) return best[1];
  }
  return 'plain';
}

async function main() {
  let grammar;
  try {
    grammar = await loadGrammar();
  } catch (e) {
    bail(`vscode-textmate could not load ${gram.path}: ${e.message}`);
  }
  if (!grammar) bail(`vscode-textmate could not load ${gram.path}`);
  ok(true, 'vscode-textmate loads the grammar with the oniguruma engine');

  const count = new Map();
  for (const p of positions) count.set(p.file, (count.get(p.file) || 0) + 1);
  for (const f of fs.readdirSync(path.join(repo, 'examples')).filter((x) => x.endsWith('.pipe')).sort()) {
    const n = count.get(`examples/${f}`) || 0;
    ok(n >= 10, `positions.txt has at least 10 positions in examples/${f}`, `it has ${n}`);
  }
  const unknown = positions.filter((p) => !classes.has(p.cls));
  ok(unknown.length === 0, 'every position names a class of the table',
    unknown.map((p) => `${p.file} ${p.line}:${p.col}: unknown class ${p.cls}`).join('\n'));

  const files = new Map();   // path -> {lines, toks}
  function load(file) {
    const full = path.isAbsolute(file) ? file : path.join(repo, file);
    if (!files.has(full)) {
      let text = null;
      try {
        text = fs.readFileSync(full, 'utf8');
      } catch (e) { /* reported below */ }
      files.set(full, text === null ? null : { lines: text.split('\n'), toks: tokenize(grammar, text) });
    }
    return files.get(full);
  }
  for (const p of positions) {
    const where = `${path.isAbsolute(p.file) ? path.basename(p.file) : p.file}:${p.line}:${p.col}`;
    const desc = `${where} \`${p.token}\` is ${p.cls}`;
    const f = load(p.file);
    const line = f && f.lines[p.line - 1];
    // COL counts characters; the tokens' offsets count UTF-16 units.
    const start = line === undefined ? 0 : Array.from(line).slice(0, p.col - 1).join('').length;
    const found = line === undefined ? '(no such line)' : line.slice(start, start + p.token.length);
    if (found !== p.token) {
      ok(false, desc, `expected \`${p.token}\` at ${where}, found \`${found}\``);
      continue;
    }
    const bad = [];
    for (let i = start; i < start + p.token.length; i++) {
      if (/\s/.test(line[i])) continue;
      const t = f.toks[p.line - 1].find((x) => x.start <= i && i < x.end);
      const got = t ? classOf(t.scopes) : 'plain';
      if (got !== p.cls) bad.push(`char ${i + 1}: got ${got} (${t ? t.scopes.join(' ') : 'no token'})`);
    }
    ok(bad.length === 0, desc, [`expected ${p.cls} at ${where}: \`${p.token}\``].concat(bad.slice(0, 4)).join('\n'));
  }

  // The real programs of the repository tokenize without anything invalid.
  const progs = [];
  const addDir = (dir, pred) => {
    if (!fs.existsSync(dir)) return;
    for (const f of fs.readdirSync(dir).sort()) if (pred(f)) progs.push(path.join(dir, f));
  };
  addDir(path.join(repo, 'examples'), (f) => f.endsWith('.pipe'));
  addDir(path.join(repo, 'tests', 'check'), (f) => /^ok.*\.pipe$/.test(f));
  const runDir = path.join(repo, 'tests', 'run');
  if (fs.existsSync(runDir)) {
    for (const d of fs.readdirSync(runDir).sort()) {
      const f = path.join(runDir, d, 'main.pipe');
      if (fs.existsSync(f)) progs.push(f);
    }
  }
  const problems = [];
  for (const f of progs) {
    const text = fs.readFileSync(f, 'utf8');
    const lines = text.split('\n');
    tokenize(grammar, text).forEach((ts, i) => {
      for (const t of ts) {
        if (t.scopes.some((s) => s.startsWith('invalid'))) {
          problems.push(`${path.relative(repo, f)}:${i + 1}: ${JSON.stringify(lines[i].slice(t.start, t.end))} ${t.scopes.join(' ')}`);
        }
      }
    });
  }
  ok(progs.length > 0 && problems.length === 0,
    `the ${progs.length} programs of examples, tests/run and tests/check/ok* have no invalid token`,
    problems.slice(0, 20).join('\n'));

  console.log(`1..${n}`);
  console.log(`# ${n - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => bail(e && e.stack ? e.stack.split('\n')[0] : String(e)));
