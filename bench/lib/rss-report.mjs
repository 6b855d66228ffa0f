// Preloaded (node --import) into a measured child process: at exit, one JSON line on stderr
// with the process's peak resident set size and its lifetime, for the benchmark to read.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  writeSync(2, `\nA2P_BENCH_RSS ${JSON.stringify({ maxRssMb, ms: performance.now() })}\n`);
});
