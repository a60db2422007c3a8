// The five ELBv2 actions, on top of the target state machine and an HAProxy runtime (injected: testable).
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
import type { RuntimeCommand, ServerView, TargetRecord } from './state.ts';
import * as machine from './state.ts';
import type { XmlValue } from './xml.ts';

/** What the emulator needs from HAProxy (server.ts binds it to the runtime socket). */
export type Runtime = {
  servers(): Promise<Map<string, ServerView>>;
  adminStates(): Promise<Map<string, 'ready' | 'drain' | 'maint'>>;
  apply(server: string, command: RuntimeCommand): Promise<void>;
};

export type Emulator = {
  /** Runs one action; throws ApiError for AWS errors. */
  handle(action: string, params: QueryObject): Promise<Record<string, XmlValue>>;
  /** Ends deregistration delays that have run out and notes fresh targets HAProxy put UP. */
  tick(): Promise<void>;
  records(): TargetRecord[];
};

export async function createEmulator(
  opts: Pick<Elbv2EndpointOptions, 'targetGroup' | 'targets'>,
  runtime: Runtime,
  now: () => number = Date.now,
): Promise<Emulator> {
  const tg = opts.targetGroup;
  const admin = await runtime.adminStates();
  const missing = opts.targets.filter((t) => !admin.has(t.server)).map((t) => t.server);
  if (missing.length > 0) throw new Error(`HAProxy backend has no server(s): ${missing.join(', ')}`);
  const records = new Map(
    opts.targets.map((t) => [t.id, machine.fromAdminState(t, admin.get(t.server)!, now())]),
  );

  // One change at a time: HAProxy commands are async, the records must not interleave.
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  };

  const step = async (record: TargetRecord, transition: machine.Transition) => {
    if (transition.command) await runtime.apply(record.server, transition.command);
    records.set(record.id, transition.record);
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
    const unknown = targets.filter((t) => !records.has(t.id)).map((t) => t.id);
    if (unknown.length > 0) throw invalidTarget(unknown);
    return targets;
  };

  const describeOne = (
    record: TargetRecord,
    view: ServerView | undefined,
    port: number,
  ): Record<string, XmlValue> => ({
    Target: { Id: record.id, Port: port },
    HealthCheckPort: String(port),
    TargetHealth:
      port === record.port
        ? machine.targetHealth(record, view, now(), {
            intervalSeconds: tg.healthCheck.intervalSeconds,
            timeoutSeconds: tg.healthCheck.timeoutSeconds,
            unhealthyThreshold: tg.healthCheck.unhealthyThreshold,
          })
        : machine.NOT_REGISTERED, // same instance, another port: a different, unregistered target
  });

  const actions: Record<string, (params: QueryObject) => Promise<Record<string, XmlValue>>> = {
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
      for (const record of records.values())
        records.set(record.id, machine.observe(record, servers.get(record.server)));
      const include = strList(params, 'Include') ?? [];
      const anomaly = include.includes('AnomalyDetection') || include.includes('All');
      const describe = (record: TargetRecord, port: number) => ({
        ...describeOne(record, servers.get(record.server), port),
        ...(anomaly ? { AnomalyDetection: { Result: 'normal', MitigationInEffect: 'no' } } : {}),
      });
      const list = wanted
        ? wanted.map((t) => describe(records.get(t.id)!, t.port ?? records.get(t.id)!.port))
        : [...records.values()].filter((r) => r.phase !== 'unused').map((r) => describe(r, r.port));
      return { TargetHealthDescriptions: list };
    },

    async RegisterTargets(params) {
      requireGroup(params);
      const wanted = requestedTargets(params, true)!;
      for (const t of wanted) {
        const record = records.get(t.id)!;
        const port = t.port ?? tg.port;
        if (port !== record.port) {
          throw validationError(
            `emulator: target ${t.id} can only be registered on port ${record.port} (HAProxy server ${record.server}), not ${port}`,
          );
        }
      }
      for (const t of wanted) {
        const record = records.get(t.id)!;
        await step(record, machine.register(record, now()));
      }
      return {};
    },

    async DeregisterTargets(params) {
      requireGroup(params);
      for (const t of requestedTargets(params, true)!) {
        const record = records.get(t.id)!;
        // A port that is not the registered one names another target: 200 and nothing happens, as on AWS.
        if ((t.port ?? tg.port) !== record.port) continue;
        await step(record, machine.deregister(record, now()));
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
        const servers = await runtime.servers();
        for (const record of records.values())
          records.set(record.id, machine.observe(record, servers.get(record.server)));
      });
    },
    records: () => [...records.values()],
  };
}
