// A fleet on one machine: many small hosts behind the ALB model (fleet-scale.test.ts, bench/fleet.ts).
// The config deploys a locally built jar (one build for the fleet, not one per host: the point is
// the orchestration), with the small app's heap, through the sandbox's ELBv2 endpoint; and a
// sampler that reads every node's own view of its targets once a second.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { albNodeViews } from '../../scripts/sandbox/alb.ts';
import { ELBV2, SANDBOX_DIR } from '../../scripts/sandbox/contract.ts';
import { smallApp } from '../../scripts/sandbox/hosts.ts';
import type { SandboxState } from '../../scripts/sandbox/state.ts';
import type { UpOptions } from '../../scripts/sandbox/up.ts';
import { appSourceCopy, DEREGISTER, sandboxConfig } from '../helpers/deploy-sandbox.ts';

export const FLEET_HEAP_MB = 16;

export function fleetUp(hosts: number, seed = 21): UpOptions {
  return {
    hosts,
    lb: 'alb',
    albNodes: 3,
    healthCheck: { intervalSeconds: 1, timeoutSeconds: 0.5, unhealthyThreshold: 2, healthyThreshold: 2 },
    propagation: { minSeconds: 1, maxSeconds: 3, seed },
    deregistrationDelaySeconds: 30,
    heapMb: FLEET_HEAP_MB,
  };
}

/** The env the CLI needs: the sandbox's AWS credentials, and the precompiled FakeGradle for the local build. */
export const fleetEnv = {
  AWS_ACCESS_KEY_ID: 'AKIDSANDBOX',
  AWS_SECRET_ACCESS_KEY: 'sandbox',
  AWS_REGION: ELBV2.region,
  FAKE_GRADLE_CP: join(SANDBOX_DIR, 'tools'),
};

/**
 * The small app, refusing to start on a host whose name is in a `FAIL_ON_<host>` file of the release
 * (fault injection through the source: only the release that carries the file fails, so the
 * restore of the previous one, recorded with the same command, starts as before).
 */
export function failableStart(): { command: string; env: Record<string, string>; bootSeconds: number } {
  const app = smallApp(FLEET_HEAP_MB);
  const check = `if [ -e "FAIL_ON_$(hostname)" ]; then echo "injected: FAIL_ON_$(hostname)" >&2; exit 1; fi`;
  return { command: `sh -c '${check}; exec ${app.command}'`, env: app.env, bootSeconds: 2 };
}

/** A source directory for one deploy; `failOn` hosts refuse to start its release. */
export function fleetSource(failOn: string[] = []): string {
  const dir = appSourceCopy();
  for (const host of failOn) writeFileSync(join(dir, `FAIL_ON_${host}`), 'injected\n');
  return dir;
}

export function fleetConfig(
  state: SandboxState,
  o: { source: string; rollout: Record<string, unknown>; hosts?: number },
): { dir: string; file: string } {
  return sandboxConfig(state, {
    source: o.source,
    ...(o.hosts ? { hosts: o.hosts } : {}),
    app: {
      build: {
        where: 'local',
        command: 'BUILD_SECONDS=0 BUILD_MB=0 sh build.sh',
        artifact: 'build/app.jar',
        estimateSeconds: 3,
      },
      start: failableStart(),
    },
    extra: { ...DEREGISTER.extra, rollout: o.rollout },
  });
}

/** One look: per ALB node, the hosts it would route a new request to (checked UP, not drained). */
export type FloorSample = { at: number; byNode: Record<string, string[]> };

/**
 * Reads every node's view of the app's targets once a second (the load balancer's own view, not
 * the API's aggregate) until stopped.
 */
export function sampleFloor(state: SandboxState): { stop(): Promise<FloorSample[]> } {
  const nodes = state.alb?.nodes ?? [];
  const samples: FloorSample[] = [];
  let running = true;
  const t0 = Date.now();
  const loop = (async () => {
    for (let k = 1; running; k++) {
      const at = Date.now();
      const views = await albNodeViews(nodes);
      samples.push({
        at,
        byNode: Object.fromEntries(
          views.map((v) => [
            v.node,
            v.targets.filter((t) => /^h\d+$/.test(t.server) && t.op === 'UP').map((t) => t.server),
          ]),
        ),
      });
      // On a fixed schedule: a slow look (a loaded machine) does not push the next ones back.
      await new Promise((r) => setTimeout(r, Math.max(0, t0 + k * 1000 - Date.now())));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** The fewest targets any node would route to, over the samples. */
export const lowestFloor = (samples: FloorSample[]): number =>
  Math.min(...samples.flatMap((s) => Object.values(s.byNode).map((up) => up.length)));
