// An in-process SSH server (ssh2's own) behind a TCP proxy the test controls: the proxy counts
// connection attempts, can reset the first few, cut live connections with a TCP reset, or freeze
// them (packets stop, as when a host hangs or a network path drops), so the SSH executor meets
// real connection failures, not a mocked client.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { sshKeygen } from './ssh-keys.ts';

export type TestSshServer = {
  port: number;
  /** The server's public host key, as known_hosts writes it (`ssh-ed25519 AAAA...`). */
  hostKey: string;
  /** TCP connections the proxy accepted (attempts, including reset ones). */
  attempts: () => number;
  /** Reset the next n connections as soon as they arrive. */
  resetNext: (n: number) => void;
  /** Reset every live connection (the client reads ECONNRESET). */
  cut: () => void;
  /** Stop forwarding on every live connection without closing it. */
  freeze: () => void;
  close: () => Promise<void>;
  /** Where the server, as a jump host, was asked to forward (host:port), in order. */
  forwards: string[];
};

export type ServerOptions = {
  dir: string;
  /** Refuse every login. */
  refuseLogin?: boolean;
  /** Run any other command with `sh -c` on this machine (CLI tests that read files under a temp app.dir). */
  shell?: boolean;
  /** Act as a jump host: open the direct-tcpip channels clients ask for (ProxyJump), counted in `forwards`. */
  jump?: boolean;
};

/** Writes known_hosts (for this server), its host key (`host_key`) and a client key (`id_ed25519`) into dir. */
export async function startSshServer(opts: ServerOptions): Promise<TestSshServer> {
  const hostKey = sshKeygen(opts.dir, 'host_key');
  const forwards: string[] = [];
  const all: Socket[] = [];
  sshKeygen(opts.dir, 'id_ed25519');

  const ssh = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (!opts.refuseLogin && ctx.method === 'publickey') ctx.accept();
      else ctx.reject(['publickey']);
    });
    client.on('tcpip', (accept, reject, info) => {
      forwards.push(`${info.destIP}:${info.destPort}`);
      if (!opts.jump) return reject();
      const upstream = netConnect(info.destPort, info.destIP);
      let connected = false;
      upstream.on('error', () => {
        if (!connected) reject();
      });
      upstream.on('connect', () => {
        connected = true;
        const channel = accept();
        channel.pipe(upstream).pipe(channel);
        all.push(upstream);
      });
    });
    client.on('session', (accept) => {
      accept().on('exec', (acceptExec, _reject, info) => exec(acceptExec(), info.command, opts.shell));
    });
  });
  await listen(ssh as unknown as Server);
  const sshPort = ((ssh as unknown as Server).address() as { port: number }).port;

  let attempts = 0;
  let toReset = 0;
  const live: { client: Socket; upstream: Socket }[] = [];
  const proxy = createServer((client) => {
    attempts++;
    client.on('error', () => undefined);
    if (toReset > 0) {
      toReset--;
      client.resetAndDestroy();
      return;
    }
    const upstream = netConnect(sshPort, '127.0.0.1');
    upstream.on('error', () => undefined);
    client.pipe(upstream);
    upstream.pipe(client);
    live.push({ client, upstream });
    all.push(client, upstream);
  });
  await listen(proxy);
  const port = (proxy.address() as { port: number }).port;
  writeFileSync(join(opts.dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey.public}\n`);

  return {
    port,
    hostKey: hostKey.public,
    forwards,
    attempts: () => attempts,
    resetNext: (n) => {
      toReset = n;
    },
    cut: () => {
      for (const { client, upstream } of live.splice(0)) {
        client.resetAndDestroy();
        upstream.destroy();
      }
    },
    freeze: () => {
      for (const { client, upstream } of live.splice(0)) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    close: async () => {
      for (const socket of all) socket.destroy();
      await Promise.all([close(proxy), close(ssh as unknown as Server)]);
    },
  };
}

// A tiny command set: `echo WORDS` answers, `hang` never ends (until the connection does); with
// `shell`, anything else runs in `sh -c`.
function exec(stream: ssh2.ServerChannel, command: string, shell = false): void {
  const echo = /^'?echo'? (.*)$/.exec(command);
  if (echo) {
    stream.write(`${echo[1]?.replaceAll("'", '')}\n`);
    stream.exit(0);
    stream.end();
    return;
  }
  if (/hang/.test(command)) return;
  if (shell) {
    const child = spawn('sh', ['-c', command], { stdio: 'pipe' });
    stream.pipe(child.stdin);
    child.stdout.pipe(stream, { end: false });
    child.stderr.pipe(stream.stderr, { end: false });
    child.on('close', (code) => {
      stream.exit(code ?? 255);
      stream.end();
    });
    return;
  }
  stream.stderr.write(`unknown command: ${command}\n`);
  stream.exit(127);
  stream.end();
}

function listen(server: Server): Promise<void> {
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r()));
}

function close(server: Server): Promise<void> {
  return new Promise((r) => server.close(() => r()));
}
