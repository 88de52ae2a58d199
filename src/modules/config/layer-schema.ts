import { z } from 'zod';

// A configuration layer holds any subset of the full configuration: the same keys, each optional,
// and null meaning "inherit from the layers below". `layerOf` derives that schema from the full
// one, so the two can never disagree about names or value types.

type Leaf = string | number | boolean | null | undefined | unknown[];

/** Every key optional and nullable, recursively through nested objects (lists stay whole). */
export type Layer<T> = {
  [K in keyof T]?: (T[K] extends Leaf ? T[K] : T[K] extends object ? Layer<T[K]> : T[K]) | null;
};

function unwrap(schema: z.ZodType): z.ZodType {
  let inner = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault || inner instanceof z.ZodOptional || inner instanceof z.ZodNullable) {
    inner = inner.unwrap() as z.ZodType;
  }
  return inner;
}

function layerShape(schema: z.ZodObject): Record<string, z.ZodType> {
  return Object.fromEntries(
    Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, field]) => {
      const inner = unwrap(field);
      return [key, (inner instanceof z.ZodObject ? z.object(layerShape(inner)).strict() : inner).nullish()];
    }),
  );
}

/** The layer schema of a full (defaulted) object schema: unknown keys are still refused. */
export function layerOf<S extends z.ZodObject>(schema: S): z.ZodType<Layer<z.output<S>>> {
  return z.object(layerShape(schema)).strict() as unknown as z.ZodType<Layer<z.output<S>>>;
}
