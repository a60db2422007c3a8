// A load balancer for engine tests, and what a host answers a port swap's preflight.
import type { ListenerPort, ListenerRule, LoadBalancerPort } from '../../src/ports.ts';
import type { Cmd } from '../../src/remote/shell.ts';

/** A target group (of instances, checked on the traffic port) where every target is healthy, except while deregistered. */
export function healthyLb(
  opts: { calls?: string[]; failRegister?: (t: { id: string; port?: number }) => boolean } = {},
): LoadBalancerPort {
  const out = new Set<string>();
  const key = (t: { id: string; port?: number }) => `${t.id}:${t.port ?? ''}`;
  return {
    describeTargetGroup: async (arn) => ({
      arn,
      name: 'tg',
      port: 8080,
      healthCheck: { intervalSeconds: 5, timeoutSeconds: 2, unhealthyThreshold: 2, healthyThreshold: 2 },
      healthCheckPath: '/health',
      deregistrationDelaySeconds: 30,
      targetType: 'instance',
      healthCheckPort: 'traffic-port',
    }),
    targetHealth: async (_arn, targets = [{ id: 'i-0a' }, { id: 'i-0b' }]) =>
      targets.map((t) => ({ ...t, state: out.has(key(t)) ? 'draining' : 'healthy' })),
    deregister: async (_arn, t) => {
      opts.calls?.push(`deregister ${key(t)}`);
      out.add(key(t));
    },
    register: async (_arn, t) => {
      opts.calls?.push(`register ${key(t)}`);
      if (opts.failRegister?.(t)) throw new Error(`RegisterTargets ${key(t)}: throttled`);
      out.delete(key(t));
    },
  };
}

/** A host whose app serves on the live port 8080 with its pair 8081 free (what a swap checks). */
export const swapHost = (_host: string, cmd: Cmd) =>
  cmd.kind === 'port.listeners' ? { stdout: '8080 4242\n' } : undefined;

/**
 * A listener whose rules live in memory, every call logged in `calls` ('CreateRule 1', 'DeleteRule
 * arn'); `failCreate: 'after'` creates the rule and loses the answer, `failDelete` refuses deletes.
 */
export function memoryListener(
  opts: { calls?: string[]; failCreate?: 'after'; failDelete?: boolean; rules?: ListenerRule[] } = {},
): ListenerPort & { rules: (arn: string) => Promise<ListenerRule[]>; now: () => ListenerRule[] } {
  let rules: ListenerRule[] = [...(opts.rules ?? [])];
  let n = 0;
  return {
    async createFixedResponseRule(_listener, priority, fixed) {
      opts.calls?.push(`CreateRule ${priority}`);
      if (rules.some((r) => r.priority === priority)) throw new Error('PriorityInUse');
      const arn = `arn:rule/${++n}`;
      rules.push({ arn, priority, fixed });
      if (opts.failCreate === 'after') throw new Error('socket hang up');
      return arn;
    },
    async deleteRule(arn) {
      opts.calls?.push(`DeleteRule ${arn}`);
      if (opts.failDelete) throw new Error('DeleteRule: ServiceUnavailable');
      rules = rules.filter((r) => r.arn !== arn);
    },
    rules: async () => [...rules],
    listenerLoadBalancer: async () => 'arn:lb/app/demo',
    now: () => [...rules],
  };
}

/** A target group whose only target is `id` (healthy, whatever is asked of it), calls logged. */
export function aloneLb(calls: string[], id = 'i-0a'): LoadBalancerPort {
  const lb = healthyLb({ calls });
  return { ...lb, targetHealth: async () => [{ id, state: 'healthy' }] };
}
