// What DuckDB skips in a dataset flinkdx wrote: for the filters an analyst
// types first (a level on one host, one job, ten minutes), how many of the
// logs' row groups each filter leaves to read, by partition folder, by
// row-group min/max and by bloom filter, and what EXPLAIN ANALYZE says.
// Run by `make bench-prune` on the fleet dataset (DIR as the argument).
import { DuckDBInstance } from "@duckdb/node-api";

const dir = process.argv[2];
const db = await DuckDBInstance.create(":memory:");
const c = await db.connect();
const rows = async (sql) => (await c.runAndReadAll(sql)).getRowObjects();
const one = async (sql) => Object.values((await rows(sql))[0]).map((v) => (typeof v === "bigint" ? Number(v) : v));
const files = `'${dir}/logs/**/*.parquet'`;
const meta = `parquet_metadata(${files})`;

const [total] = await one(`SELECT count(DISTINCT (file_name, row_group_id)) FROM ${meta}`);
const [allFiles] = await one(`SELECT count(DISTINCT file_name) FROM ${meta}`);
console.log(`logs: ${allFiles} files, ${total} row groups`);

// Row groups a reader must decode for column = value within the files the
// folder filter leaves: those whose min/max admit the value, and of those
// the ones whose bloom filter does not rule it out.
async function left(what, folder, column, value) {
  const where = folder ? `file_name LIKE '%${folder}%'` : "true";
  const [rgs, nfiles] = await one(`SELECT count(DISTINCT (file_name, row_group_id)), count(DISTINCT file_name) FROM ${meta} WHERE ${where}`);
  const [byStats] = await one(`SELECT count(*) FROM ${meta} WHERE ${where} AND path_in_schema = '${column}'
    AND stats_null_count < row_group_num_rows AND (stats_min_value IS NULL OR (stats_min_value <= '${value}' AND stats_max_value >= '${value}'))`);
  const [probed, excluded] = await one(`SELECT count(*), count(*) FILTER (WHERE bloom_filter_excludes)
    FROM parquet_bloom_probe(${files}, '${column}', '${value}') p
    JOIN ${meta} m ON m.file_name = p.file_name AND m.row_group_id = p.row_group_id AND m.path_in_schema = '${column}'
    WHERE ${where.replaceAll("file_name", "p.file_name")}
      AND m.stats_null_count < m.row_group_num_rows AND (m.stats_min_value IS NULL OR (m.stats_min_value <= '${value}' AND m.stats_max_value >= '${value}'))`);
  console.log(`${what}: folders leave ${nfiles} files, ${rgs} row groups; min/max leave ${byStats}; bloom filters leave ${byStats - excluded} (of ${total})`);
}

await left(`level = 'ERROR' AND host = 'tm-05'`, "host=tm-05/", "level", "ERROR");
const job = await rows(`SELECT job_id FROM read_parquet(${files}) WHERE job_id IS NOT NULL GROUP BY 1 ORDER BY count(*) LIMIT 1`);
if (job.length) await left(`job_id = '${job[0].job_id}' (its rarest)`, "", "job_id", job[0].job_id);

const [from] = await one(`SELECT min(ts) + (max(ts) - min(ts)) / 2 FROM read_parquet(${files})`);
const lo = new Date(from).toISOString().replace("T", " ").slice(0, 19);
const [win] = await one(`SELECT count(*) FROM ${meta} WHERE path_in_schema = 'ts'
  AND stats_min_value <= (TIMESTAMPTZ '${lo}+00' + INTERVAL 10 MINUTE)::VARCHAR AND stats_max_value >= '${lo}+00'`);
console.log(`ts in the 10 minutes from ${lo}Z: min/max leave ${win} of ${total} row groups`);

const plan = await rows(`EXPLAIN ANALYZE SELECT count(*) FROM read_parquet(${files}, hive_partitioning = true) WHERE level = 'ERROR' AND host = 'tm-05'`);
const text = String(Object.values(plan[0])[1]);
const scanning = text.match(/Scanning Files:[\s│]*([0-9]+\/[0-9]+)/);
const time = text.match(/Total Time: ([0-9.]+s)/);
console.log(`EXPLAIN ANALYZE level = 'ERROR' AND host = 'tm-05': scanning files ${scanning ? scanning[1] : "?"}, total time ${time ? time[1] : "?"}`);
