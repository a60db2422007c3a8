// The five ELBv2 actions, on top of the target state machine and an HAProxy runtime (injected: testable).

import { listenerActions } from './listener-actions.ts';
import {
  ApiError,
  type Elbv2EndpointOptions,
  invalidTarget,
  loadBalancerArn,
  targetGroupAttributes,
  targetGroupNotFound,
  targetGroupXml,
  validationError,
} from './model.ts';
import { type QueryObject, str, strList, structList } from './query.ts';
import type { FixedResponse } from './rules.ts';
import type { RuntimeCommand, ServerView, TargetRecord } from './state.ts';
import * as machine from './state.ts';
import type { XmlValue } from './xml.ts';

/** What the emulator needs from HAProxy (server.ts binds it to the runtime socket). */
export type Runtime = {
  servers(): Promise<Map<string, ServerView>>;
  adminStates(): Promise<Map<string, 'ready' | 'drain' | 'maint'>>;
  apply(server: string, command: RuntimeCommand): Promise<void>;
  /** Puts the listener's fixed response in effect on every HAProxy (undefined: forward to the targets). */
  fixedResponse?(fixed: FixedResponse | undefined): Promise<void>;
};

export type Emulator = {
  /** Runs one action; throws ApiError for AWS errors. */
  handle(action: string, params: QueryObject): Promise<Record<string, XmlValue>>;
  /** Ends deregistration delays that have run out and notes fresh targets HAProxy put UP. */
  tick(): Promise<void>;
  records(): TargetRecord[];
};

export const targetKey = (id: string, port: number) => `${id}:${port}`;

export async function createEmulator(
  opts: Pick<Elbv2EndpointOptions, 'targetGroup' | 'targets'>,
  runtime: Runtime,
  now: () => number = Date.now,
): Promise<Emulator> {
  const tg = opts.targetGroup;
  const admin = await runtime.adminStates();
  const missing = opts.targets.filter((t) => !admin.has(t.server)).map((t) => t.server);
  if (missing.length > 0) throw new Error(`HAProxy backend has no server(s): ${missing.join(', ')}`);
  // One record per (instance, port): AWS registers the same instance on several ports as separate targets.
  const records = new Map(
    opts.targets.map((t) => [
      targetKey(t.id, t.port),
      machine.fromAdminState(t, admin.get(t.server)!, now()),
    ]),
  );
  const ids = new Set(opts.targets.map((t) => t.id));

  // One change at a time: HAProxy commands are async, the records must not interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const step = async (record: TargetRecord, transition: machine.Transition) => {
    if (transition.command) await runtime.apply(record.server, transition.command);
    records.set(targetKey(record.id, record.port), transition.record);
  };

  const expireAll = async () => {
    const delayMs = tg.deregistrationDelaySeconds * 1000;
    for (const record of records.values()) await step(record, machine.expire(record, now(), delayMs));
  };

  const requireGroup = (params: QueryObject): void => {
    const arn = str(params, 'TargetGroupArn');
    if (!arn)
      throw validationError(
        "1 validation error detected: Value null at 'targetGroupArn' failed to satisfy constraint: Member must not be null",
      );
    if (arn !== tg.arn) throw targetGroupNotFound();
  };

  /** Targets.member.N.{Id,Port}, checked: ids this group knows, ports in range. */
  const requestedTargets = (
    params: QueryObject,
    required: boolean,
  ): { id: string; port?: number }[] | undefined => {
    const list = structList(params, 'Targets');
    if (list === undefined || list.length === 0) {
      if (required)
        throw validationError(
          "1 validation error detected: Value null at 'targets' failed to satisfy constraint: Member must not be null",
        );
      return undefined;
    }
    const targets = list.map((t, i) => {
      const id = str(t, 'Id');
      if (!id) throw validationError(`Target ${i + 1}: Id is required`);
      const portText = str(t, 'Port');
      const port = portText === undefined ? undefined : Number(portText);
      if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
        throw validationError(`Target ${id}: Port must be 1..65535`);
      }
      return { id, port };
    });
    const unknown = targets.filter((t) => !ids.has(t.id)).map((t) => t.id);
    if (unknown.length > 0) throw invalidTarget(unknown);
    return targets;
  };

  /** The health-check port is `traffic-port`: each (instance, port) target is checked on its own port. */
  const describeOne = (
    id: string,
    port: number,
    servers: Map<string, ServerView>,
  ): Record<string, XmlValue> => {
    const record = records.get(targetKey(id, port));
    return {
      Target: { Id: id, Port: port },
      HealthCheckPort: String(port),
      TargetHealth: record
        ? machine.targetHealth(record, servers.get(record.server), now(), {
            intervalSeconds: tg.healthCheck.intervalSeconds,
            timeoutSeconds: tg.healthCheck.timeoutSeconds,
            unhealthyThreshold: tg.healthCheck.unhealthyThreshold,
          })
        : machine.NOT_REGISTERED, // a port the sandbox has no server for: never registered
    };
  };

  /** Id without Port: every target of that instance still registered or draining, else its first (unused). */
  const portsToDescribe = (t: { id: string; port?: number }): number[] => {
    if (t.port !== undefined) return [t.port];
    const mine = [...records.values()].filter((r) => r.id === t.id);
    const live = mine.filter((r) => r.phase !== 'unused').map((r) => r.port);
    return live.length > 0 ? live : [mine[0]!.port];
  };

  const observeAll = (servers: Map<string, ServerView>) => {
    for (const [key, record] of records)
      records.set(key, machine.observe(record, servers.get(record.server)));
  };

  // Rules are in memory: a (re)started endpoint has none, so HAProxy is told so first.
  const applyFixed = async (fixed: FixedResponse | undefined) => {
    if (!runtime.fixedResponse)
      throw new ApiError(
        500,
        'InternalFailure',
        'emulator: this HAProxy has no fixed-response map',
        'Receiver',
      );
    await runtime.fixedResponse(fixed);
  };
  await runtime.fixedResponse?.(undefined);
  const listener = listenerActions(tg, applyFixed);

  const actions: Record<string, (params: QueryObject) => Promise<Record<string, XmlValue>>> = {
    ...listener.actions,
    async DescribeTargetGroups(params) {
      const names = strList(params, 'Names');
      const arns = strList(params, 'TargetGroupArns');
      const lb = str(params, 'LoadBalancerArn');
      if ([names, arns, lb].filter((f) => f !== undefined).length > 1) {
        throw validationError('Only one of LoadBalancerArn, TargetGroupArns, or Names can be specified');
      }
      const pageSize = str(params, 'PageSize');
      if (pageSize !== undefined && !/^([1-9]\d?|[1-3]\d\d|400)$/.test(pageSize)) {
        throw validationError('PageSize must be 1..400');
      }
      if (names?.some((n) => n !== tg.name) || arns?.some((a) => a !== tg.arn)) throw targetGroupNotFound();
      if (lb !== undefined && lb !== loadBalancerArn(tg)) {
        throw new ApiError(400, 'LoadBalancerNotFound', 'One or more load balancers not found');
      }
      return { TargetGroups: [targetGroupXml(tg)] }; // one group: whatever matched is this one
    },

    async DescribeTargetGroupAttributes(params) {
      requireGroup(params);
      return { Attributes: targetGroupAttributes(tg) };
    },

    async DescribeTargetHealth(params) {
      requireGroup(params);
      const wanted = requestedTargets(params, false);
      await expireAll();
      let servers: Map<string, ServerView>;
      try {
        servers = await runtime.servers();
      } catch (error) {
        throw new ApiError(
          500,
          'HealthUnavailable',
          `HAProxy runtime API: ${(error as Error).message}`,
          'Receiver',
        );
      }
      observeAll(servers);
      const include = strList(params, 'Include') ?? [];
      const anomaly = include.includes('AnomalyDetection') || include.includes('All');
      const describe = (id: string, port: number) => ({
        ...describeOne(id, port, servers),
        ...(anomaly ? { AnomalyDetection: { Result: 'normal', MitigationInEffect: 'no' } } : {}),
      });
      const list = wanted
        ? wanted.flatMap((t) => portsToDescribe(t).map((port) => describe(t.id, port)))
        : [...records.values()].filter((r) => r.phase !== 'unused').map((r) => describe(r.id, r.port));
      return { TargetHealthDescriptions: list };
    },

    async RegisterTargets(params) {
      requireGroup(params);
      const wanted = requestedTargets(params, true)!;
      const known = opts.targets;
      for (const t of wanted) {
        const port = t.port ?? tg.port;
        if (!records.has(targetKey(t.id, port))) {
          const ports = known.filter((k) => k.id === t.id).map((k) => k.port);
          throw validationError(
            `emulator: target ${t.id} can only be registered on port ${ports.join(' or ')} (the ports it has HAProxy servers for), not ${port}`,
          );
        }
      }
      for (const t of wanted) {
        const record = records.get(targetKey(t.id, t.port ?? tg.port))!;
        await step(record, machine.register(record, now()));
      }
      return {};
    },

    async DeregisterTargets(params) {
      requireGroup(params);
      for (const t of requestedTargets(params, true)!) {
        const record = records.get(targetKey(t.id, t.port ?? tg.port));
        // A port never registered names no target: 200 and nothing happens, as on AWS.
        if (record) await step(record, machine.deregister(record, now()));
      }
      return {};
    },
  };

  return {
    handle(action, params) {
      const run = Object.hasOwn(actions, action) ? actions[action] : undefined;
      if (!run)
        return Promise.reject(
          new ApiError(
            400,
            'InvalidAction',
            `The action ${action || '(none)'} is not valid for this web service.`,
          ),
        );
      return serialized(() => run(params));
    },
    tick() {
      return serialized(async () => {
        await expireAll();
        if (![...records.values()].some((r) => r.fresh)) return;
        observeAll(await runtime.servers());
      });
    },
    records: () => [...records.values()],
  };
}
