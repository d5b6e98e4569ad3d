/**
 * Plinth templates: a compiled, Jinja2-compatible engine with autoescaping, inheritance, macros
 * and safe-by-default value access.
 *
 * Knows nothing of HTTP (the app integration is a thin layer on top). Start with
 * `environment.ts` (configuration, cache), `parser.ts`/`parse-expr.ts` (the language) and
 * `compiler.ts` (what templates become).
 *
 * @example
 * const env = createEnvironment({ loader: fileSystemLoader(new URL('./templates/', import.meta.url)) })
 * const html = env.render('products.html', { products })
 */
export {
  createEnvironment,
  Environment,
  type EnvironmentOptions,
  type PrecompiledTemplate,
  type TagFn,
  Template,
} from './environment.ts'
export {
  TemplateError,
  TemplateNotFoundError,
  TemplatePathError,
  TemplateRuntimeError,
  TemplateSyntaxError,
} from './errors.ts'
export {
  chainLoader,
  fileSystemLoader,
  type LoadedSource,
  type Loader,
  memoryLoader,
  moduleLoader,
  prefixLoader,
} from './loaders.ts'
export { Macro, Namespace } from './runtime/core.ts'
export { escapeHtml, markSafe, SafeString } from './runtime/markup.ts'
export {
  type Callable,
  defineFilter,
  defineTest,
  type EvalContext,
  type FilterFn,
  type TestFn,
} from './runtime/types.ts'
export { Undefined, UndefinedError } from './runtime/undefined.ts'
export { isKwargs, kwargs, splitArgs } from './runtime/values.ts'
export {
  type AnalyzeOptions,
  analyzeTemplates,
  type ContextShape,
  DEFAULT_GLOBALS,
  type EmitOptions,
  emitContextTypes,
  type Shape,
  type Slot,
  sameDeclarations,
  type TypedEnvironment,
  typedEnvironment,
} from './typegen/index.ts'
