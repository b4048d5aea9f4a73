/**
 * One Prometheus exposition from the shard processes' own. The relay's series are summed per
 * name and label set, so a scrape sees one relay (counters, stream gauges, histogram buckets all
 * add up); the default process series (`ivc_process_*`, `ivc_nodejs_*`) describe one process each
 * and get a `shard` label instead. `texts[0]` is shard 0 (the process that listens).
 */
export function mergeExpositions(texts: readonly string[]): string {
  const families = new Map<string, { meta: string[]; sums: Map<string, number>; lines: string[] }>();
  const family = (name: string) => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { meta: [], sums: new Map(), lines: [] }));
    return f;
  };
  texts.forEach((text, shard) => {
    for (const line of text.split("\n")) {
      if (line === "") continue;
      if (line.startsWith("#")) {
        const f = family(line.split(" ")[2] ?? "");
        if (!f.meta.includes(line)) f.meta.push(line);
        continue;
      }
      const space = line.lastIndexOf(" ");
      const series = line.slice(0, space);
      const value = line.slice(space + 1);
      const f = family(familyOf(seriesName(series), families));
      if (!PER_PROCESS.test(series)) f.sums.set(series, (f.sums.get(series) ?? 0) + Number(value));
      else f.lines.push(shard === 0 ? line : withShardLabel(series, shard, value));
    }
  });
  const out: string[] = [];
  for (const f of families.values()) {
    out.push(...f.meta);
    for (const [series, value] of f.sums) out.push(`${series} ${value}`);
    out.push(...f.lines);
  }
  return `${out.join("\n")}\n`;
}

const PER_PROCESS = /^(ivc_)?(process|nodejs)_/;

function seriesName(series: string): string {
  const brace = series.indexOf("{");
  return brace < 0 ? series : series.slice(0, brace);
}

/** A histogram's or summary's `_bucket`/`_sum`/`_count` series belong to the family its HELP names. */
function familyOf(name: string, known: ReadonlyMap<string, unknown>): string {
  if (known.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return known.has(base) ? base : name;
}

function withShardLabel(series: string, shard: number, value: string): string {
  const brace = series.indexOf("{");
  if (brace < 0) return `${series}{shard="${shard}"} ${value}`;
  return `${series.slice(0, brace + 1)}shard="${shard}",${series.slice(brace + 1)} ${value}`;
}
