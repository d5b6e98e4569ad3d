/**
 * Model permissions (Django's `auth.Permission`): `view`, `add`, `change` and `delete` for every
 * model, named `<module>.<action>_<model>` (`app.change_product`), granted to users directly or
 * through groups.
 */
import type { AnyModel, Database } from '../orm/index.ts'
import type { AnyUserModel, Auth } from './auth.ts'
import { Permission, type UserRow } from './models.ts'

/** The actions every model gets a permission for. */
export const DEFAULT_ACTIONS = ['view', 'add', 'change', 'delete'] as const

/** `app.change_product` for a model and an action. */
export function permissionName(model: AnyModel, action: string): string {
  return `${model.meta.module}.${action}_${model.name.toLowerCase()}`
}

// Rows are fresh objects per request, so this cache lives exactly as long as the request does.
const cache = new WeakMap<object, Promise<Set<string>>>()

/** The permission names a user has, directly and through groups (one query each, cached per row). */
export function loadPermissions(_auth: Auth<AnyUserModel>, user: UserRow): Promise<Set<string>> {
  let found = cache.get(user)
  if (found === undefined) {
    found = collect(user)
    cache.set(user, found)
  }
  return found
}

interface Related {
  related(name: string): {
    all(): Promise<Array<{ module: string; codename: string }>>
    prefetchRelated(name: string): {
      all(): Promise<Array<{ permissions: Array<{ module: string; codename: string }> }>>
    }
  }
}

async function collect(user: UserRow): Promise<Set<string>> {
  const row = user as unknown as Related
  const [direct, groups] = await Promise.all([
    row.related('userPermissions').all(),
    row.related('groups').prefetchRelated('permissions').all(),
  ])
  const names = new Set<string>()
  for (const p of direct) names.add(`${p.module}.${p.codename}`)
  for (const group of groups)
    for (const p of group.permissions) names.add(`${p.module}.${p.codename}`)
  return names
}

/**
 * Create the missing `view`/`add`/`change`/`delete` permissions of `models` (run after
 * migrating; `plinth createsuperuser` and the example app do). Returns how many were created.
 *
 * @example
 * await migrate(db, { modules: [authModule, shop] })
 * await syncPermissions({ models: [...shop.models], database: db })
 */
export async function syncPermissions(options: {
  models: readonly AnyModel[]
  database?: Database
  actions?: readonly string[]
}): Promise<number> {
  const actions = options.actions ?? DEFAULT_ACTIONS
  const permissions = options.database
    ? Permission.objects.using(options.database)
    : Permission.objects
  const existing = new Set((await permissions.all()).map((p) => `${p.module}.${p.codename}`))
  const missing: Array<{ name: string; module: string; model: string; codename: string }> = []
  for (const model of options.models) {
    for (const action of actions) {
      const codename = `${action}_${model.name.toLowerCase()}`
      if (existing.has(`${model.meta.module}.${codename}`)) continue
      missing.push({
        name: `Can ${action} ${model.meta.verboseName}`,
        module: model.meta.module,
        model: model.name,
        codename,
      })
    }
  }
  if (missing.length > 0) await permissions.bulkCreate(missing)
  return missing.length
}
