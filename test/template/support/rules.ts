import type { Json } from './project-files';

/**
 * Evaluates a template's Rules the way CloudFormation does before it creates or updates a stack, and its
 * Conditions, for the functions this template uses there (Fn::Equals, Fn::Not, Fn::And, Fn::Or,
 * Fn::Contains, Ref, Condition). Parameter values are strings, as CloudFormation compares them; unknown
 * functions throw, so a rule the evaluator cannot read fails the test instead of passing it.
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

/** A named Condition's value, for the Condition function. */
type ConditionLookup = (name: string) => boolean;

const noConditions: ConditionLookup = (name) => {
  throw new Error(`Condition ${name} is not available in Rules`);
};

function value(expr: Json, params: ParameterValues, condition = noConditions): Json {
  if (typeof expr === 'string' || typeof expr === 'number' || typeof expr === 'boolean') return String(expr);
  if (Array.isArray(expr)) return expr.map((e) => value(e, params, condition));
  const [fn] = Object.keys(expr);
  const args = expr[fn as string];
  switch (fn) {
    case 'Ref':
      if (!(args in params)) throw new Error(`Ref to unknown parameter ${args}`);
      return params[args];
    case 'Condition':
      return condition(args);
    case 'Fn::Equals':
      return value(args[0], params, condition) === value(args[1], params, condition);
    case 'Fn::Not':
      return !truth(args[0], params, condition);
    case 'Fn::And':
      return args.every((a: Json) => truth(a, params, condition));
    case 'Fn::Or':
      return args.some((a: Json) => truth(a, params, condition));
    case 'Fn::Contains':
      return (value(args[0], params, condition) as string[]).includes(
        value(args[1], params, condition) as string,
      );
    default:
      throw new Error(`rule function ${fn} is not evaluated here`);
  }
}

function truth(expr: Json, params: ParameterValues, condition = noConditions): boolean {
  const result = value(expr, params, condition);
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

/**
 * The template's Conditions for these parameter values, each evaluated when first asked for (so a
 * condition using a function the evaluator lacks fails only the test that needs it).
 */
export function conditions(template: Json, given: ParameterValues): ConditionLookup {
  const params = withDefaults(template, given);
  const defined = (template.Conditions ?? {}) as Record<string, Json>;
  const known = new Map<string, boolean>();
  const lookup: ConditionLookup = (name) => {
    if (!(name in defined)) throw new Error(`no condition ${name} in the template`);
    if (!known.has(name)) known.set(name, truth(defined[name], params, lookup));
    return known.get(name) as boolean;
  };
  return lookup;
}

/** Whether a value satisfies a parameter's AllowedPattern (each item of a CommaDelimitedList). */
export function allowedByPattern(parameter: Json, raw: string): boolean {
  if (!parameter.AllowedPattern) return true;
  const re = new RegExp(parameter.AllowedPattern);
  const items = parameter.Type === 'CommaDelimitedList' ? raw.split(',') : [raw];
  return items.every((item) => re.test(item));
}
