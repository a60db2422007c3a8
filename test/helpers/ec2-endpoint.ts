// A local endpoint that speaks EC2's Query protocol for DescribeInstances, so hosts.discover runs
// through the real SDK client (AWS_ENDPOINT_URL_EC2 points it here): filters by state and tags as
// EC2 does, answers in EC2's XML, and records every request it got. Never real AWS.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeInstance = {
  id: string;
  privateIp: string;
  state?: string;
  tags: Record<string, string>;
};

export type Ec2Endpoint = {
  url: string;
  /** The env that sends the CLI's EC2 calls here, with dummy credentials and region. */
  env: NodeJS.ProcessEnv;
  requests: URLSearchParams[];
  close: () => Promise<void>;
};

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Filter.N.Name / Filter.N.Value.M -> name -> values. */
function filters(form: URLSearchParams): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of form) {
    const m = /^Filter\.(\d+)\.Name$/.exec(k);
    if (!m) continue;
    const values = [...form].filter(([kk]) => kk.startsWith(`Filter.${m[1]}.Value.`)).map(([, vv]) => vv);
    out.set(v, values);
  }
  return out;
}

function matches(i: FakeInstance, f: Map<string, string[]>): boolean {
  for (const [name, values] of f) {
    const actual =
      name === 'instance-state-name' ? (i.state ?? 'running') : i.tags[name.replace(/^tag:/, '')];
    if (actual === undefined || !values.includes(actual)) return false;
  }
  return true;
}

function describeInstances(list: FakeInstance[]): string {
  const items = list
    .map(
      (i) =>
        `<item><reservationId>r-${i.id}</reservationId><ownerId>000000000000</ownerId><instancesSet><item>` +
        `<instanceId>${esc(i.id)}</instanceId><instanceState><code>16</code><name>${esc(i.state ?? 'running')}</name></instanceState>` +
        `<privateIpAddress>${esc(i.privateIp)}</privateIpAddress><tagSet>${Object.entries(i.tags)
          .map(([k, v]) => `<item><key>${esc(k)}</key><value>${esc(v)}</value></item>`)
          .join('')}</tagSet></item></instancesSet></item>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId><reservationSet>${items}</reservationSet></DescribeInstancesResponse>`;
}

export async function startEc2Endpoint(instances: FakeInstance[]): Promise<Ec2Endpoint> {
  const requests: URLSearchParams[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      requests.push(form);
      if (form.get('Action') !== 'DescribeInstances') {
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end(
          `<Response><Errors><Error><Code>InvalidAction</Code><Message>not emulated</Message></Error></Errors><RequestID>x</RequestID></Response>`,
        );
        return;
      }
      const f = filters(form);
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(describeInstances(instances.filter((i) => matches(i, f))));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    env: {
      AWS_ENDPOINT_URL_EC2: url,
      AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
