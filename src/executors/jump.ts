// Jump hosts (bastions), as OpenSSH's ProxyJump names them: `[user@]host[:port]` or
// `ssh://[user@]host[:port]`, several separated by commas, the first one dialled first; `none`
// means no jump. Pure: parsing only; the chain itself is opened in ssh.ts.

/** One hop on the way to a host. */
export type Hop = { host: string; port: number; user?: string; privateKeyPath?: string };

const HOP = /^(?:ssh:\/\/)?(?:([^@\s/]+)@)?(\[[0-9A-Fa-f:.]+\]|[^@:\s/[\]]+)(?::(\d{1,5}))?\/?$/;

/** Parses a ProxyJump value; returns a message instead of throwing, so config rules can name the key. */
export function parseProxyJump(value: string): { hops: Hop[] } | { error: string } {
  const text = value.trim();
  if (text.toLowerCase() === 'none') return { hops: [] };
  const hops: Hop[] = [];
  for (const part of text.split(',')) {
    const m = HOP.exec(part.trim());
    const port = m?.[3] === undefined ? 22 : Number(m[3]);
    if (!m || port < 1 || port > 65535)
      return {
        error: `'${part.trim()}' is not a jump host: write [user@]host[:port], several separated by commas (OpenSSH's ProxyJump)`,
      };
    const host = m[2]!.replace(/^\[(.*)\]$/, '$1');
    hops.push({ host, port, ...(m[1] ? { user: m[1] } : {}) });
  }
  return { hops };
}

/** `user@host:port` for messages, as the hop was meant. */
export function hopLabel(h: { host: string; port: number; user?: string }): string {
  const host = h.host.includes(':') ? `[${h.host}]` : h.host;
  return `${h.user ? `${h.user}@` : ''}${host}${h.port === 22 ? '' : `:${h.port}`}`;
}
