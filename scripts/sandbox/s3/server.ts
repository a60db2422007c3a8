// A local S3 endpoint for the sandbox: the REST protocol's path-style PutObject, GetObject and
// HeadObject, every request authenticated with Signature Version 4 as S3 does it (an Authorization
// header with a signed payload hash, or a presigned URL's query, which expires), XML errors. The
// hosts fetch releases from it with curl through presigned URLs, so it listens on the bridge
// address. It records each request's method, path, status and caller, never its query (a presigned
// URL is a credential). What it leaves out of S3: docs/sandbox.md, "S3 endpoint".
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { amzDateMs, queryPairs, type SignedRequest, sameHex, sha256Hex, signature } from './sigv4.ts';

export type S3Request = {
  method: string;
  path: string;
  status: number;
  from: string;
  auth: 'presigned' | 'header' | 'none';
  at: number;
};

export type S3EndpointOptions = {
  port: number;
  host: string;
  buckets: string[];
  /** Access key id -> secret key. */
  credentials: Record<string, string>;
  region: string;
};

class S3Error extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 403) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** S3 refuses a header-signed request more than 15 minutes off its clock. */
const MAX_SKEW_MS = 15 * 60_000;
const MAX_BODY = 512 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY)
        reject(new S3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function scopeOf(credential: string, o: S3EndpointOptions) {
  const [key, ...scope] = credential.split('/');
  const secret = o.credentials[key ?? ''];
  if (!secret)
    throw new S3Error(
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
    );
  if (scope.length !== 4 || scope[2] !== 's3' || scope[3] !== 'aws4_request')
    throw new S3Error(
      'AuthorizationQueryParametersError',
      'Error parsing the X-Amz-Credential parameter',
      400,
    );
  if (scope[1] !== o.region)
    throw new S3Error(
      'AuthorizationQueryParametersError',
      `the region '${scope[1]}' is wrong; expecting '${o.region}'`,
      400,
    );
  return { secret, scope: scope.join('/') };
}

type Authed = { auth: S3Request['auth']; payloadHash: string };

/** Checks the request's signature; throws the S3 error a real bucket answers. */
function authenticate(req: IncomingMessage, path: string, rawQuery: string, o: S3EndpointOptions): Authed {
  const query = queryPairs(rawQuery);
  const q = Object.fromEntries(query);
  const headers = req.headers as Record<string, string | undefined>;
  if (q['X-Amz-Signature'] !== undefined) {
    if (q['X-Amz-Algorithm'] !== 'AWS4-HMAC-SHA256')
      throw new S3Error(
        'AuthorizationQueryParametersError',
        'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
        400,
      );
    const { secret, scope } = scopeOf(q['X-Amz-Credential'] ?? '', o);
    const amzDate = q['X-Amz-Date'] ?? '';
    const expires = Number(q['X-Amz-Expires']);
    if (!Number.isInteger(expires) || expires < 1 || expires > 604_800)
      throw new S3Error(
        'AuthorizationQueryParametersError',
        'X-Amz-Expires must be between 1 and 604800 seconds',
        400,
      );
    const signed = amzDateMs(amzDate);
    if (Number.isNaN(signed))
      throw new S3Error(
        'AuthorizationQueryParametersError',
        'X-Amz-Date must be in the ISO8601 Long Format',
        400,
      );
    if (Date.now() > signed + expires * 1000) throw new S3Error('AccessDenied', 'Request has expired');
    const r: SignedRequest = {
      method: req.method ?? 'GET',
      path,
      query: query.filter(([k]) => k !== 'X-Amz-Signature'),
      headers,
      signedHeaders: (q['X-Amz-SignedHeaders'] ?? '').split(';'),
      payloadHash: 'UNSIGNED-PAYLOAD',
      amzDate,
      scope,
    };
    if (!r.signedHeaders.includes('host')) throw new S3Error('AccessDenied', 'host must be a signed header');
    if (!sameHex(signature(r, secret), q['X-Amz-Signature'] ?? ''))
      throw new S3Error(
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
      );
    return { auth: 'presigned', payloadHash: 'UNSIGNED-PAYLOAD' };
  }
  const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(
    headers.authorization ?? '',
  );
  if (!m) throw new S3Error('AccessDenied', 'Access Denied');
  const { secret, scope } = scopeOf(m[1] as string, o);
  const amzDate = headers['x-amz-date'] ?? '';
  if (Math.abs(Date.now() - amzDateMs(amzDate)) > MAX_SKEW_MS || Number.isNaN(amzDateMs(amzDate)))
    throw new S3Error(
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
    );
  const payloadHash = headers['x-amz-content-sha256'] ?? '';
  if (!payloadHash)
    throw new S3Error(
      'InvalidRequest',
      'Missing required header for this request: x-amz-content-sha256',
      400,
    );
  if (payloadHash.startsWith('STREAMING-'))
    throw new S3Error('NotImplemented', 'the sandbox takes no aws-chunked uploads', 501);
  const r: SignedRequest = {
    method: req.method ?? 'GET',
    path,
    query,
    headers,
    signedHeaders: (m[2] as string).split(';'),
    payloadHash,
    amzDate,
    scope,
  };
  if (!sameHex(signature(r, secret), m[3] as string))
    throw new S3Error(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided.',
    );
  return { auth: 'header', payloadHash };
}

function sendError(res: ServerResponse, e: S3Error, resource: string) {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${e.code}</Code><Message>${e.message.replace(/[<&>]/g, '')}</Message><Resource>${resource.replace(/[<&>]/g, '')}</Resource><RequestId>${randomUUID()}</RequestId></Error>`;
  res.writeHead(e.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startS3Endpoint(o: S3EndpointOptions) {
  const objects = new Map<string, { body: Buffer; etag: string }>();
  const requests: S3Request[] = [];
  const buckets = new Set(o.buckets);
  const handle = async (req: IncomingMessage, res: ServerResponse, entry: S3Request) => {
    const url = req.url ?? '/';
    const at = url.indexOf('?');
    const path = at < 0 ? url : url.slice(0, at);
    const rawQuery = at < 0 ? '' : url.slice(at + 1);
    entry.path = path;
    try {
      const authed = authenticate(req, path, rawQuery, o);
      entry.auth = authed.auth;
      const [, bucket = '', ...rest] = path.split('/');
      const key = decodeURIComponent(rest.join('/'));
      if (!buckets.has(bucket)) throw new S3Error('NoSuchBucket', 'The specified bucket does not exist', 404);
      if (!key) throw new S3Error('NotImplemented', 'the sandbox serves objects only', 501);
      const id = `${bucket}/${key}`;
      if (req.method === 'PUT') {
        const body = await readBody(req);
        if (authed.payloadHash !== 'UNSIGNED-PAYLOAD' && authed.payloadHash !== sha256Hex(body))
          throw new S3Error(
            'XAmzContentSHA256Mismatch',
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
            400,
          );
        const declared = req.headers['x-amz-checksum-sha256'];
        if (declared && declared !== createHash('sha256').update(body).digest('base64'))
          throw new S3Error(
            'BadDigest',
            'The SHA256 you specified did not match the calculated checksum.',
            400,
          );
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        objects.set(id, { body, etag });
        res.writeHead(200, { etag, 'content-length': 0 });
        return res.end();
      }
      if (req.method === 'GET' || req.method === 'HEAD') {
        const obj = objects.get(id);
        if (!obj) throw new S3Error('NoSuchKey', 'The specified key does not exist.', 404);
        res.writeHead(200, {
          etag: obj.etag,
          'content-length': obj.body.length,
          'content-type': 'application/octet-stream',
        });
        return res.end(req.method === 'GET' ? obj.body : undefined);
      }
      throw new S3Error(
        'MethodNotAllowed',
        'The specified method is not allowed against this resource.',
        405,
      );
    } catch (e) {
      sendError(
        res,
        e instanceof S3Error ? e : new S3Error('InternalError', (e as Error).message, 500),
        path,
      );
    }
  };
  const server = createServer((req, res) => {
    const entry: S3Request = {
      method: req.method ?? '',
      path: '',
      status: 0,
      from: req.socket.remoteAddress ?? '',
      auth: 'none',
      at: Date.now(),
    };
    res.on('finish', () => {
      entry.status = res.statusCode;
      requests.push(entry);
    });
    void handle(req, res, entry);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${o.host}:${port}`,
    objects,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export type S3Endpoint = Awaited<ReturnType<typeof startS3Endpoint>>;
