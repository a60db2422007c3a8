// The registries are the only place that knows which drain modes exist: nothing outside a mode's
// own module asks which mode runs, and every generated list follows the registry
// (docs/architecture.md).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/reference.ts';
import { validateConfig } from '../../src/config/validate.ts';
import { DRAIN_MODE_NAMES, DRAIN_MODES, drainMode } from '../../src/drain/registry.ts';
import { baseConfig, edit } from '../helpers/config.ts';

const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Lines that branch on a drain mode: `x.mode === ...`, `mode !== ...`, `case 'termination':`. */
function modeBranches(text: string): string[] {
  const names = DRAIN_MODE_NAMES.join('|');
  const branch = new RegExp(`\\bmode\\s*[!=]==|[!=]==\\s*[\\w.]*\\bmode\\b|case\\s+'(${names})'`);
  return text.split('\n').filter((line) => branch.test(line) && !line.trim().startsWith('//'));
}

describe('drain modes', () => {
  it('the scan finds a branch on the mode (it can fail)', () => {
    expect(modeBranches("if (ctx.config.drain.mode === 'deregister') {")).toHaveLength(1);
    expect(modeBranches("return 'deregister' !== d.mode ? a : b;")).toHaveLength(1);
    expect(modeBranches("  case 'termination':")).toHaveLength(1);
    expect(modeBranches('if ((st.mode & 0o077) !== 0) throw e;')).toEqual([]);
  });

  it('nothing in src/ outside src/drain/modes/ branches on the drain mode', () => {
    const found = sources(join(root, 'src'))
      .filter((f) => !relative(root, f).startsWith('src/drain/modes/'))
      .flatMap((f) => modeBranches(readFileSync(f, 'utf8')).map((l) => `${relative(root, f)}: ${l.trim()}`));
    expect(found).toEqual([]);
  });

  it('each registry key is its module name, and drainMode() finds it by config or name', () => {
    for (const [key, mode] of Object.entries(DRAIN_MODES)) {
      expect(mode.name).toBe(key);
      expect(drainMode(key as never)).toBe(mode);
      expect(drainMode({ mode: key } as never)).toBe(mode);
    }
  });

  it("the config's drain union has one branch per mode, and the plan schema names each", () => {
    const drain = (configJsonSchema() as { properties: { drain: { anyOf?: unknown[]; oneOf?: unknown[] } } })
      .properties.drain;
    const branches = (drain.anyOf ?? drain.oneOf ?? []) as { properties: { mode: { const: string } } }[];
    expect(branches.map((b) => b.properties.mode.const)).toEqual(DRAIN_MODE_NAMES);
    const plan = JSON.parse(readFileSync(join(root, 'schema/plan.schema.json'), 'utf8'));
    expect(plan.properties.drain.properties.mode.enum).toEqual(DRAIN_MODE_NAMES);
  });

  it("a mode's rules run only when the config chooses it", () => {
    // deregister's rule needs a target group; termination has no such rule.
    const termination = validateConfig(baseConfig());
    expect(termination.ok).toBe(true);
    const deregister = validateConfig(edit(baseConfig(), 'drain', { mode: 'deregister' }));
    expect(deregister.ok).toBe(false);
    if (!deregister.ok) expect(deregister.errors.map((e) => e.path)).toContain('drain.mode');
  });
});
