// `deploy rollback [--to RELEASE] [--dry-run]`: the pipeline (pipeline.ts) with a release already on
// the hosts: the one before the current release, or any from `deploy history`; the same engine and
// steps, without upload and build. The release is checked on every selected host first (read only).
import type { DeployConfig, StaticHost } from '../../config/schema.ts';
import * as c from '../../remote/commands.ts';
import { layout } from '../../remote/layout.ts';
import type { Io } from '../io.ts';
import { connectHost } from './connect.ts';
import { parseHistory } from './hosts-info.ts';
import { runPipeline } from './pipeline.ts';
import { type HostReleases, rollbackTarget } from './rollback-target.ts';

export async function rollbackCommand(values: Record<string, unknown>, io: Io): Promise<number> {
  return runPipeline('rollback', values, io, async ({ config, hosts }) => {
    const held = await Promise.all(hosts.map((host) => releasesOn(config, host, io)));
    const target = rollbackTarget(held, values.to as string | undefined);
    return {
      releaseId: target,
      question: `Roll ${config.app.name} back to release ${target} on ${hosts.map((h) => h.name).join(', ')}, one host at a time?`,
      upload: async () => 'kept',
    };
  });
}

/** What a host holds: its current release, its release directories and its history. */
async function releasesOn(config: DeployConfig, host: StaticHost, io: Io): Promise<HostReleases> {
  const exec = await connectHost(config, host, io.cwd);
  try {
    const l = layout(config.app.dir);
    const state = (await exec.run(c.readState(l))).stdout;
    const history = parseHistory((await exec.run(c.readHistory(l))).stdout, host.name, (m) =>
      io.stderr.write(`warning: ${m}\n`),
    );
    return {
      name: host.name,
      current: /^current=(.+)$/m.exec(state)?.[1],
      releases: [...state.matchAll(/^release=(.+)$/gm)].map((m) => m[1]!),
      history,
    };
  } finally {
    await exec.close();
  }
}
