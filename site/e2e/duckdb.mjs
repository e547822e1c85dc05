// DuckDB reads a dataset written by flinkdx: every table, every value
// decoded, row counts equal to the manifest's, and each column of the
// type docs/schema.md documents. Run by `make test-duckdb` on the demo
// dataset and on the corpus' (`DIR...` as arguments).
import { DuckDBInstance } from "@duckdb/node-api";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "../..");
let failures = 0;
function check(ok, what) {
  if (!ok) console.log(`FAIL ${what}`);
  failures += ok ? 0 : 1;
}

// The documented columns: table → column → DuckDB types accepted. Tables
// are documented as markdown tables ("| a, b | dict, int64 | …") or, for
// the REST tables, as lists of names.
const duck = {
  "timestamp[ms, UTC]": ["TIMESTAMP WITH TIME ZONE"], dict: ["VARCHAR"], string: ["VARCHAR"],
  int64: ["BIGINT"], int32: ["INTEGER"], double: ["DOUBLE"], bool: ["BOOLEAN"],
};
function documented() {
  const doc = readFileSync(join(root, "docs/schema.md"), "utf8");
  const tables = {};
  let current = [];
  for (const line of doc.split("\n")) {
    const h = line.match(/^## ([a-z, ]+):/);
    if (h) {
      current = h[1].split(",").map((s) => s.trim());
      for (const t of current) tables[t] = tables[t] || { columns: {}, prose: "" };
      continue;
    }
    for (const t of current) tables[t].prose += line + "\n";
    const row = line.match(/^\| ([^|]+) \| ([^|]+) \|/);
    if (!row || row[1].trim() === "column" || row[1].startsWith("---")) continue;
    const names = row[1].split(",").map((s) => s.trim().replace(/`/g, ""));
    let types = row[2].replace(/, null/g, "").split(/,(?![^[]*\])/).map((s) => s.trim());
    if (types.length === 1) types = names.map(() => types[0]);
    names.forEach((n, k) => {
      const accepted = (types[k] || "").split("/").flatMap((ty) => duck[ty.trim()] || []);
      for (const t of current) tables[t].columns[n] = accepted;
    });
  }
  return tables;
}

const docs = documented();
const db = await DuckDBInstance.create(":memory:");
const c = await db.connect();
await c.run("SET TimeZone = 'UTC'");
const one = async (sql) => (await c.runAndReadAll(sql)).getRows()[0][0];
for (const dir of process.argv.slice(2)) {
  const before = failures;
  const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  let tables = 0, rows = 0;
  for (const [t, info] of Object.entries(m.tables)) {
    // Every table as one table, its partition folders as columns.
    // The partition types are given: a table whose rows all lack a time
    // has only the null day, which DuckDB cannot infer a type from.
    const keys = [["date", "DATE"], ["host", "VARCHAR"]].filter(([k]) => info.files.some((f) => f.path.includes(`/${k}=`)));
    const types = keys.length ? `, hive_types = {${keys.map(([k, v]) => `'${k}': ${v}`).join(", ")}}` : "";
    const files = `read_parquet('${join(dir, t)}/**/*.parquet', hive_partitioning = true${types})`;
    // Every value decoded: a hash over all columns of every row.
    const r = await c.runAndReadAll(`SELECT count(*) AS n, sum(hash(COLUMNS(*))) AS h FROM ${files}`);
    const n = Number(r.getRows()[0][0]);
    check(n === info.rows, `${dir} ${t}: DuckDB counts ${n} rows; the manifest says ${info.rows}`);
    const d = await c.runAndReadAll(`DESCRIBE SELECT * FROM ${files}`);
    const doc = docs[t];
    check(doc, `${t}: not in docs/schema.md`);
    const cols = Object.fromEntries(d.getRows().map(([name, type]) => [name, type]));
    // Partition folders hold what the rows say: the UTC day of ts (rows
    // without one go with the row before them) and the host column as it
    // is in the files (DuckDB decodes the folder's %XX escapes).
    if (cols.date) {
      check(cols.date === "DATE", `${dir} ${t}: partition date reads as ${cols.date}`);
      const wrong = Number(await one(`SELECT count(*) FROM ${files} WHERE ts IS NOT NULL AND date IS DISTINCT FROM CAST(ts AS DATE)`));
      check(wrong === 0, `${dir} ${t}: ${wrong} rows in the folder of another day`);
    }
    if (cols.host) {
      const raw = `read_parquet('${join(dir, t)}/**/*.parquet', hive_partitioning = false, filename = true)`;
      const folder = `CASE WHEN regexp_extract(filename, '/host=([^/]*)/', 1) = '__HIVE_DEFAULT_PARTITION__' THEN NULL
        ELSE url_decode(regexp_extract(filename, '/host=([^/]*)/', 1)) END`;
      const wrong = Number(await one(`SELECT count(*) FROM ${raw} WHERE CAST(host AS VARCHAR) IS DISTINCT FROM ${folder}`));
      check(wrong === 0, `${dir} ${t}: ${wrong} rows whose host is not their folder's`);
    }
    for (const [name, type] of d.getRows()) {
      if (!doc) break;
      if (name === "date" || name === "host" && !doc.columns[name]) continue; // partition folders, documented in prose
      // "young_*" documents young_before, young_after, …
      const accepted = doc.columns[name] ||
        Object.entries(doc.columns).find(([k]) => k.endsWith("*") && name.startsWith(k.slice(0, -1)))?.[1];
      if (accepted) {
        check(accepted.includes(type), `${t}.${name}: DuckDB reads ${type}; docs/schema.md says ${accepted.join(" or ")}`);
      } else {
        // The REST tables list their columns in prose.
        const stem = name.replace(/^ts_.*/, "ts_<state>").replace(/^checkpoints_.*/, "checkpoints_total");
        check(doc.prose.includes(stem) || doc.prose.includes(name), `${t}.${name} (${type}) is not documented in docs/schema.md`);
      }
    }
    // The columns a query filters on carry min/max in every row group,
    // for DuckDB to skip row groups by.
    if (t === "logs") {
      const meta = `parquet_metadata('${join(dir, t)}/**/*.parquet')`;
      for (const col of ["level", "logger", "ts"]) {
        // (A row group whose values are all null has none to give.)
        const [groups, withStats] = (await c.runAndReadAll(`SELECT count(*), count(stats_min_value)
          FROM ${meta} WHERE path_in_schema = '${col}' AND coalesce(stats_null_count, 0) < num_values`)).getRows()[0].map(Number);
        check(groups > 0 && withStats === groups, `${dir} logs.${col}: min/max in ${withStats} of the ${groups} row groups with values`);
      }
      // Bloom filters on level: DuckDB rules out every row group with
      // levels for one no line has (NOTICE lies between DEBUG and WARN,
      // where min/max keep it), and none that holds the level it probes.
      const files = `'${join(dir, t)}/**/*.parquet'`;
      const [probed, excluded] = (await c.runAndReadAll(`SELECT count(*), count(*) FILTER (WHERE bloom_filter_excludes)
        FROM parquet_bloom_probe(${files}, 'level', 'NOTICE') p JOIN ${meta} m
          ON m.file_name = p.file_name AND m.row_group_id = p.row_group_id AND m.path_in_schema = 'level'
        WHERE coalesce(m.stats_null_count, 0) < m.num_values`)).getRows()[0].map(Number);
      check(probed > 0 && excluded === probed, `${dir} logs.level: the bloom filters rule out NOTICE in ${excluded} of ${probed} row groups with levels`);
      const wrong = Number((await c.runAndReadAll(`SELECT count(*) FROM parquet_bloom_probe(${files}, 'level', 'INFO') p
        WHERE bloom_filter_excludes AND EXISTS (SELECT 1 FROM read_parquet(${files}, filename = true) l WHERE l.filename = p.file_name AND l.level = 'INFO')`)).getRows()[0][0]);
      check(wrong === 0, `${dir} logs.level: the bloom filters rule out INFO in ${wrong} files that hold it`);
    }
    tables++;
    rows += n;
  }
  if (failures === before) console.log(`ok   ${dir}: DuckDB read ${tables} tables, ${rows} rows, every value, the documented types`);
}
if (failures) {
  console.log(`${failures} DuckDB check(s) failed`);
  process.exit(1);
}
