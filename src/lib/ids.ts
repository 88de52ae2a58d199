import { z } from 'zod';

// Ids inside JSON documents (template configs, matching rules) are accepted in either form a client
// may hold, a raw row id (UUID) or a Relay global id, and are stored as raw row ids.

const uuid = z.guid();

/** The row id of `value` if it is a UUID or a global id of `typename` wrapping one; otherwise null. */
export function rowIdOf(value: string, typename: string): string | null {
  if (uuid.safeParse(value).success) return value.toLowerCase();
  let decoded: string;
  try {
    decoded = Buffer.from(value, 'base64').toString('utf8');
  } catch {
    return null;
  }
  const separator = decoded.indexOf(':');
  if (separator < 0 || decoded.slice(0, separator) !== typename) return null;
  const id = decoded.slice(separator + 1);
  return uuid.safeParse(id).success ? id.toLowerCase() : null;
}
