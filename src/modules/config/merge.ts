// The merge rule of configuration layers (SPEC §8): objects merge key by key, lists and scalars of
// the higher layer replace the lower ones, and null or undefined never overwrites anything, so a
// layer can leave a value to the layers below it by setting it to null.

export type JsonObject = { [key: string]: unknown };

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `override` deep-merged over `base`; neither input is modified. */
export function deepMerge(base: JsonObject, override: JsonObject | null | undefined): JsonObject {
  const result: JsonObject = { ...base };
  if (!override) return result;
  for (const [key, value] of Object.entries(override)) {
    if (value === null || value === undefined) continue;
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : cloneJson(value);
  }
  return result;
}

/** Merges layers from lowest to highest priority. */
export function mergeLayers(layers: Array<JsonObject | null | undefined>): JsonObject {
  return layers.reduce<JsonObject>((merged, layer) => deepMerge(merged, layer), {});
}

/**
 * JSON Merge Patch (RFC 7386), for editing a stored layer: objects merge, null deletes the key,
 * anything else replaces. Unlike `deepMerge`, null here means "remove my override".
 */
export function mergePatch(target: JsonObject, patch: JsonObject): JsonObject {
  const result: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (isPlainObject(value)) {
      const current = result[key];
      const merged = mergePatch(isPlainObject(current) ? current : {}, value);
      if (Object.keys(merged).length > 0) result[key] = merged;
      else delete result[key];
    } else result[key] = cloneJson(value);
  }
  return result;
}

function cloneJson<T>(value: T): T {
  return isPlainObject(value) || Array.isArray(value) ? structuredClone(value) : value;
}
