/**
 * Typed rendering for an environment: `typedEnvironment<TemplateContexts>(env)` is the same
 * environment whose `render(name, data)` only accepts template names of `TemplateContexts` and,
 * for each, the variables the template reads (the file `plinth templates:types` generates).
 * Types only: the environment itself is returned.
 */
import type { Environment } from '../environment.ts'

/** An environment whose `render` is checked against `Contexts` (template name → variables). */
export type TypedEnvironment<Contexts> = Omit<Environment, 'render'> & {
  render<Name extends keyof Contexts & string>(
    name: Name,
    // The context may be left out when the template needs nothing (or only optional variables).
    ...context: {} extends Contexts[Name] ? [context?: Contexts[Name]] : [context: Contexts[Name]]
  ): string
}

/**
 * `env`, typed: `render('products.html', { products })` must name a known template and pass what
 * it reads.
 *
 * @example
 * import type { TemplateContexts } from './template-contexts.ts'
 * const pages = typedEnvironment<TemplateContexts>(env)
 * pages.render('products.html', { products }) // checked by the compiler
 */
export function typedEnvironment<Contexts>(env: Environment): TypedEnvironment<Contexts> {
  // Only the parameter types differ: the runtime method is the same.
  return env as unknown as TypedEnvironment<Contexts>
}
