/**
 * Where models live. Every model defined in this process goes to `modelRegistry` (in definition
 * order) unless it is given a registry of its own: reverse relations (`category.products`) and
 * string references (`field.foreignKey('Category', …)`) are looked up in the model's registry,
 * since the child model is the one that declares the foreign key.
 *
 * Migrations build "historical" models (the models as they were at some migration) into private
 * registries, so they never see, or are seen by, today's models.
 */
import type { AnyModel } from './model.ts'

/** The process-wide registry: every model defined without `registry`. */
export const modelRegistry: AnyModel[] = []

// Kept on the model object itself (symbol keys: invisible to Object.keys and JSON): migrations
// define thousands of historical models, and WeakMap entries cost far more to create.
const REGISTRY: unique symbol = Symbol('plinth.orm.registry')
const MODULE: unique symbol = Symbol('plinth.orm.module')

interface Registered {
  [REGISTRY]?: AnyModel[]
  [MODULE]?: string
}

/** Record where `model` is registered and which module it belongs to. */
export function register(model: AnyModel, registry: AnyModel[], module: string): void {
  registry.push(model)
  const target = model as AnyModel & Registered
  target[REGISTRY] = registry
  target[MODULE] = module
}

/** The registry `model` was defined into. */
export function registryOf(model: AnyModel): readonly AnyModel[] {
  return (model as AnyModel & Registered)[REGISTRY] ?? modelRegistry
}

/** The module of `model`, known without building its metadata. */
export function moduleOf(model: AnyModel): string {
  return (model as AnyModel & Registered)[MODULE] ?? 'app'
}
