/** `ivc <group> <action> [positional…] [--flag value…]`, parsed without throwing. */
export interface ParsedArgs {
  readonly group: string;
  readonly action: string;
  readonly positional: readonly string[];
  readonly flags: ReadonlyMap<string, string>;
}

export function parseArgs(argv: readonly string[]): { ok: true; value: ParsedArgs } | { ok: false; reason: string } {
  const words: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? "";
    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      if (eq > 0) {
        flags.set(word.slice(2, eq), word.slice(eq + 1));
        continue;
      }
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) return { ok: false, reason: `${word} needs a value` };
      flags.set(word.slice(2), value);
      i++;
    } else {
      words.push(word);
    }
  }
  const [group, action, ...positional] = words;
  if (group === undefined || action === undefined) return { ok: false, reason: "expected <group> <action>" };
  return { ok: true, value: { group, action, positional, flags } };
}
