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

const registries = new WeakMap<object, AnyModel[]>()
const modules = new WeakMap<object, string>()

/** Record where `model` is registered and which module it belongs to. */
export function register(model: AnyModel, registry: AnyModel[], module: string): void {
  registry.push(model)
  registries.set(model, registry)
  modules.set(model, module)
}

/** The registry `model` was defined into. */
export function registryOf(model: AnyModel): readonly AnyModel[] {
  return registries.get(model) ?? modelRegistry
}

/** The module of `model`, known without building its metadata. */
export function moduleOf(model: AnyModel): string {
  return modules.get(model) ?? 'app'
}
