import type { Json } from './project-files';

/**
 * Evaluates a template's Rules the way CloudFormation does before it creates or updates a stack, for the
 * rule functions this template uses (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::Contains, Ref). Parameter
 * values are strings, as CloudFormation compares them; unknown functions throw, so a rule the evaluator
 * cannot read fails the test instead of passing it.
 */

export type ParameterValues = Record<string, string>;

/** Each parameter's value: the given one, else its Default as a string. */
export function withDefaults(template: Json, given: ParameterValues): ParameterValues {
  const values: ParameterValues = {};
  for (const [name, p] of Object.entries(template.Parameters as Record<string, Json>)) {
    values[name] = name in given ? (given[name] as string) : String(p.Default ?? '');
  }
  for (const name of Object.keys(given)) {
    if (!(name in values)) throw new Error(`no parameter ${name} in the template`);
  }
  return values;
}

function value(expr: Json, params: ParameterValues): Json {
  if (typeof expr === 'string' || typeof expr === 'number' || typeof expr === 'boolean') return String(expr);
  if (Array.isArray(expr)) return expr.map((e) => value(e, params));
  const [fn] = Object.keys(expr);
  const args = expr[fn as string];
  switch (fn) {
    case 'Ref':
      if (!(args in params)) throw new Error(`Ref to unknown parameter ${args}`);
      return params[args];
    case 'Fn::Equals':
      return value(args[0], params) === value(args[1], params);
    case 'Fn::Not':
      return !truth(args[0], params);
    case 'Fn::And':
      return args.every((a: Json) => truth(a, params));
    case 'Fn::Or':
      return args.some((a: Json) => truth(a, params));
    case 'Fn::Contains':
      return (value(args[0], params) as string[]).includes(value(args[1], params) as string);
    default:
      throw new Error(`rule function ${fn} is not evaluated here`);
  }
}

function truth(expr: Json, params: ParameterValues): boolean {
  const result = value(expr, params);
  if (typeof result !== 'boolean') throw new Error(`not a condition: ${JSON.stringify(expr)}`);
  return result;
}

/** The AssertDescriptions of every failed assertion, for these parameter values. */
export function ruleViolations(template: Json, given: ParameterValues): string[] {
  const params = withDefaults(template, given);
  const failed: string[] = [];
  for (const [name, rule] of Object.entries((template.Rules ?? {}) as Record<string, Json>)) {
    if (rule.RuleCondition !== undefined && !truth(rule.RuleCondition, params)) continue;
    for (const assertion of rule.Assertions) {
      if (!truth(assertion.Assert, params)) failed.push(`${name}: ${assertion.AssertDescription}`);
    }
  }
  return failed;
}

/** Whether a value satisfies a parameter's AllowedPattern (each item of a CommaDelimitedList). */
export function allowedByPattern(parameter: Json, raw: string): boolean {
  if (!parameter.AllowedPattern) return true;
  const re = new RegExp(parameter.AllowedPattern);
  const items = parameter.Type === 'CommaDelimitedList' ? raw.split(',') : [raw];
  return items.every((item) => re.test(item));
}
