// Runs the ELBv2 endpoint as a process of its own: node scripts/sandbox/elbv2/main.ts --config <json file>
// The JSON file holds the options of startElbv2Endpoint. Prints one line "listening <url>" on stdout when ready,
// stops cleanly on SIGTERM/SIGINT.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Elbv2EndpointOptions } from './model.ts';
import { startElbv2Endpoint } from './server.ts';

const { values } = parseArgs({ options: { config: { type: 'string' } } });
if (!values.config) {
  process.stderr.write('usage: node scripts/sandbox/elbv2/main.ts --config <json file>\n');
  process.exit(2);
}

let endpoint: Awaited<ReturnType<typeof startElbv2Endpoint>>;
try {
  const opts = JSON.parse(await readFile(values.config, 'utf8')) as Elbv2EndpointOptions;
  endpoint = await startElbv2Endpoint(opts);
  process.stdout.write(`listening http://${opts.host ?? '127.0.0.1'}:${endpoint.port} pid ${process.pid}\n`);
} catch (error) {
  process.stderr.write(`elbv2 endpoint: ${(error as Error).message}\n`);
  process.exit(1);
}

const stop = (signal: string) => {
  process.stderr.write(`[elbv2] ${signal}: stopping\n`);
  endpoint.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', () => stop('SIGTERM'));
process.once('SIGINT', () => stop('SIGINT'));
