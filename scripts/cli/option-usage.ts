/** A parseArgs option with the text its usage line shows: parsing and help come from one definition. */
export interface DescribedOption {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
  /** e.g. "<dir>" for a string option. */
  value?: string;
  description: string;
}

/** The "Options:" lines of a usage text, aligned. */
export function optionLines(options: Readonly<Record<string, DescribedOption>>): string {
  const heads = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`;
    return [flag, o.description] as const;
  });
  const width = Math.max(...heads.map(([flag]) => flag.length)) + 2;
  return heads.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`).join('\n');
}

/** The definition parseArgs takes, without the descriptions. */
export function parseArgsOptions(options: Readonly<Record<string, DescribedOption>>) {
  return Object.fromEntries(
    Object.entries(options).map(([name, { type, short, default: fallback }]) => [
      name,
      { type, ...(short && { short }), ...(fallback !== undefined && { default: fallback }) },
    ]),
  ) as Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }>;
}
