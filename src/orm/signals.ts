/**
 * Signals: functions run before and after any instance of a model is saved or deleted, registered
 * from outside the model definition (Django's `pre_save`/`post_save`/`pre_delete`/`post_delete`).
 *
 * They run for `instance.save()`, `instance.delete()` and `create()` (which saves), in
 * registration order after the model's own `hooks`. Bulk operations (`bulkCreate`, `bulkUpdate`,
 * query set `update()`/`delete()`) do not run them, as in Django.
 */
import type { Instance } from './instance.ts'
import type { AnyModel } from './model.ts'

/** The moments a signal can run at. */
export type SignalName = 'beforeSave' | 'afterSave' | 'beforeDelete' | 'afterDelete'

type Handler<M extends AnyModel, S extends SignalName> = S extends 'beforeSave' | 'afterSave'
  ? (instance: Instance<M>, info: { created: boolean }) => void | Promise<void>
  : (instance: Instance<M>) => void | Promise<void>

/**
 * Run `handler` at `signal` for every instance of `model`; returns a function that stops it.
 *
 * @example
 * const stop = listen(Product, 'afterSave', (product, { created }) => {
 *   if (created) console.log('new product', product.id)
 * })
 */
export function listen<M extends AnyModel, S extends SignalName>(
  model: M,
  signal: S,
  handler: Handler<M, S>,
): () => void {
  const list = model.meta.hooks[signal] as unknown[]
  list.push(handler)
  return () => {
    const index = list.indexOf(handler)
    if (index !== -1) list.splice(index, 1)
  }
}
