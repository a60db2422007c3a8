// How an SSH connection failed, in words that name the fix; and which failures are worth another try.
import { UsageError } from '../errors.ts';
import type { Identities } from './ssh-auth.ts';

// Network failures are retried, as OpenSSH's ConnectionAttempts does (an instance rebooting, a
// NAT dropping a flow); a refused host key, a refused login or a name that does not resolve are
// answers, and asking again only delays the message.
const TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);
export const transient = (e: NodeJS.ErrnoException) =>
  !(e instanceof UsageError) &&
  (TRANSIENT.has(e.code ?? '') ||
    /timed out while waiting for handshake|connection lost before handshake|no response from server/i.test(
      e.message,
    ));

// What to fix depends on how the connection failed; the raw error alone rarely says.
export function unreachableHint(
  error: NodeJS.ErrnoException,
  t: { user: string; port: number; host: string },
  ids?: Identities,
): string {
  if (error.code === 'ECONNREFUSED')
    return `Nothing accepts connections on port ${t.port} there: is sshd running, and is hosts[].port right?`;
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN')
    return `The name ${t.host} does not resolve: check hosts[].host.`;
  if (/authentication/i.test(error.message))
    return `The host refused the key for ${t.user}: check hosts[].user and privateKeyPath (or the keys in the SSH agent). Offered: ${ids?.tried.join(', ') || 'nothing'}${ids?.skipped.length ? `; skipped: ${ids.skipped.join('; ')}` : ''}.`;
  if (
    /timed out/i.test(error.message) ||
    ['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(error.code ?? '')
  )
    return `No answer: check the address and that the security group allows port ${t.port} from this machine (in GitHub Actions, from the runner).`;
  return `Check the address, the security group (port ${t.port} from this machine) and the key.`;
}
