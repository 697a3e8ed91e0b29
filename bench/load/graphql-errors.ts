/**
 * The extensions.code of each GraphQL error in an answer (https://spec.graphql.org/October2021/#sec-Errors),
 * or undefined when it holds none. The answer is parsed only when it can hold an `errors` key, so
 * a load run does not pay a JSON parse for every successful answer; nothing of it is kept.
 */
export function graphqlErrorCodesOf(text: string): string[] | undefined {
  if (!text.includes('"errors"')) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const errors = (json as { errors?: unknown })?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  return errors.map((error) => {
    const code = (error as { extensions?: { code?: unknown } })?.extensions?.code;
    return typeof code === 'string' ? code : 'NO_CODE';
  });
}
