// node --import this file: at exit, writes the process's CPU time (user + system, all threads, in
// ms, microsecond resolution) to the file named by HANDOFF_CPU_OUT. CPU time, unlike wall time,
// hardly moves when other processes load the machine.
import { writeFileSync } from 'node:fs';

const out = process.env.HANDOFF_CPU_OUT;
if (out)
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(out, String((user + system) / 1000));
  });
