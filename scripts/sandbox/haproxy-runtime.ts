// Client for HAProxy's runtime API (the stats socket, `level admin`), as HAProxy 2.6 speaks it.
// One connection per command (non-interactive mode: HAProxy answers, then closes the socket).
import { createConnection } from 'node:net';

export type ServerOp = 'UP' | 'DOWN' | 'MAINT' | 'DRAIN' | 'NOLB' | 'UNKNOWN';

export type ServerState = {
  backend: string;
  server: string;
  /** `ip:port` as HAProxy uses it. */
  address: string;
  /** Operational status: first word of `show stat`'s `status` ("UP 1/2" → UP, "no check" → UP). */
  op: ServerOp;
  /** Last health-check status (`L7OK`, `L7STS`, `L4CON`, `L4TOUT`, …), '' when none (e.g. in MAINT). */
  checkStatus: string;
  /** Every `show stat` CSV column (pxname, status, scur, check_code, check_health, check_desc, …). */
  raw: Record<string, string>;
};

export type AdminState = 'ready' | 'drain' | 'maint';

export class HaproxyCommandError extends Error {
  override name = 'HaproxyCommandError';
}

/** Sends one command and returns HAProxy's whole answer. */
export async function haproxyCommand(socketPath: string, command: string, timeoutMs = 5000): Promise<string> {
  if (/[\r\n]/.test(command)) throw new HaproxyCommandError('one command per call (no newlines)');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = createConnection(socketPath);
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new HaproxyCommandError(`HAProxy socket ${socketPath}: no answer to "${command}"`)),
    );
    socket.on('connect', () => socket.end(`${command}\n`));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** Runs a command that answers with nothing on success (`set server …`); throws with HAProxy's text otherwise. */
export async function haproxyExpectEmpty(socketPath: string, command: string): Promise<void> {
  const answer = (await haproxyCommand(socketPath, command)).trim();
  if (answer !== '') throw new HaproxyCommandError(`HAProxy refused "${command}": ${answer}`);
}

/** Parses `show stat` CSV (header line starts with "# "). */
export function parseStatCsv(text: string): Record<string, string>[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const header = lines.find((line) => line.startsWith('# '));
  if (!header) throw new HaproxyCommandError(`not a "show stat" answer: ${text.trim().slice(0, 200)}`);
  const keys = header.slice(2).split(',');
  return lines
    .filter((line) => !line.startsWith('#'))
    .map((line) => {
      const values = line.split(',');
      const row: Record<string, string> = {};
      keys.forEach((key, i) => {
        if (key !== '' && key !== '-') row[key] = values[i] ?? '';
      });
      return row;
    });
}

export function opFromStatus(status: string): ServerOp {
  const word = status.trim().split(' ')[0] ?? '';
  if (word === 'no') return 'UP'; // "no check": not checked, HAProxy treats it as up
  return (['UP', 'DOWN', 'MAINT', 'DRAIN', 'NOLB'] as const).find((op) => op === word) ?? 'UNKNOWN';
}

export function toServerState(row: Record<string, string>): ServerState {
  return {
    backend: row.pxname ?? '',
    server: row.svname ?? '',
    address: row.addr ?? '',
    op: opFromStatus(row.status ?? ''),
    // "* L7OK" while a check is in progress
    checkStatus: (row.check_status ?? '').replace(/^\* /, ''),
    raw: row,
  };
}

/** Servers (not FRONTEND/BACKEND rows) of one backend, or of all backends. */
export async function showServers(socketPath: string, backend?: string): Promise<ServerState[]> {
  const text = await haproxyCommand(socketPath, `show stat ${backend ?? '-1'} 4 -1`);
  return parseStatCsv(text).map(toServerState);
}

export async function findServer(socketPath: string, backend: string, server: string): Promise<ServerState> {
  const found = (await showServers(socketPath, backend)).find((s) => s.server === server);
  if (!found) throw new HaproxyCommandError(`HAProxy has no server ${backend}/${server}`);
  return found;
}

export async function setServerAdmin(
  socketPath: string,
  backend: string,
  server: string,
  state: AdminState,
): Promise<void> {
  await haproxyExpectEmpty(socketPath, `set server ${backend}/${server} state ${state}`);
}

/** Forces the health-check verdict; HAProxy then needs `rise` passing checks to call it UP again. */
export async function setServerHealth(
  socketPath: string,
  backend: string,
  server: string,
  health: 'up' | 'stopping' | 'down',
): Promise<void> {
  await haproxyExpectEmpty(socketPath, `set server ${backend}/${server} health ${health}`);
}

/** Closes every session (in-flight request) on the server, as a load balancer does at the end of a drain. */
export async function shutdownServerSessions(
  socketPath: string,
  backend: string,
  server: string,
): Promise<void> {
  await haproxyExpectEmpty(socketPath, `shutdown sessions server ${backend}/${server}`);
}

/** Current sessions on the server (`scur`): the requests HAProxy has in flight to it. */
export function currentSessions(state: ServerState): number {
  return Number(state.raw.scur ?? 0) || 0;
}

/** HTTP status of the last health check (`check_code`), when it got as far as a response. */
export function checkCode(state: ServerState): number | undefined {
  const code = Number(state.raw.check_code);
  return state.raw.check_code && Number.isInteger(code) ? code : undefined;
}

/** Health-check counter: 0 … rise-1 while DOWN, rise … rise+fall-1 while UP (`check_health`). */
export function checkHealth(state: ServerState): number | undefined {
  const n = Number(state.raw.check_health);
  return state.raw.check_health && Number.isInteger(n) ? n : undefined;
}

/** Exact admin state per server from `show servers state` (bit mask: 0x01|0x02|0x04|0x20 maint, 0x08|0x10 drain). */
export function parseServersState(text: string): Map<string, AdminState> {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const header = lines.find((line) => line.startsWith('# '));
  if (!header)
    throw new HaproxyCommandError(`not a "show servers state" answer: ${text.trim().slice(0, 200)}`);
  const keys = header.slice(2).split(' ');
  const result = new Map<string, AdminState>();
  for (const line of lines.slice(lines.indexOf(header) + 1)) {
    if (line.startsWith('#')) continue;
    const values = line.split(' ');
    const field = (key: string) => values[keys.indexOf(key)] ?? '';
    const mask = Number(field('srv_admin_state'));
    result.set(field('srv_name'), mask & 0x27 ? 'maint' : mask & 0x18 ? 'drain' : 'ready');
  }
  return result;
}

export async function adminStates(socketPath: string, backend: string): Promise<Map<string, AdminState>> {
  return parseServersState(await haproxyCommand(socketPath, `show servers state ${backend}`));
}

/**
 * Brings a server back from `maint` or `drain` only through fresh health checks.
 * HAProxy 2.6 turns a server leaving `maint` straight to UP ("UP 1/2") without a check, and ignores
 * `health down` while in `maint`; so: drain (no traffic), force health down, then ready: it takes
 * `rise` passing checks before HAProxy routes to it again.
 */
export async function readyThroughChecks(socketPath: string, backend: string, server: string): Promise<void> {
  await setServerAdmin(socketPath, backend, server, 'drain');
  await setServerHealth(socketPath, backend, server, 'down');
  await setServerAdmin(socketPath, backend, server, 'ready');
}
