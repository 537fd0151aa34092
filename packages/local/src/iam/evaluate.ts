import type { IamStatement } from '@toolgate/core/deploy/access';

/**
 * The identity-policy evaluation toolgate's statements need, and no more: Allow statements, action and resource
 * wildcards, and condition blocks with the string and ARN operators (with `ForAllValues:`/`ForAnyValue:` and
 * `IfExists`) and `Null`. Anything else in a statement (an operator it does not know, a policy variable) throws
 * instead of guessing, so a statement this evaluator cannot judge never passes silently. It is checked against a
 * full policy simulator on generated cases (`evaluate.test.ts`; docs/adr/0004-local-iam.md says why that simulator
 * is only a test oracle).
 */

/** Request context keys and their values; a multivalued key (`dynamodb:LeadingKeys`) has several. */
export type RequestContext = Record<string, readonly string[]>;

export interface IamRequest {
  action: string;
  resource: string;
  context?: RequestContext;
}

/** Identity policies only: no Deny statements are ever written, so an unmatched request is implicitly denied. */
export type Decision = 'Allowed' | 'ImplicitlyDenied';

const escapeRegExp = (text: string) => text.replace(/[.+^${}()|[\]\\]/g, '\\$&');

const patternCache = new Map<string, RegExp>();

/** IAM's glob: `*` any run of characters, `?` one character; every other character is literal. */
function globToRegExp(pattern: string, ignoreCase: boolean): RegExp {
  const cacheKey = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regexp = patternCache.get(cacheKey);
  if (!regexp) {
    const source = pattern
      .split('')
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : escapeRegExp(char)))
      .join('');
    regexp = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
    patternCache.set(cacheKey, regexp);
  }
  return regexp;
}

/** Action names are case-insensitive in IAM. */
export function actionMatches(pattern: string, action: string): boolean {
  return globToRegExp(pattern, true).test(action);
}

/** ARNs match segment by segment, each segment as a case-sensitive glob; a wildcard never spans a colon. */
export function resourceMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const patternParts = pattern.split(':');
  const arnParts = arn.split(':');
  if (patternParts.length < 6 || arnParts.length < 6) return false;
  // The resource part (6th segment on) may itself contain colons: compare it as one string.
  const head = (parts: string[]) => [...parts.slice(0, 5), parts.slice(5).join(':')];
  const p = head(patternParts);
  const a = head(arnParts);
  return p.every((segment, i) => globToRegExp(segment, false).test(a[i] ?? ''));
}

type ValueMatcher = (policyValue: string, requestValue: string) => boolean;

const BASE_OPERATORS: Record<string, { match: ValueMatcher; negated: boolean }> = {
  StringEquals: { match: (p, r) => p === r, negated: false },
  StringNotEquals: { match: (p, r) => p === r, negated: true },
  StringEqualsIgnoreCase: { match: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { match: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: true },
  StringLike: { match: (p, r) => globToRegExp(p, false).test(r), negated: false },
  StringNotLike: { match: (p, r) => globToRegExp(p, false).test(r), negated: true },
  ArnEquals: { match: (p, r) => resourceMatches(p, r), negated: false },
  ArnLike: { match: (p, r) => resourceMatches(p, r), negated: false },
  ArnNotEquals: { match: (p, r) => resourceMatches(p, r), negated: true },
  ArnNotLike: { match: (p, r) => resourceMatches(p, r), negated: true },
};

/** The multivalued context keys toolgate's statements may use (IAM's service authorization reference types them). */
const MULTIVALUED_KEYS = new Set(['dynamodb:leadingkeys', 'dynamodb:attributes', 'aws:tagkeys']);

export class UnsupportedPolicyError extends Error {
  override readonly name = 'UnsupportedPolicyError';
}

function conditionHolds(operator: string, key: string, policyValues: readonly string[], context: RequestContext) {
  if (policyValues.some((value) => value.includes('${'))) {
    throw new UnsupportedPolicyError(`Policy variables are not supported by the local IAM check (${key}).`);
  }
  // Condition key names are case-insensitive.
  const requestValues = Object.entries(context).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
  // A key sent with no values (an empty multivalued key) is present: `Null` says so, as AWS does.
  const present = requestValues !== undefined;
  if (operator === 'Null') {
    // `Null: true` means "the key is absent".
    return policyValues.some((value) => (value.toLowerCase() === 'true') === !present);
  }
  const [setOperator, rest] = operator.includes(':') ? operator.split(':', 2) : [undefined, operator];
  const ifExists = rest?.endsWith('IfExists') ?? false;
  const baseName = ifExists ? rest?.slice(0, -'IfExists'.length) : rest;
  const base = baseName ? BASE_OPERATORS[baseName] : undefined;
  if (!base || (setOperator !== undefined && setOperator !== 'ForAllValues' && setOperator !== 'ForAnyValue')) {
    throw new UnsupportedPolicyError(`The condition operator ${operator} is not supported by the local IAM check.`);
  }
  const matchesOne = (requestValue: string) => {
    const matched = policyValues.some((policyValue) => base.match(policyValue, requestValue));
    return base.negated ? !matched : matched;
  };
  if (setOperator === 'ForAllValues') {
    // True for an absent or empty key: the classic trap of ForAllValues, reproduced as AWS evaluates it.
    return (requestValues ?? []).every(matchesOne);
  }
  if (setOperator === 'ForAnyValue') {
    return (requestValues ?? []).some(matchesOne);
  }
  // A single-valued operator cannot compare a set: on a multivalued key in the request (even an empty one) it never
  // matches, negated or not; only ForAllValues/ForAnyValue do.
  if (requestValues !== undefined && MULTIVALUED_KEYS.has(key.toLowerCase())) return false;
  if (!present) return ifExists || base.negated;
  return base.negated ? requestValues.every(matchesOne) : requestValues.some(matchesOne);
}

function statementApplies(statement: IamStatement, request: IamRequest): boolean {
  if (!statement.actions.some((pattern) => actionMatches(pattern, request.action))) return false;
  if (!statement.resources.some((pattern) => resourceMatches(pattern, request.resource))) return false;
  for (const [operator, keys] of Object.entries(statement.conditions ?? {})) {
    for (const [key, values] of Object.entries(keys)) {
      if (!conditionHolds(operator, key, values, request.context ?? {})) return false;
    }
  }
  return true;
}

/** Whether one identity's Allow statements grant the request. */
export function evaluate(statements: readonly IamStatement[], request: IamRequest): Decision {
  return statements.some((statement) => statementApplies(statement, request)) ? 'Allowed' : 'ImplicitlyDenied';
}
