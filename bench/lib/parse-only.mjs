// csv-parse alone over a file, streamed, with the options a2p-onboard's reader uses: the floor for ingest.
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

let rows = 0;
for await (const _ of createReadStream(process.argv[2]).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true, raw: true }))) {
  rows += 1;
}
process.stdout.write(`${JSON.stringify({ rows: rows - 1 })}\n`);
