import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { analyzeMemory } from '../../src/memory/analysis.ts';
import { MEMORY_CSV_HEADER, memoryCsv } from '../../src/report/memory-csv.ts';
import { escapeXml, renderMemorySvg } from '../../src/report/memory-svg.ts';
import { renderTerminalChart } from '../../src/report/terminal-chart.ts';
import type { MemorySample } from '../../src/sampler/parse.ts';

function sample(t: number, step: string, used: number, more: Partial<MemorySample> = {}): MemorySample {
  return {
    t,
    host: 'h1',
    step,
    usedPercent: used,
    swapUsedPercent: 0,
    source: 'cgroup',
    usedKb: 1,
    totalKb: 2,
    ...more,
  };
}

// Four steps, the peak (83.25 %) in the build; a host and a step name that need escaping.
const STEPS = ['stop', 'build <&> "x"', 'start', 'health'];
const samples: MemorySample[] = [];
for (let t = 0; t < 40; t++) {
  const step = STEPS[Math.floor(t / 10)]!;
  const used = t === 17 ? 83.25 : 30 + (t % 10) * 3;
  samples.push(
    sample(t + 0.25, step, used, {
      host: 'h1 <&>',
      oldRssKb: t < 12 ? 400_000 : 0, // beside the build at t 10 and 11
      ...(step.startsWith('build') ? { buildRssKb: 50_000 * (t - 9) } : {}),
      ...(t >= 20 ? { newRssKb: 300_000 } : {}),
    }),
  );
}
const analysis = analyzeMemory(samples, { intervalSeconds: 1 });

describe('memoryCsv', () => {
  it('writes the header and one row per sample, empty cells for absent values, RFC 4180 quoting', () => {
    const csv = memoryCsv([
      sample(1.5, 'build', 42.5, { oldRssKb: 0, buildRssKb: 1000, cgroupUsageKb: 9, oomKillCounter: 0 }),
      sample(2.5, 'a,"b"', 7, { host: 'h,2' }),
    ]);
    const lines = csv.split('\n');
    expect(lines[0]).toBe(MEMORY_CSV_HEADER);
    expect(MEMORY_CSV_HEADER.split(',')).toEqual([
      't',
      'host',
      'step',
      'source',
      'used_percent',
      'swap_used_percent',
      'old_rss_kb',
      'build_rss_kb',
      'new_rss_kb',
      'used_kb',
      'total_kb',
      'cgroup_usage_kb',
      'cgroup_inactive_file_kb',
      'oom_kill_counter',
    ]);
    expect(lines[1]).toBe('1.5,h1,build,cgroup,42.5,0,0,1000,,1,2,9,,0');
    expect(lines[2]).toBe('2.5,"h,2","a,""b""",cgroup,7,0,,,,1,2,,,');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
  });
});

describe('renderMemorySvg', () => {
  const svg = renderMemorySvg(analysis);

  it('is well-formed XML with an svg root of the intended size', () => {
    expect(XMLValidator.validate(svg)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(svg);
    expect(doc.svg['@_width']).toBe('900');
    expect(doc.svg['@_height']).toBe('360');
  });

  it('shades one band per step, each named', () => {
    const bands = [...svg.matchAll(/<rect [^>]*fill-opacity="0.18"/g)];
    expect(bands).toHaveLength(STEPS.length);
    for (const step of STEPS) expect(svg).toContain(`class="band">${escapeXml(step)}</text>`);
  });

  it('marks and labels the peak with its value and step', () => {
    expect(analysis.peakPercent).toBe(83.25);
    expect(svg).toContain(`peak 83.3% (${escapeXml('build <&> "x"')})`);
    expect(svg.match(/<circle /g)).toHaveLength(1);
  });

  it('escapes text: no raw < or & from data reaches the document', () => {
    expect(escapeXml(`<a & 'b' "c">`)).toBe('&lt;a &amp; &apos;b&apos; &quot;c&quot;&gt;');
    expect(svg).toContain('h1 &lt;&amp;&gt;');
    expect(svg).not.toContain('h1 <&>');
    expect(svg).not.toContain('build <&>');
  });

  it('draws used % and the three RSS lines, with a legend, and renders with no samples', () => {
    for (const label of ['used %', 'old JVM RSS', 'build RSS', 'new JVM RSS'])
      expect(svg).toContain(`>${label}</text>`);
    expect(svg.match(/<path /g)).toHaveLength(4);
    const empty = renderMemorySvg({ source: 'none', intervalSeconds: 1, samples: [] });
    expect(XMLValidator.validate(empty)).toBe(true);
    expect(empty).toContain('no samples');
  });

  it('breaks lines at missed samples', () => {
    const gappy = [sample(0, 's', 10), sample(1, 's', 20), sample(5, 's', 30), sample(6, 's', 40)];
    const out = renderMemorySvg({ source: 'cgroup', intervalSeconds: 1, samples: gappy });
    const d = out.match(/<path d="([^"]+)"/)?.[1] ?? '';
    expect(d.match(/M/g)).toHaveLength(2);
  });
});

describe('renderTerminalChart', () => {
  it('draws a few rows of blocks with the peak column full height and a summary line', () => {
    const out = renderTerminalChart(analysis, { width: 40, rows: 4 });
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]!.startsWith('100% ┤')).toBe(true);
    expect(lines[3]!.startsWith('  0% ┤')).toBe(true);
    // Column 17 holds the 83.25 % sample: 83.25 % of 32 eighths = 27 -> rows 0-2 full, top row 3/8.
    const column = lines.slice(0, 4).map((l) => l[6 + 17]);
    expect(column).toEqual(['▃', '█', '█', '█']);
    expect(lines[4]).toContain('stop');
    expect(lines[5]).toContain('peak 83.3% at 17 s');
    expect(lines[5]).toContain('overlap 2 s');
    expect(renderTerminalChart({ ...analysis, samples: [] })).toBe('memory: no samples\n');
  });
});
