// node --import this file: at exit, writes the process's own CPU time (user + system, ms) and peak
// RSS (KiB) as JSON to the file named by HANDOFF_USAGE_OUT. Its own, not its children's: /usr/bin/time
// would add what the CLI ran here (a local build's JVM, tar) and report the largest child's RSS.
import { writeFileSync } from 'node:fs';

const out = process.env.HANDOFF_USAGE_OUT;
if (out)
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(
      out,
      JSON.stringify({ cpuMs: (user + system) / 1000, maxRssKb: process.resourceUsage().maxRSS }),
    );
  });
