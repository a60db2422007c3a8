// What gets deployed, sent to the host's new release directory: the current git commit (git
// archive), a local directory (tar), or fetched by the host itself from a git URL.

import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { DeployConfig } from '../config/schema.ts';
import { stripUserinfo } from '../core/redact.ts';
import type { LocalExecutor } from '../executors/local.ts';
import { CommandError, check, type Executor } from '../executors/types.ts';
import type { ReleaseStore } from '../ports.ts';
import {
  appendUpload,
  describeRelease,
  downloadUpload,
  extractRelease,
  fetchRelease,
  unpackUpload,
} from '../remote/releases.ts';
import type { Uploader } from './context.ts';

/** The git commit a release was made from (docs/contracts.md: report `commit`, history entries). */
export type ReleaseCommit = { sha: string; author: string; subject: string };

/**
 * After the upload, the commit goes into the release directory (`.handoff-commit`, JSON), so a
 * host says what it runs without this machine: `cat current/.handoff-commit`.
 */
export function withCommitFile(upload: Uploader, commit: ReleaseCommit | undefined): Uploader {
  if (!commit) return upload;
  return async (exec, dir, signal) => {
    const detail = await upload(exec, dir, signal);
    await check(exec, describeRelease(dir, commit), { signal });
    return `${detail}; commit ${commit.sha.slice(0, 12)} ${commit.subject}`;
  };
}

export function uploaderFor(
  source: DeployConfig['app']['source'],
  local: LocalExecutor,
  opts: { artifact?: { dir: string; path: string }; store?: ReleaseStore } = {},
): Uploader {
  const base = sourceUploader(source, local, opts.store);
  const artifact = opts.artifact;
  if (!artifact) return base;
  // build.where 'local': the artifact built here goes up with the source, before the drain.
  return async (exec, dir, signal) => {
    const what = await base(exec, dir, signal);
    const producer = local.produce(['tar', '-C', artifact.dir, '-cf', '-', artifact.path], signal);
    await Promise.all([sendTar(exec, dir, producer.stdout, signal, opts.store), producer.done]);
    return `${what}; artifact ${artifact.path} built locally, uploaded`;
  };
}

/** Builds once, here, for `build.where: 'local'`; the hosts then skip their build step. */
export async function buildLocally(
  local: LocalExecutor,
  command: string,
  signal: AbortSignal,
): Promise<string> {
  const r = await local.run({ kind: 'local', argv: ['sh', '-c', command] }, { signal });
  if (r.code !== 0)
    throw new Error(
      `the local build failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n  ')}`,
    );
  return `built locally in ${Math.round(r.ms / 100) / 10} s`;
}

function sourceUploader(
  source: DeployConfig['app']['source'],
  local: LocalExecutor,
  store?: ReleaseStore,
): Uploader {
  if ('git' in source)
    return async (exec, dir, signal) => {
      const r = await check(exec, fetchRelease(dir, source.git.url, source.git.ref), { signal });
      return `${stripUserinfo(source.git.url)}@${source.git.ref} (${r.stdout.trim()}) fetched by the host`;
    };
  const argv =
    'dir' in source
      ? ['tar', '-C', source.dir, '-cf', '-', '.']
      : ['git', 'archive', '--format=tar', source.commit];
  const what = describeSource(source);
  return async (exec: Executor, dir: string, signal: AbortSignal) => {
    const t0 = performance.now();
    const producer = local.produce(argv, signal);
    const [how] = await Promise.all([sendTar(exec, dir, producer.stdout, signal, store), producer.done]);
    return `${what} uploaded in ${Math.round(performance.now() - t0)} ms${how}`;
  };
}

/** What gets deployed, in words (credentials stripped): the upload's detail and the dry run's. */
export function describeSource(source: DeployConfig['app']['source']): string {
  if ('git' in source) return `${stripUserinfo(source.git.url)}@${source.git.ref}, fetched by the host`;
  return 'dir' in source ? `directory ${source.dir}` : `git ${source.commit}`;
}

// Raw bytes per piece without `put`: 64 KiB of base64 per command, well inside what any transport
// takes as a command's input.
export const PIECE_BYTES = 48 * 1024;

/**
 * A local tar stream into the release directory: on the command's stdin when the transport can
 * `put`; else through the release store when there is one (the host downloads it with a presigned
 * URL); else in base64 pieces through `run`, appended to a file on the host. Unpacked there.
 * Returns what the detail says about the way it went ('' for the usual one).
 */
export async function sendTar(
  exec: Executor,
  dir: string,
  tar: Readable,
  signal: AbortSignal,
  store?: ReleaseStore,
): Promise<string> {
  if (exec.put) {
    const r = await exec.put(extractRelease(dir), tar, { signal });
    if (r.code !== 0) throw new CommandError(exec.name, extractRelease(dir), r);
    return '';
  }
  const file = `${dir}/.handoff-upload.tar`;
  if (store) return viaStore(exec, dir, file, tar, store, signal);
  let pieces = 0;
  let pending = Buffer.alloc(0);
  const send = async (piece: Buffer) => {
    await check(exec, appendUpload(file, piece.toString('base64')), { signal });
    pieces++;
  };
  for await (const chunk of tar as AsyncIterable<Buffer>) {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= PIECE_BYTES) {
      await send(pending.subarray(0, PIECE_BYTES));
      pending = pending.subarray(PIECE_BYTES);
    }
  }
  if (pending.length > 0) await send(pending);
  await check(exec, unpackUpload(dir, file), { signal });
  return ` (no stdin upload on this transport: ${pieces} piece(s) through run)`;
}

/** The tar once into the store (named by its sha256), then each host downloads and checks it. */
async function viaStore(
  exec: Executor,
  dir: string,
  file: string,
  tar: Readable,
  store: ReleaseStore,
  signal: AbortSignal,
): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of tar as AsyncIterable<Buffer>) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  const sha256 = createHash('sha256').update(body).digest('hex');
  const key = `${sha256}.tar`;
  await store.put(key, body, sha256, signal);
  await check(exec, downloadUpload(file, await store.presign(key), sha256), { signal });
  await check(exec, unpackUpload(dir, file), { signal });
  return ` (no stdin upload on this transport: ${body.length} bytes through ${store.where}${key}, fetched by the host with a presigned URL, sha256 checked)`;
}

/** Release ids sort by time, so pruning keeps the newest. */
export function releaseId(now: number, suffix?: string): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return suffix ? `${stamp}-${suffix}` : stamp;
}
