/**
 * Typed template contexts: the analysis of what each template reads (`analyze.ts`), the
 * TypeScript it becomes (`emit.ts`) and typed rendering (`typed.ts`). `plinth templates:types`
 * puts them together.
 */
export { type AnalyzeOptions, analyzeTemplates, DEFAULT_GLOBALS } from './analyze.ts'
export { type EmitOptions, emitContextTypes, sameDeclarations } from './emit.ts'
export type { ContextShape, Shape, Slot } from './shape.ts'
export { type TypedEnvironment, typedEnvironment } from './typed.ts'
