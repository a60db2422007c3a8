// Systems Manager for a running sandbox: the endpoint (API on 127.0.0.1, agents' channel on the
// bridge address, which is all a host can reach) and one agent inside each host.
import { BRIDGE_IP, SSM } from '../contract.ts';
import type { SandboxState } from '../state.ts';
import { type AgentProc, startAgent, stopAgent, waitOnline } from './agents.ts';
import { type SsmEndpoint, type SsmEndpointOptions, startSsmEndpoint } from './server.ts';

export type SsmSandbox = {
  endpoint: SsmEndpoint;
  agents: AgentProc[];
  /** Host name → instance ID, what a config's `instanceId` holds. */
  instances: Record<string, string>;
  stop(): Promise<void>;
};

export async function startSsmSandbox(
  state: SandboxState,
  opts: Partial<SsmEndpointOptions> = {},
): Promise<SsmSandbox> {
  const endpoint = await startSsmEndpoint({ port: SSM.port, agentHost: BRIDGE_IP, ...opts });
  const agents: AgentProc[] = [];
  const stop = async () => {
    await Promise.all(agents.map(stopAgent));
    await endpoint.close();
  };
  try {
    for (const h of state.hosts) agents.push(await startAgent(h, endpoint.agentUrl));
    await waitOnline((id) => endpoint.model.knows(id), agents);
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint, agents, instances: Object.fromEntries(agents.map((a) => [a.host, a.instanceId])), stop };
}
