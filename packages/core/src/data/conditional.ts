/**
 * Every conditional write of the single table goes through here: conditions are built from named parts (the way
 * Powertools idempotency's DynamoDB persistence layer composes `attribute_not_exists(#id) OR #expiry < :now OR …`),
 * and a refused condition is an answer, not an error.
 *
 * No `ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`: dynalite 4 (the local DynamoDB) accepts the parameter but never
 * returns the item with the failure (checked on this machine: Put, Update and Delete all fail without `Item`). A
 * caller that read the old item from the failure would run one code path on AWS and another in every test, so the
 * few callers that need the current item after a refusal (idempotency replay, the billing ledger, the job worker)
 * read it with a consistent GetItem, which both answer alike.
 */

/** A named part of a ConditionExpression with the `#name` and `:value` placeholders it uses. */
export interface Condition {
  readonly expression: string;
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, unknown>>;
  /** The operator joining its parts at the top level, if any: it decides where parentheses go. */
  readonly operator?: 'AND' | 'OR';
}

/** One clause, written out (`#a < :b`, `attribute_exists(#a)`, `#a IN (…)`); compose clauses with allOf/anyOf. */
export function condition(
  expression: string,
  names: Record<string, string> = {},
  values: Record<string, unknown> = {},
): Condition {
  return { expression, names, values };
}

/** Placeholders of two parts must agree: the same `:now` with two different values would be a silent bug. */
function merge<T>(into: Record<string, T>, from: Readonly<Record<string, T>>): Record<string, T> {
  for (const placeholder in from) {
    if (placeholder in into && into[placeholder] !== from[placeholder]) {
      throw new Error(`condition: two values for ${placeholder}`);
    }
    into[placeholder] = from[placeholder] as T;
  }
  return into;
}

/**
 * Parentheses only around a part joined by the other operator: DynamoDB refuses redundant ones (`((a = :a))`), and
 * so does dynalite.
 */
const join = (operator: 'AND' | 'OR', parts: readonly Condition[]): Condition =>
  parts.length === 1 && parts[0]
    ? parts[0]
    : {
        expression: parts
          .map((part) => (part.operator && part.operator !== operator ? `(${part.expression})` : part.expression))
          .join(` ${operator} `),
        names: parts.reduce((names, part) => merge(names, part.names), {}),
        values: parts.reduce((values, part) => merge(values, part.values), {}),
        operator,
      };

export const allOf = (...parts: Condition[]): Condition => join('AND', parts);
export const anyOf = (...parts: Condition[]): Condition => join('OR', parts);

/** Named parts every repository needs. `pk` is the table's partition key: present exactly when the item is. */
export const itemExists: Condition = { expression: 'attribute_exists(pk)', names: {}, values: {} };
export const itemAbsent: Condition = { expression: 'attribute_not_exists(pk)', names: {}, values: {} };
/** `attribute = value`, with `:placeholder` (default: the attribute's name) naming the value. */
export function equals(attribute: string, value: unknown, placeholder = attribute): Condition {
  return condition(`#${attribute} = :${placeholder}`, { [`#${attribute}`]: attribute }, { [`:${placeholder}`]: value });
}
export function attributeAbsent(attribute: string): Condition {
  return condition(`attribute_not_exists(#${attribute})`, { [`#${attribute}`]: attribute });
}

/**
 * The request fields of `when`, merged with the names and values the write's own expression uses (an
 * UpdateExpression's `SET #status = :running`, say). Empty maps are left out: DynamoDB refuses them.
 */
export function conditionFields(
  when: Condition,
  names: Record<string, string> = {},
  values: Record<string, unknown> = {},
) {
  const allNames = merge({ ...names }, when.names);
  const allValues = merge({ ...values }, when.values);
  return {
    ConditionExpression: when.expression,
    ...(Object.keys(allNames).length ? { ExpressionAttributeNames: allNames } : {}),
    ...(Object.keys(allValues).length ? { ExpressionAttributeValues: allValues } : {}),
  };
}

export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
}

/** Runs a conditional write; a refused condition is an answer (null), not an error. */
export async function conditional<T>(write: () => Promise<T>): Promise<T | null> {
  try {
    return await write();
  } catch (error) {
    if (isConditionFailure(error)) return null;
    throw error;
  }
}

/** True when the conditional write happened, false when its condition refused it; other errors propagate. */
export async function written(write: () => Promise<unknown>): Promise<boolean> {
  return (await conditional(write)) !== null;
}
