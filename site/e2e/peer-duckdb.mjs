// The DuckDB peer of `make bench`: a TaskManager log read line by line and
// its header fields extracted with regular expressions into zstd Parquet,
// every line kept (a stack-trace line is a row with empty fields), on as
// many threads as flinkdx uses. Prints the rows written.
//
//	node site/e2e/peer-duckdb.mjs LOG OUT.parquet THREADS
import { DuckDBInstance } from "@duckdb/node-api";

const [log, out, threads] = process.argv.slice(2);
const db = await DuckDBInstance.create(":memory:", { threads: String(threads || 2) });
const c = await db.connect();
const lines = `read_csv('${log}', columns = {'line': 'VARCHAR'}, delim = '\x01', header = false, quote = '', escape = '',
  auto_detect = false, strict_mode = false, null_padding = true)`;
const r = await c.runAndReadAll(`COPY (
  SELECT
    try_strptime(regexp_extract(line, '^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3})', 1), '%Y-%m-%d %H:%M:%S,%g') AS ts,
    regexp_extract(line, '^\\S+ \\S+ +([A-Z]+) ', 1) AS level,
    regexp_extract(line, '^\\S+ \\S+ +[A-Z]+ +(\\S+)', 1) AS logger,
    regexp_extract(line, ' - (.*)$', 1) AS message,
    line
  FROM ${lines}) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`);
console.log(`duckdb: ${r.getRows()[0][0]} rows`);
