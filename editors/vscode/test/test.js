#!/usr/bin/env node
// test.js: checks the VS Code support for Pipe (editors/vscode) with the engine VS Code
// itself uses: vscode-textmate driven by the Oniguruma regex library compiled to wasm
// (vscode-oniguruma). It loads the grammar the way VS Code does, from the extension's
// package.json `contributes.grammars`, tokenizes Pipe text line by line and checks the
// scopes of chosen tokens. It also takes every keyword from the re2c rules of
// compiler/lex.re and requires that each is highlighted as a keyword, so a new keyword
// fails this test until the grammar learns it. Prints TAP. Run by tests/editors_vscode.t.
'use strict';

const fs = require('fs');
const path = require('path');

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

// Tokenizes text (lines carry the rule stack, as in the editor): [[{text, scopes}]].
function tokenize(grammar, text) {
  let stack = vsctm.INITIAL;
  return text.split('\n').map((line) => {
    const r = grammar.tokenizeLine(line, stack);
    stack = r.ruleStack;
    return r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}
const show = (toks) => toks.map((t) => `${JSON.stringify(t.text)} ${t.scopes.slice(1).join(' ') || '-'}`).join('\n');
const inner = (t) => t.scopes[t.scopes.length - 1];
const has = (t, prefix) => t.scopes.some((s) => s === prefix || s.startsWith(prefix + '.'));

async function main() {
  let grammar;
  try {
    grammar = await loadGrammar();
  } catch (e) {
    bail(`vscode-textmate could not load ${gram.path}: ${e.message}`);
  }
  if (!grammar) bail(`vscode-textmate could not load ${gram.path}`);
  ok(true, 'vscode-textmate loads the grammar with the oniguruma engine');

  // expect(line, text, prefix[, nth]): on one line of Pipe, the nth token whose text is
  // exactly `text` (so it must be one token, not split) has a scope starting with prefix.
  const lineCache = new Map();
  function toks(line) {
    if (!lineCache.has(line)) lineCache.set(line, tokenize(grammar, line)[0]);
    return lineCache.get(line);
  }
  function expect(line, text, prefix, nth = 0, desc) {
    const ts = toks(line).filter((t) => t.text === text);
    const t = ts[nth];
    ok(t && has(t, prefix), desc || `\`${text}\` in \`${line}\` is ${prefix}`,
      t ? `scopes: ${t.scopes.join(' ')}\n${show(toks(line))}` : `no token \`${text}\` #${nth}; tokens:\n${show(toks(line))}`);
  }
  function expectNot(line, text, prefix, desc) {
    const t = toks(line).find((x) => x.text === text);
    ok(t && !has(t, prefix), desc || `\`${text}\` in \`${line}\` is not ${prefix}`,
      t ? `scopes: ${t.scopes.join(' ')}` : `no token \`${text}\`; tokens:\n${show(toks(line))}`);
  }

  // Comments.
  expect('# a whole-line comment', ' a whole-line comment', 'comment.line.number-sign');
  expect('# a whole-line comment', '#', 'punctuation.definition.comment');
  expect('param big_qty: i64 = 10_000   # trailing comment', ' trailing comment', 'comment.line.number-sign');
  expect('param big_qty: i64 = 10_000   # trailing comment', 'param', 'keyword');
  {
    const [l1, l2] = tokenize(grammar, '# comment ends at the line end\nschema T {');
    ok(l2.some((t) => t.text === 'schema' && has(t, 'keyword')) && !l2.some((t) => has(t, 'comment')),
      'a comment stops at the end of its line', show(l1.concat(l2)));
  }

  // Strings and escapes; `#` inside a string is not a comment.
  const s1 = 'let s = "a # not a comment" ?? x';
  expect(s1, 'a # not a comment', 'string.quoted.double', 0, '`#` inside a string is string text');
  ok(!toks(s1).some((t) => has(t, 'comment')), '`#` inside a string starts no comment', show(toks(s1)));
  expect(s1, '??', 'keyword.operator', 0, 'code after a string with `#` is still code');
  expect(s1, '"', 'punctuation.definition.string.begin');
  expect(s1, '"', 'punctuation.definition.string.end', 1);
  const esc = 'const e = "a\\nb\\tc\\rd\\"e\\\\f\\0g\\u{1F600}h"';
  for (const e of ['\\n', '\\t', '\\r', '\\"', '\\\\', '\\0', '\\u{1F600}']) {
    expect(esc, e, 'constant.character.escape', 0, `escape ${e} is constant.character.escape`);
  }
  expect(esc, 'h', 'string.quoted.double', 0, 'an escaped quote does not end the string');
  expect('const e = "a\\qb"', '\\q', 'invalid.illegal', 0, 'an unknown escape \\q is invalid');
  {
    const [l1, l2] = tokenize(grammar, 'const e = "unterminated\nsink csv(stdout)');
    ok(l2.some((t) => t.text === 'sink' && has(t, 'keyword')) && !l2.some((t) => has(t, 'string')),
      'an unterminated string stops at the end of its line (as in the lexer)', show(l1.concat(l2)));
  }

  // Numbers: each literal must be ONE constant.numeric token.
  const nums = [
    ['42', 'constant.numeric.integer'], ['10_000', 'constant.numeric.integer'],
    ['3.14', 'constant.numeric.float'], ['1e-3', 'constant.numeric.float'],
    ['2.5e10', 'constant.numeric.float'], ['1_000.5', 'constant.numeric.float'],
    ['250ms', 'constant.numeric.duration'], ['5s', 'constant.numeric.duration'],
    ['1m', 'constant.numeric.duration'], ['1h', 'constant.numeric.duration'],
    ['1d', 'constant.numeric.duration'], ['10us', 'constant.numeric.duration'],
    ['36h', 'constant.numeric.duration'], ['1_000ms', 'constant.numeric.duration'],
  ];
  for (const [lit, scope] of nums) expect(`const x = ${lit} + y`, lit, scope, 0, `\`${lit}\` is one ${scope} token`);
  expect('const x = trunc(ts, 250ms)', '250ms', 'constant.numeric', 0, 'a duration inside a call is one numeric token');
  for (const bad of ['5x', '1.5s', '1e']) {
    expect(`const x = ${bad}`, bad, 'invalid.illegal', 0, `\`${bad}\` (rejected by the lexer) is invalid`);
  }
  expectNot('let abc1m = x1m', 'abc1m', 'constant.numeric', 'digits inside an identifier are not a number');

  // Operators and punctuation.
  const ops = 'a | b ?? c -> d == e != f <= g >= h < i > j + k - l * m / n % o = p ? ...';
  for (const op of ['|', '??', '->', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '=', '?', '...']) {
    expect(ops, op, 'keyword.operator', 0, `\`${op}\` is one keyword.operator token`);
  }
  expect('x ?? 0', '??', 'keyword.operator.coalesce');
  expect('fn f(x: i64) -> i64 = x', '->', 'keyword.operator', 0, '`->` in a fn is keyword.operator');
  for (const p of ['{', '}', '(', ')', ',', ':']) {
    expect('select { a: f(x), b }', p, 'punctuation', 0, `\`${p}\` is punctuation`);
  }

  // Types (storage.type) after `:` and `->`, with `?` for nullable.
  for (const t of ['bool', 'i64', 'f64', 'string', 'timestamp', 'duration']) {
    expect(`  field: ${t},`, t, 'storage.type', 0, `type \`${t}\` after \`:\` is storage.type`);
  }
  expect('  venue: string?,', 'string', 'storage.type');
  expect('  venue: string?,', '?', 'keyword.operator');
  expect('fn f(v: i64?) -> f64 = v ?? 0', 'f64', 'storage.type', 0, 'a fn result type after `->` is storage.type');
  expect('fn f(v: i64?) -> f64 = v ?? 0', 'i64', 'storage.type');
  expect('source trades: Trade = csv(input)', 'Trade', 'entity.name.type', 0, 'a schema name in a source is a type name');
  expect('schema Trade {', 'Trade', 'entity.name.type', 0, 'the name after `schema` is a type name');
  expect('fn notional(price: f64) -> f64 = price', 'notional', 'entity.name.function');

  // Built-in functions (support.function) — including the conversions, which share names with types.
  const builtins = ('len lower upper trim contains starts_with ends_with substr replace abs sqrt ln exp pow floor ' +
    'ceil round year month day hour minute trunc i64 f64 string timestamp').split(' ');
  for (const f of builtins) expect(`  x = ${f}(y),`, f, 'support.function', 0, `built-in \`${f}(\` is support.function`);
  for (const f of 'count sum min max avg first last stddev'.split(' ')) {
    expect(`  v = ${f}(qty),`, f, 'support.function', 0, `aggregate \`${f}(\` is support.function`);
  }
  for (const f of ['csv', 'jsonl', 'host']) expect(`source s: S = ${f}(x)`, f, 'support.function', 0, `connector \`${f}(\` is support.function`);
  expect('  | sink csv(stdout)', 'stdout', 'support.constant');
  expect('source s: S = jsonl(stdin)', 'stdin', 'support.constant');
  expectNot('  | select { lower, count }', 'lower', 'support.function', 'a field named like a built-in (no call) is not support.function');
  expectNot('  | select { string = x }', 'string', 'storage.type', 'a field named `string` outside a type position is not storage.type');
  expect('  | select { f = class(status) }', 'class', 'entity.name.function', 0, 'a call of a user fn is entity.name.function');

  // Error policies and window kinds.
  expect('  | filter a > 0 on error skip', 'skip', 'support.constant');
  expect('  | filter a > 0 on error fail', 'fail', 'support.constant');
  expect('source h: Hit = csv(input) on error dead_letter(jsonl(rejects))', 'dead_letter', 'support.constant');
  expect('source h: Hit = csv(input) on error dead_letter(jsonl(rejects))', 'on', 'keyword');
  expect('source h: Hit = csv(input) on error dead_letter(jsonl(rejects))', 'error', 'keyword');
  for (const k of ['tumbling', 'sliding', 'session', 'count']) {
    expect(`  | window ${k} 1m by symbol { v = sum(qty) }`, k, 'support.constant', 0, `window kind \`${k}\``);
  }
  expect('  | window tumbling 1m by symbol { v = sum(qty) }', 'window', 'keyword');
  expect('  | window tumbling 1m by symbol { v = sum(qty) }', 'by', 'keyword');

  // Language constants and control keywords.
  for (const c of ['true', 'false', 'null']) expect(`const c = ${c}`, c, 'constant.language');
  const cond = 'fn c(s: i64) -> string = if s >= 500 then "5xx" else "2xx"';
  for (const k of ['if', 'then', 'else']) expect(cond, k, 'keyword.control');
  expect('import "lib.pipe"', 'import', 'keyword');
  expect('import "lib.pipe"', 'lib.pipe', 'string.quoted.double');
  for (const id of ['iffy', 'my_if', 'nullable', 'selector', 'format', 'errors']) {
    expectNot(`  | select { ${id} }`, id, 'keyword', `identifier \`${id}\` is not a keyword`);
  }

  // Every keyword of compiler/lex.re.
  const lexFile = path.join(repo, 'compiler', 'lex.re');
  let lex = '';
  try {
    lex = fs.readFileSync(lexFile, 'utf8');
  } catch (e) {
    bail(`cannot read ${lexFile}: ${e.message}`);
  }
  // Rules like `"schema"  { return KW_SCHEMA; }`: every quoted all-letter word in a rule.
  const kws = [...lex.matchAll(/^\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\{/gm)].map((m) => m[1]);
  ok(kws.length >= 27, `compiler/lex.re: found ${kws.length} keyword rules`, 'expected at least the 27 of the language reference');
  const literal = new Set(['true', 'false', 'null']);
  for (const kw of kws) {
    const want = literal.has(kw) ? 'constant.language' : 'keyword';
    for (const line of [kw, `a ${kw} b`, `  | ${kw} (x)`]) {
      const t = toks(line).find((x) => x.text === kw);
      ok(t && has(t, want), `keyword \`${kw}\` from lex.re is ${want} in \`${line}\``,
        t ? `scopes: ${t.scopes.join(' ')}` : `not one token:\n${show(toks(line))}`);
    }
  }

  // The real programs of the repository tokenize without anything invalid, and every
  // keyword token the lexer would see is highlighted.
  const files = [];
  const addDir = (dir, pred) => {
    if (!fs.existsSync(dir)) return;
    for (const f of fs.readdirSync(dir).sort()) if (pred(f)) files.push(path.join(dir, f));
  };
  addDir(path.join(repo, 'examples'), (f) => f.endsWith('.pipe'));
  addDir(path.join(repo, 'tests', 'check'), (f) => /^ok.*\.pipe$/.test(f));
  const runDir = path.join(repo, 'tests', 'run');
  if (fs.existsSync(runDir)) {
    for (const d of fs.readdirSync(runDir).sort()) {
      const f = path.join(runDir, d, 'main.pipe');
      if (fs.existsSync(f)) files.push(f);
    }
  }
  const kwSet = new Set(kws);
  const problems = [];
  for (const f of files) {
    const lines = tokenize(grammar, fs.readFileSync(f, 'utf8'));
    lines.forEach((ts, i) => {
      for (const t of ts) {
        const where = `${path.relative(repo, f)}:${i + 1}: ${JSON.stringify(t.text)} ${t.scopes.join(' ')}`;
        if (t.scopes.some((s) => s.startsWith('invalid'))) problems.push(`invalid: ${where}`);
        if (kwSet.has(t.text) && !has(t, 'keyword') && !has(t, 'constant.language') &&
            !has(t, 'comment') && !has(t, 'string')) problems.push(`keyword not highlighted: ${where}`);
      }
    });
  }
  ok(files.length > 0 && problems.length === 0,
    `the ${files.length} sample programs (examples, tests/run, tests/check/ok*) tokenize cleanly`,
    problems.slice(0, 20).join('\n'));

  console.log(`1..${n}`);
  console.log(`# ${n - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => bail(e && e.stack ? e.stack.split('\n')[0] : String(e)));
