/**
 * Adds own properties to a Response (its `trailers`, its `receipt`). `Object.assign` is not enough:
 * servers such as @hono/node-server replace the global Response with a class whose prototype has
 * getter-only accessors (a `trailers` getter among them), and assigning over those throws. Defining an
 * own property never goes through the prototype.
 */
export function extend<T extends object, P extends Record<string, unknown>>(target: T, props: P): T & P {
  for (const [key, value] of Object.entries(props)) {
    Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: false });
  }
  return target as T & P;
}
