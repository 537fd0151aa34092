/**
 * An UpdateExpression from a map of attributes, so that a repository says what it sets and removes, not how the
 * placeholders are spelled. Values get `:set_<name>` placeholders, apart from those of the write's condition.
 */

/** An assignment other than `#a = :a`. */
class Assignment {
  constructor(
    readonly spell: (name: string, placeholder: string) => string,
    readonly value: unknown,
  ) {}
}

/** Sets the attribute only if it has no value yet (`if_not_exists`). */
export const ifNotExists = (value: unknown) => new Assignment((n, p) => `${n} = if_not_exists(${n}, ${p})`, value);
/** Adds to the stored number (`#a = #a + :a`): the attribute must exist. */
export const increment = (by: number) => new Assignment((n, p) => `${n} = ${n} + ${p}`, by);

export function updateFields(set: Readonly<Record<string, unknown>>, remove: readonly string[] = []) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const assignments: string[] = [];
  for (const [attribute, value] of Object.entries(set)) {
    if (value === undefined) continue;
    const name = `#${attribute}`;
    const placeholder = `:set_${attribute}`;
    names[name] = attribute;
    const special = value instanceof Assignment ? value : undefined;
    values[placeholder] = special ? special.value : value;
    assignments.push(special ? special.spell(name, placeholder) : `${name} = ${placeholder}`);
  }
  for (const attribute of remove) names[`#${attribute}`] = attribute;
  const removed = remove.map((attribute) => `#${attribute}`);
  const clauses = [
    assignments.length ? `SET ${assignments.join(', ')}` : '',
    removed.length ? `REMOVE ${removed.join(', ')}` : '',
  ];
  return { UpdateExpression: clauses.join(' ').trim(), names, values };
}
