/**
 * An UpdateExpression from a map of attributes, so that a repository says what it sets and removes, not how the
 * placeholders are spelled. Values get `:set_<name>` placeholders, apart from those of the write's condition.
 */

const ASSIGN = Symbol('assign');
type Assignment = { [ASSIGN]: 'if-not-exists' | 'add'; value: unknown };

/** Sets the attribute only if it has no value yet (`if_not_exists`). */
export const ifNotExists = (value: unknown): Assignment => ({ [ASSIGN]: 'if-not-exists', value });
/** Adds to the stored number (`#a = #a + :a`): the attribute must exist. */
export const increment = (by: number): Assignment => ({ [ASSIGN]: 'add', value: by });

const isAssignment = (value: unknown): value is Assignment =>
  typeof value === 'object' && value !== null && ASSIGN in value;

export function updateFields(set: Readonly<Record<string, unknown>>, remove: readonly string[] = []) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const assignments: string[] = [];
  for (const [attribute, value] of Object.entries(set)) {
    if (value === undefined) continue;
    const name = `#${attribute}`;
    const placeholder = `:set_${attribute}`;
    names[name] = attribute;
    if (isAssignment(value)) {
      values[placeholder] = value.value;
      assignments.push(
        value[ASSIGN] === 'add'
          ? `${name} = ${name} + ${placeholder}`
          : `${name} = if_not_exists(${name}, ${placeholder})`,
      );
    } else {
      values[placeholder] = value;
      assignments.push(`${name} = ${placeholder}`);
    }
  }
  for (const attribute of remove) names[`#${attribute}`] = attribute;
  const expression =
    (assignments.length ? `SET ${assignments.join(', ')}` : '') +
    (remove.length ? ` REMOVE ${remove.map((attribute) => `#${attribute}`).join(', ')}` : '');
  return { UpdateExpression: expression.trim(), names, values };
}
