// Deregister mode: how long each host stays drained with handoff (until the load balancer stopped
// routing and nothing is in flight) next to waiting for the API to say `unused` (what the SDK
// waiter does), with the same deregistration delay. Needs root. Usage: node bench/drain.ts [--delay 30]
import { parseArgs } from 'node:util';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ELBV2, FRONTEND } from '../scripts/sandbox/contract.ts';
import { sandboxDown } from '../scripts/sandbox/down.ts';
import { readState } from '../scripts/sandbox/state.ts';
import { isUp, sandboxUp } from '../scripts/sandbox/up.ts';
import { deregisterConfig, readReport, startCli, underLoad } from '../test/helpers/deploy-sandbox.ts';

const { values } = parseArgs({ options: { delay: { type: 'string', default: '30' } } });
const delay = Number(values.delay);
const env = { AWS_ACCESS_KEY_ID: 'AKIDSANDBOX', AWS_SECRET_ACCESS_KEY: 'sandbox', AWS_REGION: ELBV2.region };
Object.assign(process.env, env);
// A fresh sandbox: the deregistration delay is set when it comes up.
if (isUp(readState())) await sandboxDown();
const state = await sandboxUp({ hosts: 2, deregistrationDelaySeconds: delay });
try {
  const { dir } = deregisterConfig(state);
  const long = [{ url: `http://${FRONTEND.host}:${FRONTEND.port}/?ms=3000`, rate: 2 }];
  const { value, failed } = await underLoad(() => startCli(['run'], dir, env).done, long);
  if (value.code !== 0) throw new Error(`deploy failed:\n${value.stdout}\n${value.stderr}`);
  const handoff = readReport(dir).hosts.map((h) => h.drainSeconds!);

  // The waiter's way: deregister, then poll until `unused`.
  const client = new ElasticLoadBalancingV2Client({
    region: ELBV2.region,
    endpoint: `http://127.0.0.1:${ELBV2.port}`,
    maxAttempts: 1,
  });
  const target = { Id: state.hosts[0]!.instanceId, Port: 8080 };
  const t0 = performance.now();
  await client.send(
    new DeregisterTargetsCommand({ TargetGroupArn: ELBV2.targetGroupArn, Targets: [target] }),
  );
  for (;;) {
    const r = await client.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: ELBV2.targetGroupArn, Targets: [target] }),
    );
    if (r.TargetHealthDescriptions?.[0]?.TargetHealth?.State === 'unused') break;
    await new Promise((res) => setTimeout(res, 250));
  }
  const unused = (performance.now() - t0) / 1000;
  await client.send(new RegisterTargetsCommand({ TargetGroupArn: ELBV2.targetGroupArn, Targets: [target] }));
  console.log(`deregister mode, deregistration delay ${delay} s, load 40 req/s + 2 req/s of 3 s requests`);
  console.log('                       handoff   wait for unused   unused/handoff');
  handoff.forEach((h, i) => {
    console.log(
      `drained h${i + 1} s        ${h.toFixed(1).padStart(8)}   ${unused.toFixed(1).padStart(15)}   ${(unused / h).toFixed(1).padStart(14)}`,
    );
  });
  console.log(`failed requests during the handoff deploy: ${failed}`);
} finally {
  await sandboxDown();
}
