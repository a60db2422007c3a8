// A listener rule's fixed response in HAProxy: the frontend reads the rule in effect from a map file
// (changed at run time through the stats socket) and answers it with `http-request return` before
// any backend is chosen. The status and content type of `http-request return` must be constants, so
// the config has one line per (modelled status, content type); the body travels base64-encoded
// (a map value is one line).
import fs from 'node:fs';
import path from 'node:path';
import { FIXED_CONTENT_TYPES, type FixedResponse, MODELLED_STATUS_CODES } from './elbv2/rules.ts';
import { HaproxyCommandError, haproxyCommand } from './haproxy-runtime.ts';

/** The map file next to a HAProxy's stats socket. */
export const fixedResponseMap = (socket: string) => path.join(path.dirname(socket), 'fixed-response.map');

/** Frontend lines: look the rule up, answer it when one is set. */
export function fixedResponseLines(mapFile: string): string {
  const lines = [
    `  http-request set-var(txn.fr) str(rule),map(${mapFile})`,
    `  http-request set-var(txn.fr_body) str(body),map(${mapFile}) if { var(txn.fr) -m found }`,
  ];
  for (const status of MODELLED_STATUS_CODES)
    for (const type of FIXED_CONTENT_TYPES)
      lines.push(
        `  http-request return status ${status} content-type "${type}" lf-string "%[var(txn.fr_body),b64dec]" if { var(txn.fr) -m str ${status}:${type} }`,
      );
  return `  # Listener rule with a fixed response (elbv2/rules.ts), set at run time in ${path.basename(mapFile)}\n${lines.join('\n')}\n`;
}

/** An empty map, so the config checks and starts with no rule in effect. */
export function createFixedResponseMap(socket: string): void {
  fs.writeFileSync(fixedResponseMap(socket), '');
}

async function mapCommand(socket: string, command: string): Promise<void> {
  const answer = (await haproxyCommand(socket, command)).trim();
  if (answer !== '' && !/^Done\.?$/.test(answer))
    throw new HaproxyCommandError(`HAProxy refused "${command.slice(0, 80)}": ${answer}`);
}

/** Sets (or clears) the fixed response: the rule key goes last on set and first on clear, never a half state. */
export async function setFixedResponse(socket: string, fixed: FixedResponse | undefined): Promise<void> {
  const map = fixedResponseMap(socket);
  await mapCommand(socket, `clear map ${map}`);
  if (!fixed) return;
  const body = Buffer.from(fixed.body, 'utf8').toString('base64');
  if (body !== '') await mapCommand(socket, `add map ${map} body ${body}`);
  await mapCommand(socket, `add map ${map} rule ${fixed.statusCode}:${fixed.contentType}`);
}
