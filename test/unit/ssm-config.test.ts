// Config for transport 'ssm': every host on it needs its instance id, and app.start.env is refused
// (Run Command keeps a command's text in its history); hosts on ssh are not affected.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.ts';
import { baseConfig, edit } from '../helpers/config.ts';

const errorsOf = (config: Record<string, unknown>) => {
  const r = validateConfig(config);
  return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
};
const withIds = edit(
  edit(baseConfig(), 'hosts', [
    { name: 'a', host: '10.0.0.1', instanceId: 'i-0abc1234def567890' },
    { name: 'b', host: '10.0.0.2', instanceId: 'i-0abc1234def567891' },
  ]),
  'transport',
  'ssm',
);

describe("transport 'ssm' in config", () => {
  it('is valid with an instance id on every host, and gets the ssm defaults', () => {
    const r = validateConfig(withIds);
    expect(r.ok && r.config.ssm).toEqual({
      executionTimeoutSeconds: 3600,
      deliveryTimeoutSeconds: 60,
      bucketPrefix: 'handoff/',
      presignSeconds: 300,
      joinWindowMs: 50,
    });
  });
  it('refuses a join window that is not a whole number of ms in 0..1000', () => {
    for (const joinWindowMs of [-1, 1001, 2.5])
      expect(errorsOf(edit(withIds, 'ssm', { joinWindowMs }))).toEqual([
        expect.stringMatching(/^ssm\.joinWindowMs: /),
      ]);
  });
  it('refuses a bucket that is no S3 bucket name, a prefix without its slash, a presigned life out of range', () => {
    const bad = edit(withIds, 'ssm', { bucket: 'Releases_1', bucketPrefix: 'handoff', presignSeconds: 5 });
    expect(errorsOf(bad)).toEqual([
      'ssm.bucket: an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)',
      "ssm.bucketPrefix: a key prefix ending in '/' (or empty)",
      expect.stringMatching(/^ssm\.presignSeconds: /),
    ]);
  });
  it('names every host without an instance id', () => {
    expect(errorsOf(edit(baseConfig(), 'transport', 'ssm'))).toEqual([
      "hosts[0].instanceId: required with transport 'ssm'",
      "hosts[1].instanceId: required with transport 'ssm'",
    ]);
  });
  it('per host: only the host on ssm needs one', () => {
    const config = edit(baseConfig(), 'hosts', [
      { name: 'a', host: '10.0.0.1' },
      { name: 'b', host: '10.0.0.2', transport: 'ssm' },
    ]);
    expect(errorsOf(config)).toEqual(["hosts[1].instanceId: required with transport 'ssm'"]);
  });
  it('refuses app.start.env (it would be kept in Run Command history), not so over ssh', () => {
    const env = { start: { command: 'java -jar app.jar', env: { DB_PASSWORD: 'x' } } };
    expect(errorsOf(edit(withIds, 'app', { ...(withIds.app as object), ...env }))).toEqual([
      "app.start.env: not sent with transport 'ssm'",
    ]);
    expect(errorsOf(edit(baseConfig(), 'app', { ...(baseConfig().app as object), ...env }))).toEqual([]);
  });
  it('refuses credentials in app.source.git.url; a URL without them is fine', () => {
    const git = (url: string) =>
      edit(withIds, 'app', { ...(withIds.app as object), source: { git: { url, ref: 'main' } } });
    expect(errorsOf(git('https://user:tok3n@git.example.com/r.git'))).toEqual([
      "app.source.git.url: credentials in the URL are not sent with transport 'ssm'",
    ]);
    expect(errorsOf(git('https://git.example.com/r.git'))).toEqual([]);
  });
  it('a delivery timeout under the API minimum of 30 s is refused', () => {
    expect(errorsOf(edit(withIds, 'ssm', { deliveryTimeoutSeconds: 10 })).join('\n')).toMatch(
      /ssm\.deliveryTimeoutSeconds/,
    );
  });
});
