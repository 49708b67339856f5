// bench/window/duck.mjs: the window benchmark's jobs in DuckDB (one thread), through the
// npm package @duckdb/node-api. Reads the trades CSV with an explicit schema and writes
// the result as CSV, ordered as Pipe orders it.
// Usage: node duck.mjs tumbling|aggregate IN.csv OUT.csv
import { DuckDBInstance } from '@duckdb/node-api';

const [mode, input, output] = process.argv.slice(2);
const src = `read_csv('${input}', header = true, auto_detect = false,
  columns = {'ts': 'TIMESTAMP', 'symbol': 'VARCHAR', 'price': 'DOUBLE', 'qty': 'BIGINT'})`;
const queries = {
  // time_bucket aligns one-minute buckets on minute boundaries, as Pipe's tumbling 1m.
  tumbling: `SELECT symbol, time_bucket(INTERVAL 1 minute, ts) AS window_start,
      time_bucket(INTERVAL 1 minute, ts) + INTERVAL 1 minute AS window_end,
      count(*) AS trades, sum(qty) AS volume, avg(price) AS avg_price
    FROM ${src} GROUP BY ALL ORDER BY window_end, symbol`,
  aggregate: `SELECT symbol, count(*) AS trades, sum(qty) AS volume, avg(price) AS avg_price
    FROM ${src} GROUP BY symbol ORDER BY symbol`,
};
if (!queries[mode]) {
  console.error('usage: node duck.mjs tumbling|aggregate IN.csv OUT.csv');
  process.exit(2);
}
const db = await DuckDBInstance.create(':memory:', { threads: '1' });
const conn = await db.connect();
await conn.run('SET threads = 1');
await conn.run(`COPY (${queries[mode]}) TO '${output}' (HEADER, DELIMITER ',')`);
