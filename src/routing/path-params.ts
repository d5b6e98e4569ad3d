/**
 * Path parameter types inferred from a route pattern string.
 *
 * @example
 * type P = PathParams<'/users/:id/files/*path'> // { id: string; path: string }
 */
type Segments<P extends string> = P extends `${infer Head}/${infer Tail}`
  ? Head | Segments<Tail>
  : P

type ParamName<S extends string> = S extends `:${infer Name}`
  ? Name
  : S extends `*${infer Name}`
    ? Name extends ''
      ? '*'
      : Name
    : never

/** The params object a pattern produces: one `string` per `:name` / `*name` (bare `*` is `'*'`). */
export type PathParams<P extends string> = string extends P
  ? Record<string, string>
  : { [K in ParamName<Segments<P>>]: string }
