// A git server the sandbox hosts can fetch from: git's own smart-HTTP CGI (`git http-backend`)
// behind Basic auth, on the sandbox bridge, serving a bare copy of the sandbox app. Credentials in
// the URL are really used (a fetch without them gets 401), so a test sees them flow to git while
// checking that no output shows them.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { copyAppSources } from '../../scripts/sandbox/app.ts';
import { tempDir } from './config.ts';

export type GitServer = {
  url: string;
  authorized: () => number;
  refused: () => number;
  close(): Promise<void>;
};

/** A bare repository of the sandbox app at <root>/app.git, one commit on `main`. */
function appRepository(): string {
  const root = tempDir();
  const work = join(root, 'work');
  copyAppSources(work);
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd });
  git(work, 'init', '-q', '-b', 'main');
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'app');
  mkdirSync(join(root, 'srv'));
  git(root, 'clone', '-q', '--bare', work, join(root, 'srv', 'app.git'));
  return join(root, 'srv');
}

export async function startGitServer(opts: {
  host: string;
  user: string;
  password: string;
}): Promise<GitServer> {
  const projectRoot = appRepository();
  const expected = `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`;
  let authorized = 0;
  let refused = 0;
  const server = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      refused++;
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
      return;
    }
    authorized++;
    const url = new URL(req.url ?? '/', 'http://x');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method ?? 'GET',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_USER: opts.user,
        ...(req.headers['content-encoding']
          ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] }
          : {}),
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      },
    });
    req.pipe(cgi.stdin);
    const chunks: Buffer[] = [];
    cgi.stdout.on('data', (c: Buffer) => chunks.push(c));
    cgi.on('close', () => {
      // CGI output: headers, a blank line, the body.
      const out = Buffer.concat(chunks);
      const end = out.indexOf('\r\n\r\n');
      const headerText = out.subarray(0, end).toString('latin1');
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of headerText.split('\r\n')) {
        const i = line.indexOf(':');
        const [k, v] = [line.slice(0, i).trim(), line.slice(i + 1).trim()];
        if (k.toLowerCase() === 'status') status = Number.parseInt(v, 10);
        else if (k) headers[k] = v;
      }
      res.writeHead(status, headers).end(out.subarray(end + 4));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, opts.host, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${encodeURIComponent(opts.user)}:${encodeURIComponent(opts.password)}@${opts.host}:${port}/app.git`,
    authorized: () => authorized,
    refused: () => refused,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
