// S3 as the release store of the ssm transport (docs/transports.md, "Uploads through S3"): the
// release's tar goes up once with PutObject (its sha256 sent for S3 to check), and each host gets a
// presigned GetObject URL that expires in minutes. The only file that imports the S3 client and the
// presigner. Same retry and error translation as the other AWS adapters.
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ReleaseStore } from '../ports.ts';
import { awsCall } from './errors.ts';

export type S3StoreOptions = {
  bucket: string;
  prefix: string;
  region?: string;
  /** A local or test endpoint: path-style addressing (the bucket in the path). */
  endpoint?: string;
  presignSeconds: number;
};

export function s3ReleaseStore(o: S3StoreOptions): ReleaseStore {
  const client = new S3Client({
    ...(o.region ? { region: o.region } : {}),
    ...(o.endpoint ? { endpoint: o.endpoint, forcePathStyle: true } : {}),
    maxAttempts: 1, // retry.ts is the only retry layer
    // The checksum we send is the sha256 the hosts check; no extra trailing checksums (aws-chunked).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const stored = new Map<string, Promise<void>>();
  const ctx = (action: string) => ({
    action: `s3:${action}`,
    ...(o.region ? { region: o.region } : {}),
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
  });
  const region = () => client.config.region();
  return {
    where: `s3://${o.bucket}/${o.prefix}`,
    put(key, body, sha256, signal) {
      // Hosts deploy one after the other or side by side: the object goes up once.
      let done = stored.get(key);
      if (!done) {
        done = awsCall(
          ctx('PutObject'),
          () =>
            client.send(
              new PutObjectCommand({
                Bucket: o.bucket,
                Key: `${o.prefix}${key}`,
                Body: body,
                ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
                ContentType: 'application/x-tar',
              }),
              signal ? { abortSignal: signal } : {},
            ),
          signal ? { signal } : {},
          region,
        ).then(() => undefined);
        done.catch(() => stored.delete(key));
        stored.set(key, done);
      }
      return done;
    },
    presign(key) {
      return getSignedUrl(client, new GetObjectCommand({ Bucket: o.bucket, Key: `${o.prefix}${key}` }), {
        expiresIn: o.presignSeconds,
      });
    },
  };
}
