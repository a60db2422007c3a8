// Where things live under app.dir on a host. One place, so the engine, status, history, unlock
// and the sampler's marks agree.
export type Layout = ReturnType<typeof layout>;

export function layout(dir: string) {
  const meta = `${dir}/.handoff`;
  return {
    dir,
    releases: `${dir}/releases`,
    release: (id: string) => `${dir}/releases/${id}`,
    current: `${dir}/current`,
    pidFile: `${dir}/app.pid`,
    meta,
    lock: `${meta}/lock`,
    marks: `${meta}/marks`,
    history: `${meta}/history.jsonl`,
  };
}
